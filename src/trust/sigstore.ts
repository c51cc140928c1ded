/**
 * Sigstore bundle v0.3 (application/vnd.dev.sigstore.bundle.v0.3+json) for a message
 * signature made with a key identified by a public-key hint, no transparency log.
 * This is the format cosign writes with `sign-blob --key --new-bundle-format`; the
 * signature inside is a plain DER ECDSA P-256/SHA-256 signature that
 * `openssl dgst -sha256 -verify KEY.pub -signature SIG.der FILE` checks.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseJsonStrict } from '../common/json.ts';
import type { Signer, Verifier } from './signer.ts';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64').max(1 << 20);

const SigstoreBundleSchema = z.object({
  mediaType: z.literal(SIGSTORE_BUNDLE_MEDIA_TYPE),
  verificationMaterial: z.object({
    publicKey: z.object({ hint: z.string().min(1).max(256) }),
    tlogEntries: z.array(z.unknown()).max(64).optional(),
    timestampVerificationData: z.unknown().optional(),
  }),
  messageSignature: z.object({
    messageDigest: z.object({ algorithm: z.literal('SHA2_256'), digest: base64 }),
    signature: base64,
  }),
});

export type SigstoreBundle = z.infer<typeof SigstoreBundleSchema>;

export async function signToSigstoreBundle(signer: Signer, message: Uint8Array): Promise<SigstoreBundle> {
  const signature = await signer.sign(message);
  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      publicKey: { hint: signer.keyId },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: createHash('sha256').update(message).digest('base64') },
      signature: signature.toString('base64'),
    },
  };
}

export function parseSigstoreBundle(bytes: Uint8Array, source: string): SigstoreBundle {
  const raw = parseJsonStrict(bytes, source, { maxBytes: 4 * 1024 * 1024, code: 'VERIFY_FAILED' });
  const parsed = SigstoreBundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new AirlockError('VERIFY_FAILED', `${source}: not a Sigstore bundle v0.3 with a public-key hint: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export type SignatureCheck =
  | { ok: true; keyId: string }
  | { ok: false; keyId: string; reason: string };

/**
 * Checks that the bundle signs exactly `message` and that `verifier` made the signature.
 * The caller chooses the verifier from the hint and its trust root.
 */
export function checkSigstoreSignature(bundle: SigstoreBundle, message: Uint8Array, verifier: Verifier): SignatureCheck {
  const keyId = bundle.verificationMaterial.publicKey.hint;
  const digest = createHash('sha256').update(message).digest('base64');
  if (digest !== bundle.messageSignature.messageDigest.digest) {
    return { ok: false, keyId, reason: 'the signed digest does not match the descriptor (descriptor altered)' };
  }
  const signature = Buffer.from(bundle.messageSignature.signature, 'base64');
  if (!verifier.verify(message, signature)) {
    return { ok: false, keyId, reason: `the signature does not verify with key ${verifier.keyId.slice(0, 16)}` };
  }
  return { ok: true, keyId };
}
