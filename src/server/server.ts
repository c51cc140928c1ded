/**
 * `airlock serve` without the command line: the ingest server around an open evidence
 * store. Starts the HTTP(S) listener, the group-commit writer, the token refresh and the
 * per-minute counters; `stop()` is the graceful shutdown: new requests get 503, the queue
 * is drained (every queued request is answered), the listener closes, and a checkpoint
 * of the chain head is signed. The caller closes the store.
 */
import type { FastifyInstance } from 'fastify';
import type { ControlResolver } from '../evidence/controls.ts';
import type { EvidenceStore } from '../evidence/store.ts';
import type { AppTls } from './app.ts';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from './body.ts';
import { CommitQueue } from './commit-queue.ts';
import type { IngestEndpoint } from './endpoints.ts';
import type { Logger } from './log.ts';
import { ServerMetrics } from './metrics.ts';
import { TokenCache } from './tokens.ts';

export interface ServerOptions {
  store: EvidenceStore;
  controls: ControlResolver;
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls?: AppTls;
  logger: Logger;
  limits?: Partial<BodyLimits>;
  /** High-water mark of the queue, in events. */
  maxQueued?: number;
  batchMax?: number;
  batchWaitMs?: number;
  tokenRefreshMs?: number;
  /** Period of the counters line on the log; 0 for none. */
  statsIntervalMs?: number;
  endpoints?: readonly IngestEndpoint[];
}

export interface ServerSummary {
  accepted: number;
  rejected: number;
  throttled: number;
  unavailable: number;
  checkpoint: { seq: number; headHash: string } | null;
}

export const SERVER_DEFAULTS = {
  maxQueued: 20_000,
  batchMax: 500,
  batchWaitMs: 2,
  tokenRefreshMs: 10_000,
  statsIntervalMs: 60_000,
} as const;

export class IngestServer {
  readonly metrics: ServerMetrics;
  readonly queue: CommitQueue;
  readonly tokens: TokenCache;
  readonly url: string;
  readonly #app: FastifyInstance;
  readonly #o: ServerOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #state: { storeOpen: boolean };
  #stopping: Promise<ServerSummary> | undefined;

  private constructor(o: ServerOptions, app: FastifyInstance, queue: CommitQueue, tokens: TokenCache, metrics: ServerMetrics, url: string, state: { storeOpen: boolean }) {
    this.#state = state;
    this.#o = o;
    this.#app = app;
    this.queue = queue;
    this.tokens = tokens;
    this.metrics = metrics;
    this.url = url;
  }

  static async start(o: ServerOptions): Promise<IngestServer> {
    const log = o.logger;
    const metrics = new ServerMetrics();
    const queue = new CommitQueue(o.store, {
      maxQueued: o.maxQueued ?? SERVER_DEFAULTS.maxQueued,
      batchMax: o.batchMax ?? SERVER_DEFAULTS.batchMax,
      batchWaitMs: o.batchWaitMs ?? SERVER_DEFAULTS.batchWaitMs,
      onCommit: ({ drafts, seconds }) => {
        metrics.batchSize.observe(drafts);
        metrics.commitSeconds.observe(seconds);
      },
      onAck: (seconds) => metrics.ackSeconds.observe(seconds),
      onFailure: (e, drafts) => {
        metrics.commitFailures.inc();
        log.error('commit failed; the batch was not acknowledged', { events: drafts, error: (e instanceof Error ? e.message : String(e)).split('\n')[0] });
      },
    });
    const tokens = new TokenCache();
    await tokens.refresh(o.store.sql);
    const limits = { ...DEFAULT_BODY_LIMITS, ...o.limits };
    const state = { storeOpen: true };
    // Fastify is loaded by the command that serves, not by every command of the CLI.
    const { buildApp } = await import('./app.ts');
    const app = buildApp({
      queue,
      tokens,
      metrics,
      controls: o.controls,
      limits,
      logger: log,
      status: () => o.store.status(),
      storeOpen: () => state.storeOpen,
      tls: o.tls,
      endpoints: o.endpoints,
    });
    metrics.gauges({ queueDepth: () => queue.depth, queueLimit: () => queue.limit, tokens: () => tokens.size });
    await app.listen({ host: o.host, port: o.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : o.port;
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    const url = `${o.tls ? 'https' : 'http'}://${host}:${port}`;
    const server = new IngestServer(o, app, queue, tokens, metrics, url, state);
    server.#startTimers();
    return server;
  }

  #startTimers(): void {
    const log = this.#o.logger;
    let refreshFailing = false;
    const refresh = setInterval(() => {
      this.tokens.refresh(this.#o.store.sql).then(
        () => {
          if (refreshFailing) log.info('token refresh works again', { tokens: this.tokens.size });
          refreshFailing = false;
        },
        (e: unknown) => {
          if (!refreshFailing) log.warn('cannot refresh the API tokens; the last loaded set stays in force', { error: (e as Error).message.split('\n')[0] });
          refreshFailing = true;
        },
      );
    }, this.#o.tokenRefreshMs ?? SERVER_DEFAULTS.tokenRefreshMs);
    refresh.unref();
    this.#timers.push(refresh);
    const every = this.#o.statsIntervalMs ?? SERVER_DEFAULTS.statsIntervalMs;
    if (every > 0) {
      const m = this.metrics;
      let last = { received: 0, accepted: 0, rejected: 0, throttled: 0, unavailable: 0, commits: 0, commitSum: 0 };
      const stats = setInterval(() => {
        const now = { received: m.received.total(), accepted: m.accepted.total(), rejected: m.rejected.total(), throttled: m.throttled.total(), unavailable: m.unavailable.total(), commits: m.commitSeconds.count, commitSum: m.commitSeconds.sum };
        const commits = now.commits - last.commits;
        log.info('counters', {
          seconds: Math.round(every / 1000),
          received: now.received - last.received,
          accepted: now.accepted - last.accepted,
          rejected: now.rejected - last.rejected,
          http429: now.throttled - last.throttled,
          http503: now.unavailable - last.unavailable,
          commits,
          avgCommitMs: commits > 0 ? Number((((now.commitSum - last.commitSum) / commits) * 1000).toFixed(1)) : 0,
          queue: this.queue.depth,
          rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
        });
        last = now;
      }, every);
      stats.unref();
      this.#timers.push(stats);
    }
  }

  /** Graceful shutdown; safe to call more than once. */
  stop(): Promise<ServerSummary> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<ServerSummary> {
    for (const t of this.#timers) clearInterval(t);
    const closed = this.#app.close();
    await this.queue.close();
    this.#app.server.closeIdleConnections();
    await closed;
    let checkpoint: ServerSummary['checkpoint'] = null;
    try {
      checkpoint = (await this.#o.store.checkpoint()) ?? null;
    } catch (e) {
      this.#o.logger.error('could not sign the closing checkpoint', { error: (e as Error).message.split('\n')[0] });
    }
    this.#state.storeOpen = false;
    const m = this.metrics;
    return { accepted: m.accepted.total(), rejected: m.rejected.total(), throttled: m.throttled.total(), unavailable: m.unavailable.total(), checkpoint };
  }
}
