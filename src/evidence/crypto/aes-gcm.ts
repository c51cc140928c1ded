/** AES-256-GCM with a random 96-bit nonce: seal(key, plaintext, aad) = iv ‖ ciphertext ‖ tag. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** `iv`: a fresh random nonce from the caller (who may draw many at once); drawn here when absent. */
export function seal(key: Buffer, plaintext: Uint8Array, aad?: Uint8Array, iv: Buffer = randomBytes(IV_BYTES)): { iv: Buffer; sealed: Buffer } {
  if (iv.length !== IV_BYTES) throw new Error(`a GCM nonce here is ${IV_BYTES} bytes`);
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad) c.setAAD(aad);
  const sealed = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return { iv, sealed };
}

/** Throws when the key, the nonce, the AAD or the bytes are not the ones sealed. */
export function open(key: Buffer, iv: Buffer, sealed: Buffer, aad?: Uint8Array): Buffer {
  if (sealed.length < TAG_BYTES) throw new Error('sealed data is shorter than its tag');
  const d = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
}
