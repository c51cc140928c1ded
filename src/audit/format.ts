/**
 * The signed audit archive: one tar.gz an auditor verifies offline, and a Sigstore
 * bundle beside it (`FILE.tar.gz.sig`) signing the archive's bytes.
 *
 *   manifest.json                 what is inside: framework, period, store, and the
 *                                 sha256 and size of every other file
 *   oscal/*.json                  the OSCAL documents for the framework
 *   reports/*                     the PDF and HTML reports
 *   evidence/records.jsonl        the evidence in the period, decrypted: one record a line
 *     or evidence/records.jsonl.enc + evidence/recipient.json
 *                                 the same, encrypted to the auditor's public key
 *   chain/records.jsonl           the chain from the first record of the period to the
 *                                 checkpoint: every field the record hash covers
 *   chain/checkpoint.json         the signed checkpoint the chain ends at
 *   chain/checkpoint.pub          the store's checkpoint public key
 */
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'airlock.audit/v1';
export const EVIDENCE_FILE = 'evidence/records.jsonl';
export const EVIDENCE_SEALED_FILE = 'evidence/records.jsonl.enc';
export const RECIPIENT_FILE = 'evidence/recipient.json';
export const CHAIN_FILE = 'chain/records.jsonl';
export const CHECKPOINT_FILE = 'chain/checkpoint.json';
export const CHECKPOINT_KEY_FILE = 'chain/checkpoint.pub';
export const SIGNATURE_SUFFIX = '.sig';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    framework: z.string().max(64),
    period: z.object({ from: z.string(), to: z.string() }).strict(),
    generatedAt: z.string(),
    generator: z.object({ name: z.string(), version: z.string() }).strict(),
    store: z
      .object({
        id: z.string().uuid(),
        checkpointKeyId: sha256,
        chain: z.object({ fromSeq: z.number().int().min(0), toSeq: z.number().int().min(0), headHash: z.string() }).strict(),
      })
      .strict(),
    evidence: z
      .object({
        records: z.number().int().min(0),
        encrypted: z.boolean(),
        recipientKeyId: sha256.nullable(),
      })
      .strict(),
    files: z
      .array(z.object({ path: z.string().max(255), sha256, size: z.number().int().min(0) }).strict())
      .max(10_000),
  })
  .strict();
export type AuditManifest = z.infer<typeof manifestSchema>;

/** One line of chain/records.jsonl: a record's header and what the chain commits to of its payload. */
export const chainLineSchema = z
  .object({
    seq: z.number().int().min(1),
    id: z.string(),
    kind: z.string(),
    source: z.string(),
    subject: z.string(),
    collectedAt: z.string(),
    observedAt: z.string(),
    outcome: z.string(),
    severity: z.string(),
    controls: z.array(z.string()),
    contentHash: z.string(),
    dekId: z.number().int(),
    iv: z.string().regex(/^[0-9a-f]{24}$/),
    cipherHash: z.string(),
    prevHash: z.string(),
    recordHash: z.string(),
  })
  .strict();
export type ChainLine = z.infer<typeof chainLineSchema>;
