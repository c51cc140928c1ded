/**
 * Validation of drafts at the store's door: whatever an importer or an HTTP client
 * produced, the store accepts only bounded, well-typed values. Times are normalised to
 * millisecond ISO 8601 in UTC (the precision PostgreSQL keeps and the chain hashes);
 * a source's full-precision time stays in its payload.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { EVIDENCE_KINDS, EVIDENCE_SEVERITIES, OUTCOMES, type EvidenceDraft } from './types.ts';

export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

const oneLine = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !/[\r\n\0]/.test(s), 'must be one line')
    // A lone surrogate has no UTF-8 form: the database would store U+FFFD where the
    // chain hashed the surrogate, and the record would fail verification.
    .refine((s) => !/\p{Surrogate}/u.test(s), 'must be valid Unicode (no lone surrogate)');

export const draftSchema = z
  .object({
    kind: z.enum(EVIDENCE_KINDS),
    source: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a lowercase tool name'),
    subject: oneLine(1024),
    observedAt: z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'),
    outcome: z.enum(OUTCOMES),
    severity: z.enum(EVIDENCE_SEVERITIES),
    controls: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}:[\p{L}\p{N}][\p{L}\p{N}.()_ -]{0,79}$/u, 'must be <framework>:<control>')).max(500),
    title: oneLine(300),
    payload: z.unknown(),
  })
  .strict();

export interface NormalisedDraft extends EvidenceDraft {
  /** canonical JSON of { payload, title }, the bytes that are sealed. */
  plaintext: Buffer;
}

export function normaliseDraft(d: unknown, where: string, canonical: (v: unknown) => string): NormalisedDraft {
  const r = draftSchema.safeParse(d);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new AirlockError('BAD_INPUT', `${where}: ${i?.path.join('.') || 'record'}: ${i?.message ?? 'invalid'}`);
  }
  const v = r.data;
  let plaintext: Buffer;
  try {
    plaintext = Buffer.from(canonical({ payload: v.payload ?? null, title: v.title }));
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${where}: payload is not JSON (${(e as Error).message})`);
  }
  if (plaintext.length > MAX_PAYLOAD_BYTES) {
    throw new AirlockError('BAD_INPUT', `${where}: payload is ${plaintext.length} bytes, more than the ${MAX_PAYLOAD_BYTES} allowed`);
  }
  return {
    ...v,
    payload: v.payload ?? null,
    observedAt: new Date(v.observedAt).toISOString(),
    controls: [...new Set(v.controls)].sort(),
    plaintext,
  };
}
