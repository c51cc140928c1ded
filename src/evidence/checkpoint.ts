/**
 * Signed checkpoints: a statement that the chain of store S had head H at sequence N,
 * signed as a Sigstore bundle by the store's checkpoint key (or any `Signer`, such as
 * an HSM). Each statement names the previous checkpoint, so removing one in the middle
 * is seen; handing the latest statement to someone outside (the audit export does)
 * makes truncation of the tail visible too.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseJsonStrict } from '../common/json.ts';
import type { Signer, Verifier } from '../trust/signer.ts';
import { checkSigstoreSignature, parseSigstoreBundle, signToSigstoreBundle } from '../trust/sigstore.ts';
import { canonicalJson } from './canonical.ts';

export const CHECKPOINT_TYPE = 'airlock.evidence.checkpoint/v1';

export const checkpointStatementSchema = z
  .object({
    type: z.literal(CHECKPOINT_TYPE),
    storeId: z.string().uuid(),
    seq: z.number().int().min(0),
    headHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    createdAt: z.string(),
    previous: z.number().int().min(0).nullable(),
  })
  .strict();
export type CheckpointStatement = z.infer<typeof checkpointStatementSchema>;

export interface SignedCheckpoint {
  statement: string;
  bundle: string;
  keyId: string;
}

export async function signCheckpoint(signer: Signer, s: CheckpointStatement): Promise<SignedCheckpoint> {
  const statement = canonicalJson(s);
  const bundle = await signToSigstoreBundle(signer, Buffer.from(statement));
  return { statement, bundle: JSON.stringify(bundle), keyId: signer.keyId };
}

/** Parses and checks one stored checkpoint; returns its statement or a reason it fails. */
export function checkCheckpoint(
  c: SignedCheckpoint,
  verifier: Verifier | undefined,
): { ok: true; statement: CheckpointStatement } | { ok: false; reason: string } {
  let statement: CheckpointStatement;
  try {
    const r = checkpointStatementSchema.safeParse(parseJsonStrict(c.statement, 'checkpoint statement'));
    if (!r.success) return { ok: false, reason: 'the statement is malformed' };
    statement = r.data;
  } catch (e) {
    return { ok: false, reason: e instanceof AirlockError ? e.message : 'the statement is not JSON' };
  }
  if (!verifier) return { ok: true, statement };
  let bundle;
  try {
    bundle = parseSigstoreBundle(Buffer.from(c.bundle), 'checkpoint signature');
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (bundle.verificationMaterial.publicKey.hint !== verifier.keyId) {
    return { ok: false, reason: `signed by key ${bundle.verificationMaterial.publicKey.hint.slice(0, 16)}, not the expected ${verifier.keyId.slice(0, 16)}` };
  }
  const check = checkSigstoreSignature(bundle, Buffer.from(c.statement), verifier);
  if (!check.ok) return { ok: false, reason: 'the signature does not match the statement' };
  return { ok: true, statement };
}
