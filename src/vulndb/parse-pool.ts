/**
 * Worker threads that parse batches of OSV records (parse-batch.ts), so that the thread
 * writing vuln.db spends its time in SQLite. Each worker takes one batch at a time; the
 * caller bounds how many are in flight.
 *
 * A worker runs parse-worker.ts. The single-file build (dist/airlock.mjs) carries it as
 * a small bundle of its own, inlined as a string (scripts/build.mjs defines
 * AIRLOCK_OSV_PARSER_SOURCE), so that no extra file ships and a thread costs about 10 MiB
 * rather than the 50 MiB of loading the whole CLI. From the TypeScript sources, a worker
 * registers tsx and imports parse-worker.ts.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EntryBatch, ParsedBatch } from './parse-batch.ts';

/** The parser thread's bundled source, in the single-file build only. */
declare const AIRLOCK_OSV_PARSER_SOURCE: string | undefined;

/**
 * The default pool size: one per core, at most four. The thread writing the DB waits on
 * the parsers part of the time, so the cores are shared by one thread more than there are.
 */
export function defaultParserThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/** Worker threads' heap: the young generation is kept small, since a batch's garbage dies young. */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 16 };

function startWorker(source: string | undefined): Worker {
  const bundled = source ?? (typeof AIRLOCK_OSV_PARSER_SOURCE === 'string' ? AIRLOCK_OSV_PARSER_SOURCE : undefined);
  if (bundled !== undefined) return new Worker(bundled, { eval: true, resourceLimits: RESOURCE_LIMITS });
  // From the sources: the worker needs tsx to load them, whether or not this process got it from --import.
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { resourceLimits: RESOURCE_LIMITS });
}

interface Job {
  batch: EntryBatch;
  resolve: (r: ParsedBatch) => void;
  reject: (e: Error) => void;
}

export class ParsePool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Job[] = [];
  readonly #busy = new Map<Worker, Job>();
  #failure: Error | undefined;
  #closing = false;

  /** `source`: a parser thread's bundled source (as the single-file build carries it), instead of the built-in one. */
  constructor(size = defaultParserThreads(), source?: string) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const w = startWorker(source);
      w.on('message', (r: ParsedBatch) => this.#done(w, r));
      w.on('error', (e) => this.#fail(new Error(`OSV parser thread failed: ${e.message}`, { cause: e })));
      w.on('exit', (code) => {
        if (!this.#closing) this.#fail(new Error(`OSV parser thread exited with code ${code}`));
      });
      this.#workers.push(w);
      this.#idle.push(w);
    }
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Parses a batch in a worker; its bytes are transferred (unusable here afterwards). */
  parse(batch: EntryBatch): Promise<ParsedBatch> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      this.#drain();
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#fail(new Error('OSV parser pool closed'));
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #drain(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop() as Worker;
      const job = this.#queue.shift() as Job;
      this.#busy.set(w, job);
      const b = job.batch;
      w.postMessage(b, [b.bytes.buffer as ArrayBuffer, b.ends.buffer as ArrayBuffer, b.sizes.buffer as ArrayBuffer]);
    }
  }

  #done(w: Worker, r: ParsedBatch): void {
    const job = this.#busy.get(w);
    this.#busy.delete(w);
    this.#idle.push(w);
    job?.resolve(r);
    this.#drain();
  }

  /** After a worker failed, every pending and later batch is rejected with the reason. */
  #fail(e: Error): void {
    this.#failure ??= e;
    for (const job of [...this.#busy.values(), ...this.#queue.splice(0)]) job.reject(this.#failure);
    this.#busy.clear();
  }
}
