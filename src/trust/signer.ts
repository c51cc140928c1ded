/**
 * Signer and Verifier: the two interfaces every key backend implements. Software keys
 * (node:crypto) are here; a PKCS#11 HSM backend implements the same interfaces.
 * Signatures are ECDSA P-256 over SHA-256, DER-encoded, as openssl and cosign produce.
 */
import { createHash, createPublicKey, createSign, createVerify, sign, verify, type KeyObject } from 'node:crypto';
import { keyIdOf } from './keys.ts';

export interface Signer {
  readonly keyId: string;
  /** Signs the SHA-256 of data; returns a DER ECDSA signature. */
  sign(data: Uint8Array): Promise<Buffer>;
  /** The same over a stream of bytes (a large file), without holding it whole. */
  signStream(chunks: AsyncIterable<Uint8Array>): Promise<Buffer>;
}

export interface Verifier {
  readonly keyId: string;
  verify(data: Uint8Array, signature: Uint8Array): boolean;
}

export class SoftwareSigner implements Signer {
  readonly keyId: string;
  readonly #key: KeyObject;

  constructor(privateKey: KeyObject) {
    this.#key = privateKey;
    this.keyId = keyIdOf(createPublicKey(privateKey));
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    return sign('sha256', data, { key: this.#key, dsaEncoding: 'der' });
  }

  async signStream(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const s = createSign('sha256');
    for await (const c of chunks) s.update(c);
    return s.sign({ key: this.#key, dsaEncoding: 'der' });
  }
}

export class PublicKeyVerifier implements Verifier {
  readonly keyId: string;
  readonly publicKey: KeyObject;

  constructor(publicKey: KeyObject) {
    this.publicKey = publicKey;
    this.keyId = keyIdOf(publicKey);
  }

  verify(data: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verify('sha256', data, { key: this.publicKey, dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  }

  async verifyStream(chunks: AsyncIterable<Uint8Array>, signature: Uint8Array): Promise<boolean> {
    const v = createVerify('sha256');
    for await (const c of chunks) v.update(c);
    try {
      return v.verify({ key: this.publicKey, dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  }
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
