/**
 * The HTTP API (Fastify): routes, authentication, body handling and the answers.
 *
 *   POST /v1/ingest/<endpoint>   events in (scope ingest); 200 only once committed
 *   GET  /v1/status              the store's status and the server's (scope read)
 *   GET  /metrics                Prometheus text (scope read)
 *   GET  /healthz                liveness (no token)
 *   GET  /readyz                 store open, not failing, queue below its mark (no token)
 *
 * Authentication runs before the body is read, and so do the closing, failing and
 * saturated checks: a refused request costs no parsing. Every error is answered as
 * `{"error": "<one line>"}` with its status.
 */
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ControlResolver } from '../evidence/controls.ts';
import type { StoreStatus } from '../evidence/store.ts';
import { bodyFormat, bodyValues, decodeContent, type BodyLimits } from './body.ts';
import type { CommitQueue } from './commit-queue.ts';
import { draftsOf, INGEST_ENDPOINTS, type IngestEndpoint } from './endpoints.ts';
import { HttpError, isHttpError } from './http-error.ts';
import type { Logger } from './log.ts';
import type { ServerMetrics } from './metrics.ts';
import type { TokenCache, TokenScope } from './tokens.ts';

export interface AppTls {
  cert: Buffer;
  key: Buffer;
  /** CA certificates of client certificates: when set, every connection must present one. */
  clientCa?: Buffer;
  /** Scope granted to a request that has a verified client certificate and no bearer token. */
  clientCertScope?: TokenScope;
}

export interface AppDeps {
  queue: CommitQueue;
  tokens: TokenCache;
  metrics: ServerMetrics;
  controls: ControlResolver;
  limits: BodyLimits;
  logger: Logger;
  status: () => Promise<StoreStatus>;
  /** Whether the store is open (false once shutdown closed it). */
  storeOpen: () => boolean;
  tls?: AppTls;
  endpoints?: readonly IngestEndpoint[];
  /** Request timeout in ms (a slow client is cut off). */
  requestTimeoutMs?: number;
}

const REALM = 'Bearer realm="airlock"';

function send(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers(headers).type('application/json').send(JSON.stringify(body));
}

/** The client certificate's subject CN, when the connection presented a verified one. */
function clientCertName(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const cn = cert.subject?.CN;
  return `cert:${Array.isArray(cn) ? cn.join(',') : (cn ?? cert.fingerprint256)}`;
}

export function buildApp(d: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: d.limits.maxBodyBytes,
    requestTimeout: d.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    https: d.tls
      ? {
          cert: d.tls.cert,
          key: d.tls.key,
          minVersion: 'TLSv1.2',
          ...(d.tls.clientCa ? { ca: d.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        }
      : null,
  });
  const m = d.metrics;

  // Bodies are read as bytes and decoded by body.ts, whatever the type (415 comes from there).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // While stopping, every answer closes its connection, so that the listener can close
  // as soon as the queue is drained instead of waiting for idle keep-alive connections.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (d.queue.closing) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    m.requests.inc({ route: request.routeOptions.url ?? 'unknown', code: String(reply.statusCode) });
  });

  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    if (isHttpError(error)) {
      if (error.status === 429) m.throttled.inc();
      if (error.status === 503) m.unavailable.inc();
      return send(reply, error.status, { error: error.message }, { ...error.headers });
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = (error as FastifyError).code;
      const message =
        code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `the body exceeds the limit of ${d.limits.maxBodyBytes} bytes`
          : code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
            ? 'Content-Length does not match the body'
            : error.message.split('\n')[0]!;
      return send(reply, status, { error: message });
    }
    d.logger.error('internal error', { route: request.url, error: error.message.split('\n')[0] });
    return send(reply, 500, { error: 'internal error; see the server log' });
  });
  app.setNotFoundHandler((request, reply) => send(reply, 404, { error: `no route ${request.method} ${request.url.split('?')[0]}` }));

  const authenticate = (scope: TokenScope) => async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header === undefined) {
      const certName = d.tls?.clientCertScope ? clientCertName(request) : undefined;
      if (certName && d.tls?.clientCertScope === scope) return;
      m.authFailures.inc({ reason: 'missing' });
      return send(reply, 401, { error: 'authentication required: send Authorization: Bearer <token>' }, { 'WWW-Authenticate': REALM });
    }
    const match = /^Bearer +([^\s]+) *$/i.exec(header);
    const result = match ? d.tokens.check(match[1]!) : ({ ok: false, reason: 'malformed' } as const);
    if (!result.ok) {
      m.authFailures.inc({ reason: result.reason });
      const why = { malformed: 'the Authorization header is not a bearer token of this server', unknown: 'the token is not known', revoked: 'the token is revoked', expired: 'the token has expired' }[result.reason];
      return send(reply, 401, { error: why }, { 'WWW-Authenticate': `${REALM}, error="invalid_token"` });
    }
    if (result.token.scope !== scope) {
      m.authFailures.inc({ reason: 'scope' });
      return send(reply, 403, { error: `the token ${result.token.name} has scope ${result.token.scope}; this needs ${scope}` }, { 'WWW-Authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"` });
    }
  };

  for (const ep of d.endpoints ?? INGEST_ENDPOINTS) {
    const ingestAuth = authenticate('ingest');
    app.post(`/v1/ingest/${ep.name}`, {
      bodyLimit: d.limits.maxBodyBytes,
      onRequest: async (request, reply) => {
        await ingestAuth(request, reply);
        if (reply.sent) return;
        // Refuse before the body is read when the answer cannot be 200.
        const refused = d.queue.refusal() ?? (d.queue.saturated() ? new HttpError(429, `the ingest queue is full (${d.queue.depth} of ${d.queue.limit} events waiting); retry after 1 s`, { 'Retry-After': '1' }) : undefined);
        if (refused) throw refused;
      },
      handler: async (request, reply) => {
        let events = 0;
        try {
          const format = bodyFormat(request.headers['content-type']);
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const bytes = decodeContent(raw, request.headers['content-encoding'], d.limits.maxBodyBytes);
          const values = bodyValues(bytes, format, d.limits);
          events = values.length;
          m.received.inc({ endpoint: ep.name }, events);
          const drafts = draftsOf(ep, values, d.controls);
          const done = await d.queue.submit(drafts, `${ep.name} request`);
          m.accepted.inc({ endpoint: ep.name }, events);
          return send(reply, 200, { accepted: events, records: done.count, firstSeq: done.firstSeq, lastSeq: done.lastSeq });
        } catch (e) {
          if (events > 0) m.rejected.inc({ endpoint: ep.name, reason: isHttpError(e) ? String(e.status) : '500' }, events);
          throw e;
        }
      },
    });
  }

  app.get('/healthz', async (_request, reply) => send(reply, 200, { status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const why = !d.storeOpen() ? 'the evidence store is closed' : d.queue.closing ? 'shutting down' : (d.queue.failing ?? (d.queue.saturated() ? `the queue is at its high-water mark (${d.queue.depth} of ${d.queue.limit})` : undefined));
    if (why) return send(reply, 503, { status: 'not ready', reason: why });
    return send(reply, 200, { status: 'ready', queueDepth: d.queue.depth });
  });

  app.get('/metrics', { onRequest: authenticate('read') }, async (_request, reply) => reply.code(200).type('text/plain; version=0.0.4; charset=utf-8').send(m.render()));

  app.get('/v1/status', { onRequest: authenticate('read') }, async (_request, reply) => {
    const store = await d.status();
    return send(reply, 200, {
      store,
      server: {
        queueDepth: d.queue.depth,
        queueLimit: d.queue.limit,
        failing: d.queue.failing ?? null,
        closing: d.queue.closing,
        eventsAccepted: m.accepted.total(),
        eventsRejected: m.rejected.total(),
        tokens: d.tokens.size,
      },
    });
  });

  return app;
}
