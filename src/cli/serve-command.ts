import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseSize } from '../common/size.ts';
import { loadControlResolver } from '../evidence/controls.ts';
import type { AppTls } from '../server/app.ts';
import { DEFAULT_BODY_LIMITS } from '../server/body.ts';
import { createLogger } from '../server/log.ts';
import { IngestServer, SERVER_DEFAULTS } from '../server/server.ts';
import { isTokenScope, TOKEN_SCOPES } from '../server/tokens.ts';
import { addStoreOptions, openStoreFrom, type StoreCliOptions } from './evidence-options.ts';

interface ServeOptions extends StoreCliOptions {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  clientCertScope?: string;
  insecureHttp?: boolean;
  bodyLimit: string;
  queueLimit: string;
  batchMax: string;
  batchWait: string;
  tokenRefresh: string;
  checkpointEvery: string;
  quiet?: boolean;
  logJson?: boolean;
  json?: boolean;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new AirlockError('USAGE', `--listen: expected HOST:PORT (127.0.0.1:8443, [::1]:8443, 0.0.0.0:8443), got ${JSON.stringify(text)}`);
  return { host: (m[1] ?? m[2])!, port };
}

function count(value: string, flag: string, min: number, max: number): number {
  const n = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new AirlockError('USAGE', `${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

async function tlsFrom(o: ServeOptions): Promise<AppTls | undefined> {
  if (o.insecureHttp) {
    if (o.tlsCert || o.tlsKey || o.tlsClientCa) throw new AirlockError('USAGE', '--insecure-http and --tls-* do not go together');
    return undefined;
  }
  if (!o.tlsCert || !o.tlsKey) throw new AirlockError('USAGE', 'serve needs --tls-cert and --tls-key (or --insecure-http for plain HTTP, on a trusted network only)');
  if (o.clientCertScope !== undefined && !o.tlsClientCa) throw new AirlockError('USAGE', '--client-cert-scope needs --tls-client-ca');
  if (o.clientCertScope !== undefined && !isTokenScope(o.clientCertScope)) throw new AirlockError('USAGE', `--client-cert-scope: one of ${TOKEN_SCOPES.join(', ')}`);
  const read = (f: string) => readFileBounded(f, 1024 * 1024, 'PEM file');
  return {
    cert: await read(o.tlsCert),
    key: await read(o.tlsKey),
    ...(o.tlsClientCa ? { clientCa: await read(o.tlsClientCa) } : {}),
    ...(o.clientCertScope && isTokenScope(o.clientCertScope) ? { clientCertScope: o.clientCertScope } : {}),
  };
}

export function registerServeCommands(program: Command): void {
  addStoreOptions(program.command('serve').description('the ingest server: Falco and Wazuh events over HTTPS into the evidence store, acknowledged once durable'))
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .option('--tls-cert <file>', 'server certificate chain (PEM)')
    .option('--tls-key <file>', 'server private key (PEM)')
    .option('--tls-client-ca <file>', 'require client certificates signed by this CA (PEM): mutual TLS')
    .option('--client-cert-scope <scope>', `with --tls-client-ca: a verified client certificate without a bearer token gets this scope (${TOKEN_SCOPES.join(' or ')}); for Falco's http_output, which cannot send headers`)
    .option('--insecure-http', 'plain HTTP without TLS (tokens and events travel in clear)')
    .option('--body-limit <size>', 'largest request body', '1MiB')
    .option('--queue-limit <events>', 'events waiting for a commit above which requests get 429', String(SERVER_DEFAULTS.maxQueued))
    .option('--batch-max <events>', 'most events in one commit', String(SERVER_DEFAULTS.batchMax))
    .option('--batch-wait <ms>', 'how long the writer gathers a small batch', String(SERVER_DEFAULTS.batchWaitMs))
    .option('--token-refresh <seconds>', 'how often the API tokens are reloaded', String(SERVER_DEFAULTS.tokenRefreshMs / 1000))
    .option('--checkpoint-every <records>', 'sign a checkpoint after this many records', '10000')
    .option('--quiet', 'no counters line every minute (warnings and errors still)')
    .option('--log-json', 'structured log: one JSON object per line on stderr')
    .option('--json', 'machine-readable output: one JSON line on stdout when listening, one when stopped')
    .action(async (o: ServeOptions) => {
      const { host, port } = parseListen(o.listen);
      const tls = await tlsFrom(o);
      const maxBodyBytes = parseSize(o.bodyLimit, '--body-limit');
      if (maxBodyBytes > 64 * 1024 * 1024) throw new AirlockError('USAGE', '--body-limit: at most 64MiB');
      const settings = {
        maxQueued: count(o.queueLimit, '--queue-limit', 1, 10_000_000),
        batchMax: count(o.batchMax, '--batch-max', 1, 100_000),
        batchWaitMs: count(o.batchWait, '--batch-wait', 0, 10_000),
        tokenRefreshMs: count(o.tokenRefresh, '--token-refresh', 1, 86_400) * 1000,
      };
      const checkpointEvery = count(o.checkpointEvery, '--checkpoint-every', 1, 100_000_000);
      const logger = createLogger({ json: o.logJson, quiet: o.quiet });
      if (!tls) logger.warn('plain HTTP (--insecure-http): bearer tokens and events cross the network in clear; use TLS outside a trusted host');
      const controls = await loadControlResolver();
      const store = await openStoreFrom(o, 'required', { checkpointEvery, engineThread: true });
      let server: IngestServer;
      try {
        server = await IngestServer.start({
          store,
          controls,
          host,
          port,
          tls,
          logger,
          limits: { maxBodyBytes, maxLineBytes: Math.min(DEFAULT_BODY_LIMITS.maxLineBytes, maxBodyBytes) },
          ...settings,
        });
      } catch (e) {
        await store.close();
        const code = (e as { code?: string }).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new AirlockError('USAGE', `--listen ${o.listen}: cannot listen (${(e as Error).message})`);
        throw e;
      }
      logger.info(`listening on ${server.url}`, { store: store.dir, engine: store.engine, tls: tls ? (tls.clientCa ? 'mutual' : 'server') : 'off', tokens: server.tokens.size });
      if (server.tokens.size === 0) logger.warn('no API tokens: every request will be refused; create one with airlock tokens create --name NAME');
      if (o.json) process.stdout.write(`${JSON.stringify({ event: 'listening', url: server.url, pid: process.pid, storeId: store.storeId, engine: store.engine })}\n`);

      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      logger.info(`${signal}: stopping (new requests get 503, the queue is drained)`, { queue: server.queue.depth });
      const forced = () => {
        logger.error('second signal: exiting now; only acknowledged events are in the store');
        process.exit(130);
      };
      process.once('SIGTERM', forced);
      process.once('SIGINT', forced);
      try {
        const summary = await server.stop();
        logger.info('stopped', { accepted: summary.accepted, rejected: summary.rejected, http429: summary.throttled, http503: summary.unavailable, checkpoint: summary.checkpoint?.seq ?? null });
        if (o.json) process.stdout.write(`${JSON.stringify({ event: 'stopped', ...summary })}\n`);
      } finally {
        await store.close();
        process.removeListener('SIGTERM', forced);
        process.removeListener('SIGINT', forced);
      }
    });
}
