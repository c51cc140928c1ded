/** The embedded engine: PGlite with its data folder inside the evidence store. */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlRow } from './sql-client.ts';

const BYTEA = 17;
const JSONB = 3802;
/**
 * Bytes go to PGlite's wire protocol as they are, in the binary format (a bytea's raw
 * bytes; a jsonb from jsonbParam). Its own serialisers would turn bytea into hex text
 * byte by byte, and a Buffer given for jsonb into the JSON of a Buffer.
 */
const asBytes = (v: unknown): unknown => v;
const SERIALIZERS = {
  [BYTEA]: asBytes,
  [JSONB]: (v: unknown): unknown => (v instanceof Uint8Array || typeof v === 'string' ? v : JSON.stringify(v)),
} as Record<number, (v: unknown) => string>;

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<R extends SqlRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      return (await db.query<R>(sql, params as unknown[], { serializers: SERIALIZERS })).rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

/** PostgreSQL's buffer pool inside the embedded engine. */
const SHARED_BUFFERS = '32MB';

export async function openPglite(dataDir: string): Promise<SqlClient> {
  // Loaded when an embedded store is opened: every other command starts without it.
  const { PGlite: Engine } = await import('@electric-sql/pglite');
  // PostgreSQL's default 128 MB buffer pool lives in the WebAssembly memory, where every
  // page it ever touched stays resident: reading 10,000 records peaked at 385 MiB with it
  // and 285 MiB with 32 MB, at the same speed (the operating system's page cache still
  // holds the files). Appends measured the same too.
  const db = await Engine.create(dataDir, { startParams: [...Engine.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] });
  const base = executor(db);
  return {
    engine: 'pglite',
    ...base,
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => db.transaction((tx) => fn(executor(tx))),
    close: () => db.close(),
  };
}
