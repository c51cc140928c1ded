/**
 * Evidence encrypted to an auditor's public key (P-256), so that the archive can travel
 * and only the auditor reads it: ECDH with an ephemeral key, HKDF-SHA256 to a 256-bit
 * key (salt: the ephemeral public key's SPKI DER; info: "airlock audit evidence v1"),
 * AES-256-GCM over the whole file with a random 96-bit nonce. The tag, nonce and
 * ephemeral key are in evidence/recipient.json. Streamed both ways.
 */
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { keyIdOf } from '../trust/keys.ts';

export const RECIPIENT_SCHEME = 'ECDH-ES-P256+HKDF-SHA256+A256GCM';
const INFO = Buffer.from('airlock audit evidence v1');

export const recipientSchema = z
  .object({
    scheme: z.literal(RECIPIENT_SCHEME),
    recipientKeyId: z.string().regex(/^[0-9a-f]{64}$/),
    ephemeralPublicKey: z.string().max(1024),
    iv: z.string().max(64),
    tag: z.string().max(64),
  })
  .strict();
export type RecipientInfo = z.infer<typeof recipientSchema>;

function derive(priv: KeyObject, pub: KeyObject, ephemeralSpki: Buffer): Buffer {
  const shared = diffieHellman({ privateKey: priv, publicKey: pub });
  return Buffer.from(hkdfSync('sha256', shared, ephemeralSpki, INFO, 32));
}

export interface SealingStream {
  update(chunk: Uint8Array): Buffer;
  /** The final bytes and the recipient.json contents. */
  final(): { tail: Buffer; info: RecipientInfo };
}

export function sealTo(recipient: KeyObject): SealingStream {
  const eph = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = eph.publicKey.export({ type: 'spki', format: 'der' });
  const key = derive(eph.privateKey, recipient, spki);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  return {
    update: (chunk) => c.update(chunk),
    final: () => {
      const tail = c.final();
      return {
        tail,
        info: {
          scheme: RECIPIENT_SCHEME,
          recipientKeyId: keyIdOf(recipient),
          ephemeralPublicKey: eph.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          iv: iv.toString('base64'),
          tag: c.getAuthTag().toString('base64'),
        },
      };
    },
  };
}

export interface OpeningStream {
  update(chunk: Uint8Array): Buffer;
  /** Throws VERIFY_FAILED when the bytes, the key or the tag do not match. */
  final(): Buffer;
}

export function openWith(privateKey: KeyObject, info: RecipientInfo, source: string): OpeningStream {
  const mine = keyIdOf(createPublicKey(privateKey));
  if (mine !== info.recipientKeyId) {
    throw new AirlockError('UNTRUSTED', `${source}: the evidence is encrypted to key ${info.recipientKeyId.slice(0, 16)}, not to this key (${mine.slice(0, 16)})`);
  }
  let eph: KeyObject;
  try {
    eph = createPublicKey(info.ephemeralPublicKey);
  } catch {
    throw new AirlockError('VERIFY_FAILED', `${source}: the ephemeral public key is not a PEM key`);
  }
  const spki = eph.export({ type: 'spki', format: 'der' });
  const d = createDecipheriv('aes-256-gcm', derive(privateKey, eph, spki), Buffer.from(info.iv, 'base64'));
  d.setAuthTag(Buffer.from(info.tag, 'base64'));
  return {
    update: (chunk) => d.update(chunk),
    final: () => {
      try {
        return d.final();
      } catch {
        throw new AirlockError('VERIFY_FAILED', `${source}: the encrypted evidence does not authenticate (altered, or another key)`);
      }
    },
  };
}
