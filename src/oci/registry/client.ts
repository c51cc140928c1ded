/**
 * One registry's HTTP side: TLS (private CA, client certificates), plain HTTP only when
 * asked, authentication (anonymous, basic, bearer tokens from the realm/service/scope
 * flow, refreshed on 401), retries with backoff on 5xx, 429 and dropped connections.
 * Requests go through undici's `request` with one keep-alive Agent per registry.
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { AirlockError, errnoCode, isAirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { parseChallenges } from './challenge.ts';
import { type CredentialOptions, type Credentials, resolveCredentials } from './credentials.ts';
import { apiHost } from './reference.ts';

type UndiciRequest = typeof import('undici').request;

export interface RegistryOptions extends CredentialOptions {
  /** PEM file with extra CA certificates to trust (added to the system roots). */
  caFile?: string;
  /** PEM client certificate and key for mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** Speak plain HTTP. Never chosen silently. */
  plainHttp?: boolean;
  /** Parallel blob transfers (default 4). */
  concurrency?: number;
  /** Attempts after the first on 5xx, 429 and dropped connections (default 4). */
  retries?: number;
  /** First backoff delay in ms, doubled on each retry (default 250). */
  retryDelayMs?: number;
}

export type Body = Buffer | Readable;

export interface RequestInit {
  headers?: Record<string, string>;
  /** Called on every attempt so that a retried upload sends its body again. */
  body?: () => Body;
  /** Token scopes the request needs, e.g. `repository:a/b:pull`. */
  scopes: string[];
  followRedirects?: boolean;
  /** false for requests that must not be replayed blindly (a PATCH appends). */
  retry?: boolean;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { dump(): Promise<void>; text(): Promise<string> };
  url: URL;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TLS_TRUST = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

export function header(res: Pick<RegistryResponse, 'headers'>, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function innerCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const c = errnoCode(cur);
    if (c) return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export class RegistryClient {
  readonly registry: string;
  readonly base: URL;
  readonly options: RegistryOptions;
  readonly #agent: Agent;
  /** undici's request, loaded with the client (see create). */
  readonly #send: UndiciRequest;
  readonly #creds: Credentials | undefined;
  readonly #tokens = new Map<string, string>();
  #scheme: 'basic' | 'bearer' | undefined;
  #bearer: { realm: string; service: string | undefined } | undefined;

  private constructor(registry: string, options: RegistryOptions, agent: Agent, send: UndiciRequest, creds: Credentials | undefined) {
    this.registry = registry;
    this.options = options;
    this.base = new URL(`${options.plainHttp ? 'http' : 'https'}://${apiHost(registry)}`);
    this.#agent = agent;
    this.#send = send;
    this.#creds = creds;
  }

  static async create(registry: string, options: RegistryOptions = {}): Promise<RegistryClient> {
    const connect: { ca?: string[]; cert?: Buffer; key?: Buffer } = {};
    const read = async (path: string, what: string): Promise<Buffer> => {
      try {
        return await readFile(path);
      } catch (e) {
        throw new AirlockError('NOT_FOUND', `${path}: cannot read ${what}: ${errnoCode(e) ?? String(e)}`);
      }
    };
    if (options.caFile) connect.ca = [...rootCertificates, (await read(options.caFile, 'CA file')).toString('utf8')];
    if (options.certFile || options.keyFile) {
      if (!options.certFile || !options.keyFile) throw new AirlockError('USAGE', 'a client certificate needs both --cert-file and --key-file');
      connect.cert = await read(options.certFile, 'client certificate');
      connect.key = await read(options.keyFile, 'client key');
    }
    // undici is loaded by the commands that talk to a registry, not by every command.
    const undici = await import('undici');
    const agent = new undici.Agent({ connect, connections: Math.max(2, (options.concurrency ?? 4) + 2), keepAliveTimeout: 10_000 });
    const creds = await resolveCredentials(registry, options);
    return new RegistryClient(registry, options, agent, undici.request, creds);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Resolves a path or a Location header against the registry's base URL. */
  url(pathOrLocation: string): URL {
    return new URL(pathOrLocation, this.base);
  }

  async #authorization(scopes: string[], url: URL, fresh: boolean): Promise<string | undefined> {
    if (url.origin !== this.base.origin) return undefined;
    if (this.#scheme === 'basic' && this.#creds) return `Basic ${Buffer.from(`${this.#creds.username}:${this.#creds.password}`).toString('base64')}`;
    if (this.#scheme !== 'bearer' || !this.#bearer) return undefined;
    const key = [...scopes].sort().join(' ');
    let token = fresh ? undefined : this.#tokens.get(key);
    if (!token) {
      token = await this.#fetchToken(scopes);
      this.#tokens.set(key, token);
    }
    return `Bearer ${token}`;
  }

  async #fetchToken(scopes: string[]): Promise<string> {
    const b = this.#bearer as { realm: string; service: string | undefined };
    let realm: URL;
    try {
      realm = new URL(b.realm);
    } catch {
      throw new AirlockError('BAD_INPUT', `${this.registry}: token realm "${b.realm.slice(0, 200)}" is not a URL`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.options.plainHttp)) {
      // A TLS registry must not send its clients' credentials over plain HTTP.
      throw new AirlockError('UNTRUSTED', `${this.registry}: token realm ${realm.origin} is not HTTPS; refusing to send credentials there`);
    }
    if (b.service) realm.searchParams.set('service', b.service);
    for (const s of scopes) realm.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'user-agent': 'airlock' };
    if (this.#creds) headers.authorization = `Basic ${Buffer.from(`${this.#creds.username}:${this.#creds.password}`).toString('base64')}`;
    let res;
    try {
      res = await this.#send(realm, { method: 'GET', headers, dispatcher: this.#agent, maxRedirections: 3 });
    } catch (e) {
      throw this.#networkError(e, `token request to ${realm.origin}`);
    }
    const text = await readBounded(res.body, 1024 * 1024, `${this.registry}: token response`);
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new AirlockError('BAD_INPUT', `${this.registry}: the token service at ${realm.origin} refused the credentials (HTTP ${res.statusCode})${this.#creds ? '' : '; give credentials with --creds or an auth file'}`);
    }
    if (res.statusCode !== 200) throw new AirlockError('IO', `${this.registry}: token service at ${realm.origin} answered HTTP ${res.statusCode}`);
    const doc = parseJsonStrict(text, `${realm.origin} token response`, { maxBytes: 1024 * 1024 }) as { token?: unknown; access_token?: unknown };
    const token = typeof doc?.token === 'string' ? doc.token : typeof doc?.access_token === 'string' ? doc.access_token : undefined;
    if (!token) throw new AirlockError('BAD_INPUT', `${realm.origin}: token response has no "token"`);
    return token;
  }

  #learnChallenge(res: RegistryResponse): void {
    const h = header(res, 'www-authenticate');
    if (!h) throw new AirlockError('BAD_INPUT', `${this.registry}: HTTP 401 without a WWW-Authenticate challenge`);
    const challenges = parseChallenges(h, `${this.registry}: WWW-Authenticate`);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm) throw new AirlockError('BAD_INPUT', `${this.registry}: Bearer challenge without a realm`);
      this.#scheme = 'bearer';
      this.#bearer = { realm, service: bearer.params.service };
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!this.#creds) throw new AirlockError('BAD_INPUT', `${this.registry}: authentication required; give credentials with --creds, ${'AIRLOCK_REGISTRY_USERNAME'} or an auth file`);
      this.#scheme = 'basic';
      return;
    }
    throw new AirlockError('UNSUPPORTED', `${this.registry}: unsupported authentication scheme in "${h.slice(0, 200)}"`);
  }

  #networkError(e: unknown, what: string): AirlockError {
    if (isAirlockError(e)) return e;
    const code = innerCode(e);
    const msg = e instanceof Error ? e.message : String(e);
    if (code && TLS_TRUST.has(code)) {
      return new AirlockError('UNTRUSTED', `${this.registry}: ${what}: TLS certificate not trusted (${code}); give the registry's CA with --ca-file`, { cause: e });
    }
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(msg)) {
      return new AirlockError('IO', `${this.registry}: ${what}: the registry does not speak TLS; pass --plain-http if it is a plain HTTP registry`, { cause: e });
    }
    const hint = code === 'UND_ERR_SOCKET' && !this.options.plainHttp && !this.options.certFile ? ' (the registry closed the connection; if it requires a client certificate, give --cert-file and --key-file)' : '';
    return new AirlockError('IO', `${this.registry}: ${what}: ${code ?? msg}${hint}`, { cause: e, context: { errno: code } });
  }

  /**
   * Sends a request with authentication and retries. Returns any HTTP status except
   * 401 (an authentication error) and retried statuses that never recovered (IO error);
   * the caller checks the rest.
   */
  async request(method: string, pathOrUrl: string | URL, init: RequestInit): Promise<RegistryResponse> {
    const url = typeof pathOrUrl === 'string' ? this.url(pathOrUrl) : pathOrUrl;
    const retries = init.retry === false ? 0 : (this.options.retries ?? 4);
    const delay = this.options.retryDelayMs ?? 250;
    let freshToken = false;
    for (let attempt = 0; ; ) {
      const headers: Record<string, string> = { 'user-agent': 'airlock', ...init.headers };
      const auth = await this.#authorization(init.scopes, url, freshToken);
      // A 401 after a cached token means it expired: fetch a new one once. A 401 after
      // fresh credentials means they are wrong.
      const sentFresh = freshToken || (auth !== undefined && this.#scheme === 'basic');
      if (auth) headers.authorization = auth;
      let res: RegistryResponse;
      try {
        const r = await this.#send(url, {
          method: method as 'GET',
          headers,
          body: init.body?.() ?? null,
          dispatcher: this.#agent,
          maxRedirections: init.followRedirects ? 5 : 0,
        });
        res = { status: r.statusCode, headers: r.headers, body: r.body as RegistryResponse['body'], url };
      } catch (e) {
        const code = innerCode(e);
        if (code && RETRY_ERRNO.has(code) && attempt < retries) {
          await sleep(delay * 2 ** attempt++);
          continue;
        }
        throw this.#networkError(e, `${method} ${url.pathname}`);
      }
      if (res.status === 401) {
        await res.body.dump();
        if (sentFresh) {
          throw new AirlockError('BAD_INPUT', `${this.registry}: ${method} ${url.pathname}: authentication failed (HTTP 401)${this.#creds ? '; check the credentials' : '; give credentials with --creds or an auth file'}`);
        }
        this.#learnChallenge(res);
        freshToken = true;
        continue;
      }
      freshToken = false;
      if (RETRY_STATUS.has(res.status) && attempt < retries) {
        await res.body.dump();
        const after = Number(header(res, 'retry-after'));
        await sleep(Number.isFinite(after) && after > 0 && after <= 30 ? after * 1000 : delay * 2 ** attempt);
        attempt++;
        continue;
      }
      if (RETRY_STATUS.has(res.status)) {
        const text = await readBounded(res.body, 64 * 1024, '').catch(() => '');
        throw new AirlockError('IO', `${this.registry}: ${method} ${url.pathname}: HTTP ${res.status} after ${retries + 1} attempts${registryErrorText(text)}`);
      }
      return res;
    }
  }

  /** Throws an AirlockError naming the registry's own error text unless the status is expected. */
  async expect(res: RegistryResponse, ok: readonly number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = await readBounded(res.body, 64 * 1024, '').catch(() => '');
    const code = res.status === 404 ? 'NOT_FOUND' : res.status === 403 ? 'BAD_INPUT' : 'IO';
    throw new AirlockError(code, `${this.registry}: ${what}: HTTP ${res.status}${registryErrorText(text)}`);
  }
}

/** The first `errors[].code: message` of a distribution error body, or ''. */
export function registryErrorText(body: string): string {
  try {
    const doc = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
    const e = doc.errors?.[0];
    if (e) return ` (${String(e.code ?? '')}: ${String(e.message ?? '').slice(0, 300)})`;
  } catch {
    /* not a distribution error body */
  }
  return '';
}

/** Reads a response body to a string, refusing more than `max` bytes. */
export async function readBounded(body: Readable, max: number, source: string): Promise<string> {
  return (await readBoundedBytes(body, max, source)).toString('utf8');
}

export async function readBoundedBytes(body: Readable, max: number, source: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) {
      body.destroy();
      throw new AirlockError('BAD_INPUT', `${source}: response larger than ${max} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
