/** The embedded engine: PGlite with its data folder inside the evidence store. */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor, SqlRow } from './sql-client.ts';

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<R extends SqlRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      return (await db.query<R>(sql, params as unknown[])).rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

export async function openPglite(dataDir: string): Promise<SqlClient> {
  // Loaded when an embedded store is opened: every other command starts without it.
  const { PGlite: Engine } = await import('@electric-sql/pglite');
  const db = await Engine.create(dataDir);
  const base = executor(db);
  return {
    engine: 'pglite',
    ...base,
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => db.transaction((tx) => fn(executor(tx))),
    close: () => db.close(),
  };
}
