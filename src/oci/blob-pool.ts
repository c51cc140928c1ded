/**
 * Hashing and copying blob files on every core. SHA-256 is the bottleneck of verify and
 * create, and one Node thread hashes at one core's speed; a small pool of worker threads
 * using synchronous reads into one reused buffer reaches the speed of `openssl dgst`
 * per core. The worker source is inline so that the single-file build (dist/airlock.mjs)
 * carries it with no extra file.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
parentPort.on('message', (task) => {
  let src, dst;
  try {
    const hash = createHash('sha256');
    src = fs.openSync(task.src, 'r');
    if (task.dst) dst = fs.openSync(task.dst, 'wx', 0o644);
    let size = 0;
    const limit = task.limit;
    for (;;) {
      const n = fs.readSync(src, buf, 0, buf.length, null);
      if (n === 0) break;
      size += n;
      if (limit !== undefined && size > limit) throw Object.assign(new Error('larger than the declared ' + limit + ' bytes'), { code: 'ETOOBIG' });
      const chunk = n === buf.length ? buf : buf.subarray(0, n);
      hash.update(chunk);
      if (dst !== undefined) {
        let off = 0;
        while (off < n) off += fs.writeSync(dst, chunk, off, n - off);
      }
    }
    if (dst !== undefined && task.sync) fs.fsyncSync(dst);
    parentPort.postMessage({ id: task.id, digest: 'sha256:' + hash.digest('hex'), size });
  } catch (e) {
    parentPort.postMessage({ id: task.id, error: { message: e.message, code: e.code } });
  } finally {
    if (src !== undefined) fs.closeSync(src);
    if (dst !== undefined) fs.closeSync(dst);
  }
});
`;

export interface BlobResult {
  digest: string;
  size: number;
}

interface Job {
  task: Task;
  resolve: (r: BlobResult) => void;
  reject: (e: Error) => void;
}

interface Task {
  id: number;
  src: string;
  dst?: string;
  limit?: number;
  sync?: boolean;
}

type Reply = { id: number; digest: string; size: number } | { id: number; error: { message: string; code?: string } };

export class BlobPoolError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/** A pool of hashing workers. Call close() when done; it is also unref'd. */
export class BlobPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Job[] = [];
  readonly #pending = new Map<number, { resolve: (r: BlobResult) => void; reject: (e: Error) => void; worker: Worker }>();
  #nextId = 1;

  constructor(size = Math.max(1, Math.min(availableParallelism(), 8))) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (reply: Reply) => this.#onReply(w, reply));
      w.on('error', (err) => {
        for (const [id, p] of this.#pending) {
          if (p.worker === w) {
            this.#pending.delete(id);
            p.reject(err);
          }
        }
      });
      this.#workers.push(w);
      this.#idle.push(w);
    }
  }

  /** SHA-256 and size of a file; rejects past `limit` bytes without reading further. */
  hash(src: string, limit?: number): Promise<BlobResult> {
    return this.#submit({ id: 0, src, ...(limit === undefined ? {} : { limit }) });
  }

  /** Copies src to a new file dst (must not exist) and returns src's digest; fsyncs dst when `sync`. */
  copy(src: string, dst: string, limit?: number, sync = true): Promise<BlobResult> {
    return this.#submit({ id: 0, src, dst, sync, ...(limit === undefined ? {} : { limit }) });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #submit(task: Task): Promise<BlobResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ task: { ...task, id: this.#nextId++ }, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop() as Worker;
      const job = this.#queue.shift() as Job;
      this.#pending.set(job.task.id, { resolve: job.resolve, reject: job.reject, worker: w });
      w.ref();
      w.postMessage(job.task);
    }
  }

  #onReply(w: Worker, reply: Reply): void {
    const p = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    w.unref();
    this.#idle.push(w);
    if (p) {
      if ('error' in reply) p.reject(new BlobPoolError(reply.error.message, reply.error.code));
      else p.resolve({ digest: reply.digest, size: reply.size });
    }
    this.#drain();
  }
}

/** Runs fn over items with at most `limit` in flight, stopping at the first error. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (e) {
        if (failed === undefined) failed = e;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== undefined) throw failed;
}
