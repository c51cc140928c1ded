/**
 * The embedded engine on a thread of its own: the same SqlClient as pglite-client.ts,
 * whose statements run in a worker thread. PostgreSQL in WebAssembly is CPU-bound on the
 * thread that runs it; there, the ingest server's thread is left to HTTP, the importers,
 * hashing and encryption, and the two share the cores (it took 41% of the server's
 * time at full load).
 *
 * PGlite has one session. A transaction here holds it from BEGIN to COMMIT or ROLLBACK:
 * statements outside the transaction wait until it ends, as PGlite's own transaction()
 * makes them wait, so that nothing else runs inside it.
 *
 * Appending a batch of records is one message (append.ts runs on the thread). Buffers
 * in parameters are copied to the thread (a large one is moved, not copied).
 */
import type { Worker } from 'node:worker_threads';
import { fromThreadError, startThread, type ThreadError } from '../../common/threads.ts';
import type { AppendResult, SealedRecord } from '../append.ts';
import type { SqlClient, SqlExecutor, SqlRow } from './sql-client.ts';

export interface EngineThreadData {
  dataDir: string;
}

type Request = { type: 'query'; sql: string; params: unknown[] } | { type: 'exec'; sql: string } | { type: 'append'; records: readonly SealedRecord[] } | { type: 'close' };
export type EngineRequest = Request & { id: number };
export type EngineReply = { id: number; result: unknown } | { id: number; error: ThreadError };

const THREAD = 'embedded database';

/** A parameter's bytes are moved rather than copied when they own their whole buffer. */
function transferables(req: Request): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (req.type !== 'query') return out;
  for (const p of req.params) {
    if (p instanceof Uint8Array && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && p.byteLength >= 64 * 1024 && p.buffer instanceof ArrayBuffer) out.push(p.buffer);
  }
  return out;
}

class EngineThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (result: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #failure: Error | undefined;

  constructor(worker: Worker, opened: { resolve: () => void; reject: (e: Error) => void }) {
    this.#worker = worker;
    this.#pending.set(0, { resolve: () => opened.resolve(), reject: opened.reject });
    worker.on('message', (m: EngineReply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if ('error' in m) p.reject(fromThreadError(m.error, THREAD));
      else p.resolve(m.result);
    });
    const fail = (e: Error): void => {
      this.#failure ??= e;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`${THREAD} thread failed: ${e.message}`, { cause: e })));
    worker.on('exit', () => fail(new Error(`${THREAD} thread stopped`)));
  }

  send(req: Request): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...req, id }, transferables(req));
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

export async function openPgliteThread(dataDir: string): Promise<SqlClient> {
  let opened!: { resolve: () => void; reject: (e: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (opened = { resolve, reject }));
  const engine = new EngineThread(startThread('embedded-database', { dataDir } satisfies EngineThreadData), opened);
  try {
    await ready;
  } catch (e) {
    await engine.terminate();
    throw e;
  }
  // The session is held by one transaction at a time; statements outside wait for it.
  let held: Promise<void> = Promise.resolve();
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const before = held;
    let release!: () => void;
    held = new Promise<void>((r) => (release = r));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  };
  const direct: SqlExecutor = {
    query: async <R extends SqlRow>(sql: string, params: readonly unknown[] = []) => (await engine.send({ type: 'query', sql, params: [...params] })) as R[],
    exec: async (sql: string) => {
      await engine.send({ type: 'exec', sql });
    },
  };
  return {
    engine: 'pglite',
    appendChained: (records) => exclusive(async () => (await engine.send({ type: 'append', records })) as AppendResult),
    query: (sql, params) => exclusive(() => direct.query(sql, params)),
    exec: (sql) => exclusive(() => direct.exec(sql)),
    transaction: (fn) =>
      exclusive(async () => {
        await direct.exec('BEGIN');
        let result;
        try {
          result = await fn(direct);
        } catch (e) {
          await direct.exec('ROLLBACK').catch(() => undefined);
          throw e;
        }
        await direct.exec('COMMIT');
        return result;
      }),
    close: async () => {
      try {
        await exclusive(() => engine.send({ type: 'close' }));
      } finally {
        await engine.terminate();
      }
    },
  };
}
