/**
 * The evidence store's folder: what identifies the store and holds its keys, and, in
 * embedded mode, the PGlite database itself.
 *
 *   evidence-store.json   { format, storeId, engine, createdAt, kekId, checkpointKeyId }
 *   kek.json              the key encryption key, sealed under the passphrase
 *   checkpoint.key/.pub   the checkpoint signing key (PKCS#8 under the same passphrase)
 *   pgdata/               the PGlite database (embedded mode only)
 *   .lock                 held while a process has the embedded database open
 *
 * With a PostgreSQL server the rows live there and this folder keeps only the keys and
 * the identity, which the database records too, so that keys and rows cannot be mixed
 * up between stores.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { AirlockError, errnoCode, ioError } from '../common/errors.ts';
import { readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { jsonBytes, parseJsonStrict } from '../common/json.ts';

export const STORE_FILE = 'evidence-store.json';
export const KEK_FILE = 'kek.json';
export const CHECKPOINT_KEY = 'checkpoint';
export const PGDATA_DIR = 'pgdata';
export const LOCK_FILE = '.lock';

export const storeFileSchema = z
  .object({
    format: z.literal('airlock.evidence-store/v1'),
    storeId: z.string().uuid(),
    engine: z.enum(['pglite', 'postgres']),
    createdAt: z.string(),
    kekId: z.string(),
    checkpointKeyId: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type StoreFile = z.infer<typeof storeFileSchema>;

export async function readStoreFile(dir: string): Promise<StoreFile | undefined> {
  const path = join(dir, STORE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(path, 64 * 1024, 'store file');
  } catch (e) {
    if (e instanceof AirlockError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
  const r = storeFileSchema.safeParse(parseJsonStrict(bytes, path));
  if (!r.success) throw new AirlockError('BAD_INPUT', `${path}: damaged evidence store file (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`);
  return r.data;
}

export async function writeStoreFile(dir: string, f: StoreFile): Promise<void> {
  await writeFileAtomic(join(dir, STORE_FILE), jsonBytes(f), 0o644);
}

/** Whether a folder is absent or empty (a place a new store may be created). */
export async function isVacant(dir: string): Promise<boolean> {
  try {
    return (await fsp.readdir(dir)).length === 0;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return true;
    throw ioError(dir, e, 'read');
  }
}

/** A sibling folder to build a new store in before it is renamed into place. */
export function buildDirFor(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.init-${process.pid}`);
}
