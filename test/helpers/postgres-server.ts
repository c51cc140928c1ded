/**
 * A real PostgreSQL server for tests: initdb into a temp folder, started on a free
 * loopback port with password (SCRAM) authentication and, on request, TLS with a CA made
 * here with openssl. PostgreSQL refuses to run as root, so under root the cluster runs
 * as the `postgres` user that Debian's package creates. Stopped when the test ends.
 * Missing binaries skip the test, or fail it under CI=true.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { makeCa } from './certs.ts';
import { IN_CI, tempDir } from './env.ts';
import { freePort } from './net.ts';

export const PG_USER = 'airlock';
export const PG_PASSWORD = 'evidence-test-password';

export interface TestPostgres {
  /** postgres://airlock:...@127.0.0.1:PORT/airlock */
  url: string;
  port: number;
  caFile?: string;
  /** Runs SQL as the superuser through psql (for tamper tests). */
  psql(sql: string, database?: string): string;
  /** A fresh database on this server; returns its URL. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
}

function binDir(): string | undefined {
  try {
    const out = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(out, 'postgres'))) return out;
  } catch {
    // Not on PATH: Debian keeps the server binaries under /usr/lib/postgresql/<major>/bin.
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no postgres user to run the test server as');
  }
}

export async function startPostgres(t: TestContext, options: { tls?: boolean } = {}): Promise<TestPostgres | undefined> {
  const bin = binDir();
  if (!bin) {
    if (IN_CI) throw new Error('PostgreSQL server binaries are required in CI (.ci/run installs postgresql)');
    t.skip('PostgreSQL server binaries are not installed');
    return undefined;
  }
  const dir = tempDir(t, 'airlock-pg-');
  const user = postgresUser();
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`);
  let caFile: string | undefined;
  let tlsLines = '';
  if (options.tls) {
    const ca = makeCa(dir, 'pg');
    caFile = ca.caFile;
    chmodSync(ca.keyFile, 0o600);
    if (user) chownSync(ca.keyFile, user.uid, user.gid);
    tlsLines = `ssl = on\nssl_cert_file = '${ca.certFile}'\nssl_key_file = '${ca.keyFile}'\n`;
  }
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', PG_USER, '--pwfile', pwfile, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-instructions'], {
    ...asUser,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  writeFileSync(join(data, 'postgresql.auto.conf'), `fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n${tlsLines}`);
  if (options.tls) {
    // Only TLS connections are accepted from the network.
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
  }
  if (user) {
    for (const f of ['postgresql.auto.conf', 'pg_hba.conf']) chownSync(join(data, f), user.uid, user.gid);
  }
  const port = await freePort();
  let proc: ChildProcess | undefined = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'], {
    ...asUser,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGINT'); // fast shutdown
    });
  };
  t.after(stop);
  const env = { ...process.env, PGPASSWORD: PG_PASSWORD };
  const psql = (sql: string, database = PG_USER): string =>
    execFileSync(join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', PG_USER, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      psql('SELECT 1', 'postgres');
      break;
    } catch {
      if (proc?.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  psql(`CREATE DATABASE ${PG_USER}`, 'postgres');
  const ssl = options.tls ? '?sslmode=verify-full' : '';
  const urlOf = (db: string) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${db}${ssl}`;
  return {
    url: urlOf(PG_USER),
    port,
    caFile,
    psql,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      psql(`CREATE DATABASE ${name}`, 'postgres');
      return urlOf(name);
    },
    stop,
  };
}
