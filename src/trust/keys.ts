/**
 * ECDSA P-256 keys in PEM. The private key is PKCS#8, encrypted (AES-256-CBC, PBKDF2)
 * unless the user asks for none; the public key is SPKI. A key id is the hex SHA-256
 * of the public key's SPKI DER, which anyone can recompute with
 * `openssl pkey -pubin -in KEY.pub -outform DER | openssl dgst -sha256`.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded, writeFileAtomic, pathExists, mkdirp } from '../common/fsx.ts';

export const PASSPHRASE_ENV = 'AIRLOCK_KEY_PASSPHRASE';
const MAX_KEY_FILE = 64 * 1024;

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

function assertP256(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind = key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
    throw new AirlockError('BAD_INPUT', `${source}: expected an ECDSA P-256 key, found ${kind ?? 'an unknown key type'}`);
  }
}

export interface GeneratedKeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  keyId: string;
  encrypted: boolean;
}

export async function generateKeyPair(outDir: string, name: string, passphrase: string | undefined): Promise<GeneratedKeyPair> {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new AirlockError('USAGE', `--name: "${name}" must be letters, digits, '.', '_' or '-' and not start with '.'`);
  }
  if (passphrase !== undefined && passphrase.length < 8) {
    throw new AirlockError('USAGE', `${PASSPHRASE_ENV}: the passphrase must be at least 8 characters`);
  }
  const privateKeyPath = join(outDir, `${name}.key`);
  const publicKeyPath = join(outDir, `${name}.pub`);
  for (const p of [privateKeyPath, publicKeyPath]) {
    if (await pathExists(p)) throw new AirlockError('BAD_INPUT', `${p}: already exists; refusing to overwrite a key`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = privateKey.export(
    passphrase === undefined
      ? { type: 'pkcs8', format: 'pem' }
      : { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  );
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
  await mkdirp(outDir);
  await writeFileAtomic(privateKeyPath, privatePem, 0o600);
  await writeFileAtomic(publicKeyPath, publicPem, 0o644);
  return { privateKeyPath, publicKeyPath, keyId: keyIdOf(publicKey), encrypted: passphrase !== undefined };
}

export function publicKeyFromPem(pem: string | Buffer, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${source}: not a PEM public key (${(e as Error).message})`);
  }
  assertP256(key, source);
  return key;
}

export async function loadPublicKey(path: string): Promise<KeyObject> {
  return publicKeyFromPem(await readFileBounded(path, MAX_KEY_FILE, 'public key'), path);
}

export async function loadPrivateKey(path: string, passphrase = process.env[PASSPHRASE_ENV]): Promise<KeyObject> {
  const pem = await readFileBounded(path, MAX_KEY_FILE, 'private key');
  const text = pem.toString('utf8');
  const encrypted = text.includes('ENCRYPTED');
  if (encrypted && (passphrase === undefined || passphrase === '')) {
    throw new AirlockError('USAGE', `${path}: the key is encrypted; set ${PASSPHRASE_ENV}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: pem, passphrase: passphrase ?? '' } : { key: pem });
  } catch (e) {
    const msg = (e as Error).message;
    const bad = /bad decrypt|decrypt/i.test(msg) ? `wrong passphrase in ${PASSPHRASE_ENV}` : `not a PEM private key (${msg})`;
    throw new AirlockError('BAD_INPUT', `${path}: ${bad}`);
  }
  assertP256(key, path);
  return key;
}
