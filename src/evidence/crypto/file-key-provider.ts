/**
 * The key-file KEK provider. The file holds a random 256-bit KEK sealed with AES-256-GCM
 * under a key derived from a passphrase with scrypt (N=2^15, r=8, p=1), as JSON:
 *   { "format": "airlock.kek/v1", "kekId", "kdf": { "name": "scrypt", N, r, p, salt },
 *     "iv", "sealed" }            (binary fields base64)
 * The KEK id is an HMAC of a fixed label under the KEK: stable, and reveals nothing.
 * A wrong passphrase fails GCM authentication and is reported as such.
 */
import { createHmac, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { AirlockError } from '../../common/errors.ts';
import { readFileBounded, writeFileAtomic, pathExists } from '../../common/fsx.ts';
import { jsonBytes, parseJsonStrict } from '../../common/json.ts';
import { open, seal } from './aes-gcm.ts';
import type { KeyProvider } from './key-provider.ts';

export const PASSPHRASE_ENV = 'AIRLOCK_EVIDENCE_PASSPHRASE';
const FORMAT = 'airlock.kek/v1';
const KDF = { N: 1 << 15, r: 8, p: 1 } as const;
const b64 = z.string().regex(/^[A-Za-z0-9+/]+=*$/).max(512);

const keyFileSchema = z
  .object({
    format: z.literal(FORMAT),
    kekId: z.string().regex(/^[0-9a-f]{32}$/),
    kdf: z.object({ name: z.literal('scrypt'), N: z.number().int().min(1024).max(1 << 20), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16), salt: b64 }).strict(),
    iv: b64,
    sealed: b64,
  })
  .strict();

function scrypt(passphrase: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(passphrase, salt, 32, { ...o, maxmem: 256 * o.N! * o.r! }, (e, k) => (e ? reject(e) : resolve(k))),
  );
}

const kekIdOf = (kek: Buffer) => createHmac('sha256', kek).update('airlock kek id').digest('hex').slice(0, 32);
const AAD = Buffer.from(FORMAT);

export function checkPassphrase(passphrase: string | undefined, source: string): string {
  if (passphrase === undefined || passphrase === '') {
    throw new AirlockError('USAGE', `${source}: the evidence store is encrypted; set ${PASSPHRASE_ENV} or pass --passphrase-file`);
  }
  if (passphrase.length < 8) throw new AirlockError('USAGE', `${PASSPHRASE_ENV}: the passphrase must be at least 8 characters`);
  return passphrase;
}

export class FileKeyProvider implements KeyProvider {
  readonly name = 'file';
  readonly kekId: string;
  readonly #kek: Buffer;

  private constructor(kek: Buffer) {
    this.#kek = kek;
    this.kekId = kekIdOf(kek);
  }

  /** Creates a new key file; refuses to overwrite one. */
  static async create(path: string, passphrase: string): Promise<FileKeyProvider> {
    if (await pathExists(path)) throw new AirlockError('BAD_INPUT', `${path}: already exists; refusing to overwrite a key file`);
    const kek = randomBytes(32);
    const salt = randomBytes(16);
    const derived = await scrypt(passphrase, salt, KDF);
    const { iv, sealed } = seal(derived, kek, AAD);
    const file = { format: FORMAT, kekId: kekIdOf(kek), kdf: { name: 'scrypt', ...KDF, salt: salt.toString('base64') }, iv: iv.toString('base64'), sealed: sealed.toString('base64') };
    await writeFileAtomic(path, jsonBytes(file), 0o600);
    return new FileKeyProvider(kek);
  }

  static async open(path: string, passphrase: string): Promise<FileKeyProvider> {
    const bytes = await readFileBounded(path, 16 * 1024, 'key file');
    const parsed = keyFileSchema.safeParse(parseJsonStrict(bytes, path));
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new AirlockError('BAD_INPUT', `${path}: not an airlock key file (${i?.path.join('.') || 'root'}: ${i?.message ?? 'invalid'})`);
    }
    const f = parsed.data;
    const derived = await scrypt(passphrase, Buffer.from(f.kdf.salt, 'base64'), f.kdf);
    let kek: Buffer;
    try {
      kek = open(derived, Buffer.from(f.iv, 'base64'), Buffer.from(f.sealed, 'base64'), AAD);
    } catch {
      throw new AirlockError('VERIFY_FAILED', `${path}: wrong passphrase, or the key file is damaged`);
    }
    if (kek.length !== 32 || kekIdOf(kek) !== f.kekId) throw new AirlockError('VERIFY_FAILED', `${path}: the key does not match its id; the file is damaged`);
    return new FileKeyProvider(kek);
  }

  async wrap(dataKey: Buffer): Promise<Buffer> {
    const { iv, sealed } = seal(this.#kek, dataKey, AAD);
    return Buffer.concat([iv, sealed]);
  }

  async unwrap(wrapped: Buffer): Promise<Buffer> {
    try {
      return open(this.#kek, wrapped.subarray(0, 12), wrapped.subarray(12), AAD);
    } catch {
      throw new AirlockError('VERIFY_FAILED', 'a data key does not unwrap with this key file: it belongs to another store or was altered');
    }
  }
}
