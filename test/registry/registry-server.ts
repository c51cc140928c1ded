/**
 * Real registries for tests: Debian's `docker-registry` (CNCF distribution) on a free
 * loopback port with a generated config in a temp folder, in four modes: plain HTTP,
 * TLS with a CA made here with openssl, htpasswd basic auth, and token auth against a
 * small token issuer (node:http, ES256 JWTs with an x5c chain made with openssl).
 * Stopped when the test ends. Missing tools skip the test, or fail it under CI=true.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, createPrivateKey, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireTool, tempDir } from '../helpers/env.ts';
import { makeCa, makeClientCert, openssl } from '../helpers/certs.ts';
import { canConnect, freePort } from '../helpers/net.ts';

export { freePort, makeCa };

export type RegistryMode = 'http' | 'tls' | 'mtls' | 'basic' | 'token';

export const USER = 'airlock';
export const PASSWORD = 'correct horse battery staple';

export interface TestRegistry {
  mode: RegistryMode;
  /** `127.0.0.1:PORT` */
  host: string;
  dir: string;
  /** CA of the registry's TLS certificate (tls mode). */
  caFile?: string;
  /** Client options that reach this registry. */
  options: { plainHttp?: boolean; caFile?: string; certFile?: string; keyFile?: string; creds?: string; retries: number; retryDelayMs: number };
  /** skopeo flags for this registry as a copy destination (`dest`), copy source (`src`) or for inspect (`inspect`). */
  skopeoFlags(side: 'dest' | 'src' | 'inspect'): string[];
  /** Tokens issued so far (token mode). */
  tokensIssued(): number;
  /** Token mode: a new signing key for the issuer; the registry trusts it after restart(). */
  rotateTokenKey(): void;
  /** Kills the registry at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
}






interface TokenIssuer {
  url: string;
  certFile: string;
  issued: () => number;
  rotate: () => void;
  server: Server;
}

async function startTokenIssuer(dir: string, service: string): Promise<TokenIssuer> {
  let key: KeyObject;
  let der: string;
  const newKey = (): void => {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=airlock test token issuer'], dir);
    key = createPrivateKey(readFileSync(join(dir, 'token.key')));
    der = new X509Certificate(readFileSync(join(dir, 'token.crt'))).raw.toString('base64');
  };
  newKey();
  let issued = 0;
  const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
  const server = createHttpServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    if (auth !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = u.searchParams.getAll('scope').flatMap((s) => {
      const parts = s.split(':');
      if (parts.length < 3) return [];
      const actions = (parts.pop() as string).split(',');
      const type = parts.shift() as string;
      return [{ type, name: parts.join(':'), actions }];
    });
    const now = Math.floor(Date.now() / 1000);
    issued++;
    const claims = { iss: 'airlock-test', sub: USER, aud: u.searchParams.get('service') ?? service, exp: now + 600, nbf: now - 1200, iat: now - 1200, jti: randomBytes(8).toString('hex'), access };
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [der] }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${head}.${body}.${b64url(sig)}`, expires_in: 600 }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${port}/token`, certFile: join(dir, 'token.crt'), issued: () => issued, rotate: newKey, server };
}

/** Starts a registry, or returns undefined when the test was skipped for a missing tool. */
export async function startRegistry(t: TestContext, mode: RegistryMode): Promise<TestRegistry | undefined> {
  if (!requireTool(t, 'docker-registry') || !requireTool(t, 'openssl')) return undefined;
  if (mode === 'basic' && !requireTool(t, 'htpasswd')) return undefined;
  const dir = tempDir(t, 'airlock-registry-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  let caFile: string | undefined;
  let client: { certFile: string; keyFile: string } | undefined;
  if (mode === 'tls' || mode === 'mtls') {
    const ca = makeCa(dir);
    caFile = ca.caFile;
    lines.push('  tls:', `    certificate: ${ca.certFile}`, `    key: ${ca.keyFile}`);
    if (mode === 'mtls') {
      client = makeClientCert(dir, 'ca');
      lines.push('    clientcas:', `      - ${ca.caFile}`);
    }
  }
  let issuer: TokenIssuer | undefined;
  if (mode === 'basic') {
    execFileSync('htpasswd', ['-Bbc', join(dir, 'htpasswd'), USER, PASSWORD], { stdio: 'ignore' });
    lines.push('auth:', '  htpasswd:', '    realm: airlock-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  if (mode === 'token') {
    issuer = await startTokenIssuer(dir, 'airlock-test-registry');
    const srv = issuer.server;
    t.after(() => new Promise<void>((r) => srv.close(() => r())));
    lines.push('auth:', '  token:', `    realm: ${issuer.url}`, '    service: airlock-test-registry', '    issuer: airlock-test', `    rootcertbundle: ${issuer.certFile}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, lines.join('\n') + '\n');

  let child: ChildProcess | undefined;
  let log = '';
  const start = async (): Promise<void> => {
    const c = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-4000)));
    let exited = false;
    c.once('exit', () => (exited = true));
    for (let i = 0; i < 400; i++) {
      if (exited) throw new Error(`docker-registry exited at start:\n${log}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`docker-registry did not listen on ${host}:\n${log}`);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGKILL');
    });
  };
  await start();
  t.after(kill);

  const options: TestRegistry['options'] = { retries: 2, retryDelayMs: 20 };
  if (mode !== 'tls' && mode !== 'mtls') options.plainHttp = true;
  if (caFile) options.caFile = caFile;
  if (client) Object.assign(options, client);
  if (mode === 'basic' || mode === 'token') options.creds = `${USER}:${PASSWORD}`;
  return {
    mode,
    host,
    dir,
    ...(caFile ? { caFile } : {}),
    options,
    skopeoFlags(side) {
      const p = side === 'inspect' ? '--' : `--${side}-`;
      const f = mode === 'tls' || mode === 'mtls' ? [`${p}cert-dir`, certDirFor(dir, caFile as string)] : [`${p}tls-verify=false`];
      if (mode === 'basic' || mode === 'token') f.push(`${p}creds`, `${USER}:${PASSWORD}`);
      return f;
    },
    tokensIssued: () => issuer?.issued() ?? 0,
    rotateTokenKey: () => issuer?.rotate(),
    kill,
    restart: start,
  };
}

/** skopeo reads CA certificates from a folder of *.crt files. */
function certDirFor(dir: string, caFile: string): string {
  const certs = join(dir, 'skopeo-certs');
  execFileSync('mkdir', ['-p', certs]);
  writeFileSync(join(certs, 'ca.crt'), readFileSync(caFile));
  return certs;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
