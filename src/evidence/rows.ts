/** Stored rows of the records table, normalised from either engine. */
import { asBuffer, asIso, asNumber, type SqlRow } from './db/sql-client.ts';
import type { EvidenceHeader, EvidenceKind, EvidenceSeverity, Outcome } from './types.ts';

/**
 * The ciphertext is selected as base64 text: PGlite turns a bytea column into bytes by
 * parsing its hex text form in JavaScript, which cost about three quarters of the time
 * of reading records; Node decodes base64 natively (PostgreSQL's line breaks are skipped).
 */
export const HEADER_SELECT =
  "seq, id::text AS id, kind, source, subject, collected_at, observed_at, outcome, severity, controls, content_hash, dek_id, iv, encode(ciphertext, 'base64') AS ciphertext_b64, prev_hash, record_hash";

export interface StoredRow {
  header: EvidenceHeader;
  dekId: number;
  iv: Buffer;
  ciphertext: Buffer;
}

export function rowToStored(r: SqlRow): StoredRow {
  return {
    header: {
      seq: asNumber(r.seq),
      id: String(r.id),
      kind: r.kind as EvidenceKind,
      source: String(r.source),
      subject: String(r.subject),
      collectedAt: asIso(r.collected_at),
      observedAt: asIso(r.observed_at),
      outcome: r.outcome as Outcome,
      severity: r.severity as EvidenceSeverity,
      controls: Array.isArray(r.controls) ? r.controls.map(String) : [],
      contentHash: String(r.content_hash),
      prevHash: String(r.prev_hash),
      recordHash: String(r.record_hash),
    },
    dekId: asNumber(r.dek_id),
    iv: asBuffer(r.iv),
    ciphertext: typeof r.ciphertext_b64 === 'string' ? Buffer.from(r.ciphertext_b64, 'base64') : asBuffer(r.ciphertext),
  };
}

