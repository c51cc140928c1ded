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
  return sha256Hex(recordText(h, d));
}

/**
 * The canonical JSON the record hash is taken of. Written as one object literal whose
 * keys are in sorted order, which JSON.stringify keeps: the same text as canonicalJson
 * of it (a property test holds them equal) in a quarter of the time, for the hot path of
 * every append. Numbers that canonicalJson would refuse take its path, and its error.
 */
export function recordText(h: Omit<EvidenceHeader, 'recordHash'>, d: SealedDigest): string {
  const sorted = {
    cipherHash: d.cipherHash,
    collectedAt: h.collectedAt,
    contentHash: h.contentHash,
    controls: h.controls,
    dekId: d.dekId,
    id: h.id,
    iv: d.iv,
    kind: h.kind,
    observedAt: h.observedAt,
    outcome: h.outcome,
    prevHash: h.prevHash,
    seq: h.seq,
    severity: h.severity,
    source: h.source,
    subject: h.subject,
    v: CHAIN_VERSION,
  };
  return Number.isFinite(h.seq) && Number.isFinite(d.dekId) ? JSON.stringify(sorted) : canonicalJson(sorted);
}
