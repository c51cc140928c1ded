/** Stored rows of the records table, normalised from either engine. */
import { asBuffer, asIso, asNumber, type SqlRow } from './db/sql-client.ts';
import type { EvidenceHeader, EvidenceKind, EvidenceSeverity, Outcome } from './types.ts';

export const HEADER_SELECT =
  'seq, id::text AS id, kind, source, subject, collected_at, observed_at, outcome, severity, controls, content_hash, dek_id, iv, ciphertext, prev_hash, record_hash';

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
    ciphertext: asBuffer(r.ciphertext),
  };
}

