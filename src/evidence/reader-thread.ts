/**
 * Reads an evidence store on a worker thread. The embedded engine's WebAssembly memory
 * (the PostgreSQL buffer pool and catalog caches: 140 MiB and more after reading 10,000
 * records) is never given back by the engine once grown, and stays reachable after
 * close; on a thread of its own it goes when the thread ends. The OSCAL export reads its
 * records this way, so that building the largest documents starts from the memory of
 * the records alone.
 *
 * The thread opens the store at once (a wrong passphrase or a locked store fails `open`),
 * sends records in batches one batch ahead of the reader, and closes the store on `close`.
 */
import type { Worker } from 'node:worker_threads';
import { fromThreadError, startThread, type ThreadError } from '../common/threads.ts';
import type { OpenStoreOptions } from './store.ts';
import type { EvidenceQuery, EvidenceRecord } from './types.ts';

/** What the thread opens the store with (plain values: they are copied to the thread). */
export type ReaderOptions = Pick<OpenStoreOptions, 'dir' | 'dbUrl' | 'tls' | 'passphrase'>;

export interface ReaderThreadData {
  options: ReaderOptions;
}

export type ReaderRequest = { type: 'read'; query: EvidenceQuery } | { type: 'more' } | { type: 'stop' } | { type: 'close' };
export type ReaderReply =
  | { type: 'ready'; storeId: string }
  | { type: 'batch'; records: EvidenceRecord[]; done: boolean }
  | { type: 'error'; error: ThreadError }
  | { type: 'closed' };

const THREAD = 'evidence reader';

export class EvidenceReaderThread {
  readonly #worker: Worker;
  readonly #inbox: ReaderReply[] = [];
  #wake: (() => void) | undefined;
  #failure: Error | undefined;
  #storeId = '';
  #reading = false;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    const fail = (e: Error): void => {
      this.#failure ??= e;
      this.#wake?.();
    };
    worker.on('message', (m: ReaderReply) => {
      this.#inbox.push(m);
      this.#wake?.();
    });
    worker.on('error', (e) => fail(new Error(`${THREAD} thread failed: ${e.message}`, { cause: e })));
    worker.on('exit', () => fail(new Error(`${THREAD} thread stopped unexpectedly`)));
  }

  /** Starts the thread and opens the store there; rejects with the store's own error. */
  static async open(options: ReaderOptions): Promise<EvidenceReaderThread> {
    const reader = new EvidenceReaderThread(startThread('evidence-reader', { options } satisfies ReaderThreadData));
    try {
      const first = await reader.#next();
      if (first.type !== 'ready') throw new Error(`${THREAD} thread: unexpected ${first.type}`);
      reader.#storeId = first.storeId;
      return reader;
    } catch (e) {
      reader.#closed = true;
      await reader.#worker.terminate();
      throw e;
    }
  }

  get storeId(): string {
    return this.#storeId;
  }

  async #next(): Promise<ReaderReply> {
    for (;;) {
      const m = this.#inbox.shift();
      if (m) {
        if (m.type === 'error') throw fromThreadError(m.error, THREAD);
        return m;
      }
      if (this.#failure) throw this.#failure;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }

  /** The store's records (decrypted) in chain order; one read at a time. */
  async *records(q: EvidenceQuery = {}): AsyncGenerator<EvidenceRecord> {
    if (this.#closed) throw new Error(`${THREAD}: closed`);
    if (this.#reading) throw new Error(`${THREAD}: one read at a time`);
    this.#reading = true;
    let done = false;
    try {
      this.#worker.postMessage({ type: 'read', query: q } satisfies ReaderRequest);
      while (!done) {
        const m = await this.#next();
        if (m.type !== 'batch') throw new Error(`${THREAD} thread: unexpected ${m.type}`);
        done = m.done;
        // The thread reads the next batch while this one is consumed.
        if (!done) this.#worker.postMessage({ type: 'more' } satisfies ReaderRequest);
        yield* m.records;
      }
    } finally {
      if (!done && !this.#failure) {
        // Stopped early: the batch read ahead is still coming; take it and drop it.
        this.#worker.postMessage({ type: 'stop' } satisfies ReaderRequest);
        await this.#next().catch(() => undefined);
      }
      this.#reading = false;
    }
  }

  /** Closes the store and ends the thread (its memory goes with it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.#failure) {
        this.#worker.postMessage({ type: 'close' } satisfies ReaderRequest);
        for (let m = await this.#next(); m.type !== 'closed'; m = await this.#next());
      }
    } finally {
      await this.#worker.terminate();
    }
  }
}
