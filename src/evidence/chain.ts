/**
 * The hash chain. Each record's hash covers its clear header, the digest of its sealed
 * payload, the data key and nonce that sealed it, and the previous record's hash, so
 * changing, removing or reordering any record breaks every link after it. The formula
 * is documented in docs/evidence.md so that anyone can recompute it:
 *
 *   contentHash = sha256(id "\n" plaintext)          plaintext = canonical JSON {payload, title}
 *   recordHash  = sha256(canonical JSON {v: 1, seq, id, kind, source, subject, collectedAt,
 *                 observedAt, outcome, severity, controls, contentHash, dekId, iv (hex),
 *                 cipherHash: sha256(ciphertext), prevHash})
 *   prevHash of the first record = sha256("") (GENESIS)
 */
import { canonicalJson, sha256Hex } from './canonical.ts';
import type { EvidenceHeader } from './types.ts';

export const GENESIS = sha256Hex('');
export const CHAIN_VERSION = 1;

export function contentHashOf(id: string, plaintext: Uint8Array): string {
  return sha256Hex(Buffer.concat([Buffer.from(`${id}\n`), plaintext]));
}

export interface SealedPart {
  dekId: number;
  iv: Buffer;
  ciphertext: Buffer;
}

export function recordHashOf(h: Omit<EvidenceHeader, 'recordHash'>, sealed: SealedPart): string {
  return recordHashFromParts(h, { dekId: sealed.dekId, iv: sealed.iv.toString('hex'), cipherHash: sha256Hex(sealed.ciphertext) });
}

/** What the chain commits to of a sealed payload, without the payload: enough to re-check a chain proof. */
export interface SealedDigest {
  dekId: number;
  /** hex */
  iv: string;
  /** sha256:<hex> of the ciphertext */
  cipherHash: string;
}

export function recordHashFromParts(h: Omit<EvidenceHeader, 'recordHash'>, d: SealedDigest): string {
  return sha256Hex(
    canonicalJson({
      v: CHAIN_VERSION,
      seq: h.seq,
      id: h.id,
      kind: h.kind,
      source: h.source,
      subject: h.subject,
      collectedAt: h.collectedAt,
      observedAt: h.observedAt,
      outcome: h.outcome,
      severity: h.severity,
      controls: h.controls,
      contentHash: h.contentHash,
      dekId: d.dekId,
      iv: d.iv,
      cipherHash: d.cipherHash,
      prevHash: h.prevHash,
    }),
  );
}
