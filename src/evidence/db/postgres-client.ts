/**
 * The server engine: a PostgreSQL server through a `pg` pool. TLS comes from the URL
 * (`sslmode=require|verify-ca|verify-full`) or from explicit CA and client-certificate
 * files, which take precedence.
 */
import type pg from 'pg';
import { readFileSync } from 'node:fs';
import { AirlockError } from '../../common/errors.ts';
import type { SqlClient, SqlExecutor, SqlRow } from './sql-client.ts';

export interface PostgresTlsOptions {
  /** PEM CA bundle that signed the server certificate. */
  caFile?: string;
  /** Client certificate and key (PEM) for mutual TLS. */
  certFile?: string;
  keyFile?: string;
}

function executor(c: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<R extends SqlRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      return (await c.query<R>(sql, params as unknown[])).rows;
    },
    async exec(sql: string): Promise<void> {
      await c.query(sql);
    },
  };
}

/** Redacts the password of a connection URL for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function openPostgres(url: string, tls: PostgresTlsOptions = {}, poolSize = 4): Promise<SqlClient> {
  let ssl: pg.PoolConfig['ssl'];
  if (tls.caFile || tls.certFile) {
    const read = (f: string) => {
      try {
        return readFileSync(f, 'utf8');
      } catch (e) {
        throw new AirlockError('BAD_INPUT', `${f}: cannot read (${(e as Error).message})`);
      }
    };
    ssl = {
      ca: tls.caFile ? read(tls.caFile) : undefined,
      cert: tls.certFile ? read(tls.certFile) : undefined,
      key: tls.keyFile ? read(tls.keyFile) : undefined,
      rejectUnauthorized: true,
    };
  }
  // The URL's sslmode still applies when no files are given; explicit files replace it.
  const connectionString = ssl ? url.replace(/([?&])sslmode=[^&]*&?/, '$1').replace(/[?&]$/, '') : url;
  // Loaded when a server store is opened: every other command starts without it.
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ connectionString, ssl, max: poolSize, application_name: 'airlock' });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next query.
  });
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new AirlockError('IO', `${redactUrl(url)}: cannot connect to PostgreSQL (${(e as Error).message})`);
  }
  const base = executor(pool);
  return {
    engine: 'postgres',
    ...base,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const r = await fn(executor(c));
        await c.query('COMMIT');
        return r;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
