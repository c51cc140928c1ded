/**
 * Worker threads that run a module of Airlock itself (not a small inlined script, as the
 * hashing and parsing pools do): for work that needs much of the program, and whose
 * memory should go when the work is done. A thread is named; `runThread` dispatches on
 * the name in the new thread.
 *
 * The single-file build ships the threads as a bundle of their own beside
 * dist/airlock.mjs, dist/threads.mjs (scripts/worker-sources.mjs): a thread loads
 * only what threads run instead of the whole CLI (it starts in 23 MiB instead of 49), and the embedded
 * database finds its WebAssembly beside it as it does beside the CLI. From the
 * TypeScript sources, a thread registers tsx and imports this module.
 *
 * Errors cross the thread boundary as plain values: an AirlockError keeps its code,
 * message and details, so the user sees the same one line either way.
 */
import { Worker, workerData } from 'node:worker_threads';
import { AirlockError, type ErrorCode } from './errors.ts';

/** The threads there are, and the module each runs (its `run` gets the thread's data). */
const THREADS = {
  'evidence-reader': () => import('../evidence/reader-worker.ts'),
  'embedded-database': () => import('../evidence/db/pglite-worker.ts'),
} as const;

/** The threads' bundle in the build, beside dist/airlock.mjs. */
export const THREADS_BUNDLE = 'threads.mjs';
export type ThreadName = keyof typeof THREADS;

interface ThreadData {
  airlockThread: ThreadName;
  data: unknown;
}

function isThreadData(v: unknown): v is ThreadData {
  return typeof v === 'object' && v !== null && typeof (v as ThreadData).airlockThread === 'string' && (v as ThreadData).airlockThread in THREADS;
}

/** Runs the module this thread was started for. */
export async function runThread(): Promise<void> {
  if (!isThreadData(workerData)) throw new Error('not an Airlock worker thread');
  const m = await THREADS[workerData.airlockThread]();
  await m.run(workerData.data);
}

/** Starts the named thread with `data` (structured-cloned). */
export function startThread(name: ThreadName, data: unknown): Worker {
  const workerData: ThreadData = { airlockThread: name, data };
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(`./${THREADS_BUNDLE}`, self), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(self)}); }).then((m) => m.runThread());`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData });
}

/** An error as it crosses a thread boundary. */
export interface ThreadError {
  code?: ErrorCode;
  message: string;
  details?: readonly string[];
  /** The thread's stack, for --debug; never part of the message. */
  stack?: string;
}

export function toThreadError(e: unknown): ThreadError {
  if (e instanceof AirlockError) return { code: e.code, message: e.message, details: e.details };
  return e instanceof Error ? { message: e.message, ...(e.stack ? { stack: e.stack } : {}) } : { message: String(e) };
}

export function fromThreadError(e: ThreadError, thread: string): Error {
  const err = e.code ? new AirlockError(e.code, e.message, { details: e.details ?? [] }) : new Error(`${thread} thread: ${e.message}`);
  if (e.stack) err.stack = e.stack;
  return err;
}
