/**
 * Group commit: requests put their drafts in a bounded in-memory queue and wait; one
 * writer takes whole requests from the head of the queue, up to `batchMax` drafts, and
 * appends them to the evidence store in one transaction. Two batches are in flight at
 * once: while one commits (on the database's side, or the embedded engine's thread),
 * the next is validated, hashed and sealed; the store commits them in order. A request's promise resolves
 * only after the transaction that holds its drafts has committed (acknowledged means
 * durable), and rejects if it did not (never acknowledged, so the client retries).
 *
 * Back-pressure: a request that would take the queue above `maxQueued` drafts is refused
 * at once with 429 and Retry-After; nothing of it is queued. After a commit fails for a
 * reason other than a bad draft, new requests and those still queued are refused with
 * 503 for a back-off period (doubling up to 30 s), after which the next commit probes the
 * store again.
 * When closing, new requests get 503 and the queue is drained.
 *
 * A batch the store refuses because one draft is invalid is retried request by request,
 * so one bad request cannot fail its neighbours.
 */
import { AirlockError } from '../common/errors.ts';
import type { EvidenceDraft, EvidenceHeader } from '../evidence/types.ts';
import { HttpError } from './http-error.ts';

/** What the queue needs of the evidence store. */
export interface Appender {
  append(drafts: readonly EvidenceDraft[], where?: string): Promise<EvidenceHeader[]>;
}

export interface CommitQueueOptions {
  /** High-water mark, in drafts waiting or being committed. */
  maxQueued: number;
  /** Most drafts in one transaction (a request larger than this is committed alone). */
  batchMax: number;
  /** How long the writer waits for more requests before committing a small batch. */
  batchWaitMs: number;
  /** Seconds a client is told to wait after a 429. */
  retryAfterSeconds?: number;
  onCommit?: (o: { drafts: number; seconds: number }) => void;
  /** Per committed request: seconds from entering the queue to the commit. */
  onAck?: (seconds: number) => void;
  onFailure?: (e: unknown, drafts: number) => void;
}

export interface Committed {
  /** Sequence numbers of the request's first and last records. */
  firstSeq: number;
  lastSeq: number;
  count: number;
}

interface Pending {
  drafts: readonly EvidenceDraft[];
  where: string;
  enqueuedAt: number;
  resolve: (c: Committed) => void;
  reject: (e: unknown) => void;
}

/** Batches in flight: one committing, one being prepared. */
const PIPELINE = 2;
const MAX_BACKOFF_MS = 30_000;
const FIRST_BACKOFF_MS = 1_000;

export class CommitQueue {
  readonly #store: Appender;
  readonly #o: Required<Omit<CommitQueueOptions, 'onCommit' | 'onAck' | 'onFailure'>> & Pick<CommitQueueOptions, 'onCommit' | 'onAck' | 'onFailure'>;
  #queue: Pending[] = [];
  #queuedDrafts = 0;
  #inFlightDrafts = 0;
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #closing = false;
  #failingUntil = 0;
  #backoffMs = FIRST_BACKOFF_MS;
  #lastError: string | undefined;
  #idle: (() => void)[] = [];

  constructor(store: Appender, o: CommitQueueOptions) {
    this.#store = store;
    this.#o = { retryAfterSeconds: 1, ...o };
  }

  /** Drafts queued or being committed. */
  get depth(): number {
    return this.#queuedDrafts + this.#inFlightDrafts;
  }

  get limit(): number {
    return this.#o.maxQueued;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Why the store is considered failing, while it is. */
  get failing(): string | undefined {
    return Date.now() < this.#failingUntil ? (this.#lastError ?? 'the evidence store failed') : undefined;
  }

  /** Whether a request of this many drafts would be taken now. */
  saturated(n = 1): boolean {
    return this.depth + n > this.#o.maxQueued;
  }

  /** Refusal of a request, if any, before its body is decoded: closing or failing. */
  refusal(): HttpError | undefined {
    if (this.#closing) return new HttpError(503, 'the server is shutting down; retry against another instance or later', { 'Retry-After': '5', Connection: 'close' });
    const failing = this.failing;
    if (failing) {
      const s = Math.max(1, Math.ceil((this.#failingUntil - Date.now()) / 1000));
      return new HttpError(503, `the evidence store is failing (${failing}); retry later`, { 'Retry-After': String(s) });
    }
    return undefined;
  }

  /** Queues a request's drafts; resolves when they are committed. */
  submit(drafts: readonly EvidenceDraft[], where: string): Promise<Committed> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (drafts.length > this.#o.maxQueued) {
      return Promise.reject(new HttpError(413, `${drafts.length} events in one request, more than the queue holds (${this.#o.maxQueued}); split it`));
    }
    if (this.saturated(drafts.length)) {
      return Promise.reject(new HttpError(429, `the ingest queue is full (${this.depth} of ${this.#o.maxQueued} events waiting); retry after ${this.#o.retryAfterSeconds} s`, { 'Retry-After': String(this.#o.retryAfterSeconds) }));
    }
    return new Promise<Committed>((resolve, reject) => {
      this.#queue.push({ drafts, where, enqueuedAt: performance.now(), resolve, reject });
      this.#queuedDrafts += drafts.length;
      if (!this.#running) void this.#run();
    });
  }

  /** Stops taking requests and waits until everything queued is committed or refused. */
  async close(): Promise<void> {
    this.#closing = true;
    if (!this.#running && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #take(): Pending[] {
    const batch: Pending[] = [];
    let n = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (batch.length > 0 && n + next.drafts.length > this.#o.batchMax) break;
      this.#queue.shift();
      batch.push(next);
      n += next.drafts.length;
    }
    this.#queuedDrafts -= n;
    this.#inFlightDrafts += n;
    return batch;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0 || this.#inFlight.size > 0) {
        if (this.#queue.length === 0 || this.#inFlight.size >= PIPELINE) {
          await Promise.race(this.#inFlight);
          continue;
        }
        if (this.#o.batchWaitMs > 0 && this.#queuedDrafts < this.#o.batchMax && !this.#closing) {
          await new Promise((r) => setTimeout(r, this.#o.batchWaitMs));
        }
        const batch = this.#take();
        const n = batch.reduce((k, p) => k + p.drafts.length, 0);
        const done: Promise<void> = this.#commit(batch).finally(() => {
          this.#inFlightDrafts -= n;
          this.#inFlight.delete(done);
        });
        this.#inFlight.add(done);
      }
    } finally {
      this.#running = false;
      const waiting = this.#idle;
      this.#idle = [];
      for (const w of waiting) w();
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    // Requests queued before a failure are not tried against the failing store again.
    const failing = this.failing;
    if (failing) {
      const refused = this.refusal()!;
      for (const p of batch) p.reject(refused);
      return;
    }
    const drafts = batch.flatMap((p) => p.drafts);
    const t0 = performance.now();
    try {
      const headers = await this.#store.append(drafts, batch.length === 1 ? batch[0]!.where : 'batch');
      this.#o.onCommit?.({ drafts: drafts.length, seconds: (performance.now() - t0) / 1000 });
      this.#healthy();
      const now = performance.now();
      let i = 0;
      for (const p of batch) {
        this.#o.onAck?.((now - p.enqueuedAt) / 1000);
        const first = headers[i]!;
        const last = headers[i + p.drafts.length - 1]!;
        i += p.drafts.length;
        p.resolve({ firstSeq: first.seq, lastSeq: last.seq, count: p.drafts.length });
      }
    } catch (e) {
      if (e instanceof AirlockError && e.code === 'BAD_INPUT' && batch.length > 1) {
        // One request's drafts are invalid: commit each request on its own.
        for (const p of batch) await this.#commit([p]);
        return;
      }
      if (e instanceof AirlockError && e.code === 'BAD_INPUT') {
        batch[0]!.reject(new HttpError(400, e.message));
        return;
      }
      this.#o.onFailure?.(e, drafts.length);
      this.#failed(e);
      const refused = new HttpError(503, `the evidence store did not commit the events (${oneLine(e)}); they are not stored, retry`, { 'Retry-After': String(Math.ceil(this.#backoffMs / 2000)) });
      for (const p of batch) p.reject(refused);
    }
  }

  #healthy(): void {
    this.#failingUntil = 0;
    this.#backoffMs = FIRST_BACKOFF_MS;
    this.#lastError = undefined;
  }

  #failed(e: unknown): void {
    this.#lastError = oneLine(e);
    this.#failingUntil = Date.now() + this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 300);
}
