/**
 * Appending sealed records to the chain, in one transaction: take the chain lock, read
 * the head, number and hash each record after it, insert them all, commit. The store
 * calls it with its SQL client; the embedded engine's thread (db/pglite-thread.ts) runs
 * it on its side of the thread boundary, so that a batch is one message there and back
 * instead of one per statement, and the hashing is done by the thread that waits on it.
 */
import { GENESIS, recordHashOf } from './chain.ts';
import { asBuffer, asNumber, jsonbParam, type SqlClient, type SqlExecutor } from './db/sql-client.ts';
import type { EvidenceHeader } from './types.ts';

/** A record ready for the chain: its clear header fields, content hash and sealed payload. */
export type SealedRecord = Omit<EvidenceHeader, 'seq' | 'collectedAt' | 'prevHash' | 'recordHash'> & {
  dekId: number;
  iv: Uint8Array;
  ciphertext: Uint8Array;
};

/** Serialises chain writers across processes on one PostgreSQL server. */
const CHAIN_LOCK = 0x41697263; // "Airc"
const INSERT_CHUNK = 2000;
const RECORD_COLUMNS = [
  'seq', 'id', 'kind', 'source', 'subject', 'collected_at', 'observed_at', 'outcome', 'severity',
  'controls', 'content_hash', 'dek_id', 'iv', 'ciphertext', 'prev_hash', 'record_hash',
] as const;
/**
 * Rows go in as one jsonb parameter per chunk (bytea as base64), expanded by the
 * database: one value to send instead of sixteen parameters per row, which both engines'
 * clients serialise slowly (2.5-4x fewer seconds per row on PGlite). The values and
 * therefore the hashes are the same as with one parameter per column.
 */
const INSERT_RECORDS = `INSERT INTO records (${RECORD_COLUMNS.join(',')})
  SELECT (r->>0)::bigint, (r->>1)::uuid, r->>2, r->>3, r->>4, (r->>5)::timestamptz, (r->>6)::timestamptz, r->>7, r->>8,
         ARRAY(SELECT jsonb_array_elements_text(r->9)), r->>10, (r->>11)::integer, decode(r->>12, 'base64'), decode(r->>13, 'base64'), r->>14, r->>15
  FROM jsonb_array_elements($1::jsonb) AS r`;

export async function chainLock(db: SqlClient, tx: SqlExecutor): Promise<void> {
  if (db.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
}

export async function headOf(x: SqlExecutor): Promise<{ seq: number; hash: string }> {
  const rows = await x.query<{ seq: unknown; record_hash: string }>('SELECT seq, record_hash FROM records ORDER BY seq DESC LIMIT 1');
  return rows[0] ? { seq: asNumber(rows[0].seq), hash: rows[0].record_hash } : { seq: 0, hash: GENESIS };
}

/**
 * What an append decided: where the records went in the chain and their hashes. Small,
 * so that it crosses a thread boundary cheaply; headersOf gives the full headers.
 */
export interface AppendResult {
  firstSeq: number;
  collectedAt: string;
  /** The hash of the record before the first one (the head the append found). */
  prevHash: string;
  recordHashes: string[];
}

/** Appends the records after the chain's head in one transaction. */
export async function appendChained(db: SqlClient, records: readonly SealedRecord[]): Promise<AppendResult> {
  return db.transaction(async (tx) => {
    await chainLock(db, tx);
    const head = await headOf(tx);
    const collectedAt = new Date().toISOString();
    const recordHashes: string[] = [];
    const rows: unknown[][] = [];
    let prevHash = head.hash;
    records.forEach((r, i) => {
      const iv = asBuffer(r.iv);
      const ciphertext = asBuffer(r.ciphertext);
      const seq = head.seq + 1 + i;
      const recordHash = recordHashOf({ ...r, seq, collectedAt, prevHash }, { dekId: r.dekId, iv, ciphertext });
      recordHashes.push(recordHash);
      rows.push([seq, r.id, r.kind, r.source, r.subject, collectedAt, r.observedAt, r.outcome, r.severity, r.controls, r.contentHash, r.dekId, iv.toString('base64'), ciphertext.toString('base64'), prevHash, recordHash]);
      prevHash = recordHash;
    });
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx.query(INSERT_RECORDS, [jsonbParam(JSON.stringify(rows.slice(i, i + INSERT_CHUNK)))]);
    }
    return { firstSeq: head.seq + 1, collectedAt, prevHash: head.hash, recordHashes };
  });
}

/** The headers of appended records. */
export function headersOf(records: readonly SealedRecord[], a: AppendResult): EvidenceHeader[] {
  return records.map((r, i) => ({
    seq: a.firstSeq + i,
    id: r.id,
    kind: r.kind,
    source: r.source,
    subject: r.subject,
    collectedAt: a.collectedAt,
    observedAt: r.observedAt,
    outcome: r.outcome,
    severity: r.severity,
    controls: r.controls,
    contentHash: r.contentHash,
    prevHash: i === 0 ? a.prevHash : a.recordHashes[i - 1]!,
    recordHash: a.recordHashes[i]!,
  }));
}
