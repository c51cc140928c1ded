/**
 * The options every command that opens the evidence store shares: where the store is,
 * which database holds the rows, and how its keys are unlocked.
 */
import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { checkPassphrase, PASSPHRASE_ENV } from '../evidence/crypto/file-key-provider.ts';
import { EvidenceStore, type OpenStoreOptions } from '../evidence/store.ts';

export const STORE_ENV = 'AIRLOCK_EVIDENCE_STORE';
export const DB_URL_ENV = 'AIRLOCK_DB_URL';

export interface StoreCliOptions {
  store?: string;
  dbUrl?: string;
  dbCa?: string;
  dbCert?: string;
  dbKey?: string;
  passphraseFile?: string;
}

/**
 * Adds the store options. `storeFlag` renames `--store` where a command already uses it
 * for something else (`oscal export --evidence DIR`: there `--store` is the Airlock data
 * folder of imported catalogs); the value then arrives under that name, and `storeHelp`
 * replaces the help line.
 */
export function addStoreOptions(cmd: Command, o: { storeFlag?: string; storeHelp?: string } = {}): Command {
  return cmd
    .option(`--${o.storeFlag ?? 'store'} <dir>`, o.storeHelp ?? `evidence store folder (default $${STORE_ENV})`)
    .option('--db-url <url>', `PostgreSQL server instead of the embedded database (default $${DB_URL_ENV}); sslmode in the URL applies`)
    .option('--db-ca <file>', 'CA certificate (PEM) of the PostgreSQL server')
    .option('--db-cert <file>', 'client certificate (PEM) for PostgreSQL')
    .option('--db-key <file>', 'client key (PEM) for PostgreSQL')
    .option('--passphrase-file <file>', `file holding the store passphrase (default $${PASSPHRASE_ENV})`);
}

async function passphraseOf(o: StoreCliOptions): Promise<string | undefined> {
  if (o.passphraseFile) {
    const text = (await readFileBounded(o.passphraseFile, 4096, 'passphrase file')).toString('utf8').replace(/\r?\n$/, '');
    return checkPassphrase(text, o.passphraseFile);
  }
  const env = process.env[PASSPHRASE_ENV];
  return env === undefined || env === '' ? undefined : checkPassphrase(env, PASSPHRASE_ENV);
}

/**
 * Opens the store. `keys: 'required'` fails without a passphrase (writing, reading
 * payloads); `'optional'` opens read-only without one (listing, verifying the chain).
 */
export async function openStoreFrom(o: StoreCliOptions, keys: 'required' | 'optional', extra: Partial<OpenStoreOptions> = {}): Promise<EvidenceStore> {
  return EvidenceStore.open({ ...(await storeOptionsFrom(o, keys)), ...extra });
}

/** The options that open the store, as plain values (what a reader thread is given). */
export async function storeOptionsFrom(o: StoreCliOptions, keys: 'required' | 'optional'): Promise<Pick<OpenStoreOptions, 'dir' | 'dbUrl' | 'tls' | 'passphrase'>> {
  const dir = o.store ?? process.env[STORE_ENV];
  if (!dir) throw new AirlockError('USAGE', `--store: say where the evidence store is (or set ${STORE_ENV})`);
  const passphrase = await passphraseOf(o);
  if (keys === 'required') checkPassphrase(passphrase, dir);
  const dbUrl = o.dbUrl ?? (process.env[DB_URL_ENV] || undefined);
  if ((o.dbCert && !o.dbKey) || (o.dbKey && !o.dbCert)) throw new AirlockError('USAGE', '--db-cert and --db-key go together');
  return {
    dir,
    ...(dbUrl !== undefined ? { dbUrl } : {}),
    tls: { ...(o.dbCa !== undefined ? { caFile: o.dbCa } : {}), ...(o.dbCert !== undefined ? { certFile: o.dbCert } : {}), ...(o.dbKey !== undefined ? { keyFile: o.dbKey } : {}) },
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

/** Opens, runs, and always closes. */
export async function withStore<T>(o: StoreCliOptions, keys: 'required' | 'optional', fn: (s: EvidenceStore) => Promise<T>, extra: Partial<OpenStoreOptions> = {}): Promise<T> {
  const store = await openStoreFrom(o, keys, extra);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
