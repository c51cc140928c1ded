/**
 * One SQL dialect, two engines: embedded PGlite (PostgreSQL compiled to WebAssembly, in
 * process, a data folder on disk) and a PostgreSQL server through `pg`. The store talks
 * to this interface only; results are normalised here (bytea → Buffer, int8 → number,
 * timestamptz → Date) so that the engines cannot disagree.
 */
import type { AppendResult, SealedRecord } from '../append.ts';

export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly engine: 'pglite' | 'postgres';
  /**
   * Runs append.ts's appendChained where the engine runs, when that is another thread
   * (db/pglite-thread.ts): one message per batch instead of one per statement.
   */
  appendChained?(records: readonly SealedRecord[]): Promise<AppendResult>;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A jsonb parameter in PostgreSQL's binary form: a version byte (1), then the JSON text
 * in UTF-8. Both engines send a Buffer parameter as it is, in the binary format, where a
 * string is first measured and copied character by character in JavaScript (in PGlite,
 * twice): for the megabytes of one insert of a thousand records, that was 7% of the
 * ingest server's time.
 */
export function jsonbParam(json: string): Buffer {
  const out = Buffer.allocUnsafe(1 + Buffer.byteLength(json, 'utf8'));
  out[0] = 1;
  out.write(json, 1, 'utf8');
  return out;
}

export function asBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`expected bytea, got ${typeof v}`);
}

export function asNumber(v: unknown): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`expected an integer, got ${String(v)}`);
  return n;
}

export function asIso(v: unknown): string {
  const d = v instanceof Date ? v : new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new TypeError(`expected a timestamp, got ${String(v)}`);
  return d.toISOString();
}
