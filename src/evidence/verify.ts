/**
 * Verification of a store: re-walk the chain in sequence order, recompute every
 * record's hash and link, then check every signed checkpoint against the recomputed
 * chain. Needs no key to check the chain (an auditor can run it on a copy); with the
 * key it also opens every payload and checks its content hash.
 *
 * What each failure means, for the first record it names:
 *  - removed:   a sequence number is missing, or a checkpoint names a record past the head;
 *  - reordered: a record is self-consistent but links to a record other than its
 *               predecessor, or its hash holds only at another position;
 *  - altered:   a record's fields no longer match its own hash; or its successor, which
 *               is intact, committed to a different hash for it (it was rewritten with a
 *               recomputed hash); or its payload does not open or match its content hash;
 *  - rewritten: the chain is consistent but differs from what a signed checkpoint says.
 */
import type { Verifier } from '../trust/signer.ts';
import { contentHashOf, GENESIS, recordHashOf } from './chain.ts';
import { checkCheckpoint } from './checkpoint.ts';
import { asNumber, type SqlClient } from './db/sql-client.ts';
import { HEADER_SELECT, rowToStored, type StoredRow } from './rows.ts';

export type ProblemKind = 'removed' | 'reordered' | 'altered' | 'rewritten' | 'checkpoint';

export interface VerifyProblem {
  kind: ProblemKind;
  /** The record (or checkpoint) sequence number the problem is first seen at. */
  seq: number;
  id?: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  storeId: string;
  records: number;
  headSeq: number;
  headHash: string;
  payloadsChecked: boolean;
  checkpoints: { total: number; verified: number; latestSeq: number | null; keyId: string | null };
  /** Records after the last valid checkpoint: not yet covered by a signature. */
  uncheckpointed: number;
  problems: VerifyProblem[];
  /** More problems were found than `problems` holds. */
  truncated: boolean;
  warnings: string[];
}

export interface VerifyOptions {
  storeId: string;
  /** Verifies checkpoint signatures; without one, checkpoints are compared but unsigned. */
  verifier?: Verifier;
  open?: (id: string, dekId: number, iv: Buffer, ciphertext: Buffer) => Promise<Buffer>;
  maxProblems?: number;
  onProgress?: (done: number, total: number) => void;
}

const PAGE = 2000;
/** How far a moved record's true position is searched for. */
const REORDER_WINDOW = 16;

export async function verifyChain(db: SqlClient, o: VerifyOptions): Promise<VerifyReport> {
  const max = o.maxProblems ?? 100;
  const problems: VerifyProblem[] = [];
  let truncated = false;
  const problem = (p: VerifyProblem) => {
    if (problems.length < max) problems.push(p);
    else truncated = true;
  };
  const warnings: string[] = [];

  const cps = (await db.query('SELECT seq, head_hash, key_id, statement, bundle FROM checkpoints ORDER BY seq')).map((r) => ({
    seq: asNumber(r.seq),
    headHash: String(r.head_hash),
    keyId: String(r.key_id),
    statement: String(r.statement),
    bundle: String(r.bundle),
  }));
  const cpSeqs = new Set(cps.map((c) => c.seq));
  const hashAt = new Map<number, string>();
  const total = asNumber((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM records'))[0]?.n ?? 0);

  // Where each seen hash sits, for telling a reordering from an alteration.
  const positionOf = new Map<string, number>();
  let expected = 1;
  let prev = GENESIS;
  let prevRow: StoredRow | undefined;
  let prevSelfOk = true;
  let records = 0;
  let after = 0;
  for (;;) {
    const page = await db.query(
      `SELECT ${HEADER_SELECT} FROM records WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
      [after],
    );
    for (const raw of page) {
      const row = rowToStored(raw);
      const h = row.header;
      after = h.seq;
      records++;
      if (h.seq !== expected) {
        problem({ kind: 'removed', seq: expected, message: expected === h.seq - 1 ? `record ${expected} is missing (removed)` : `records ${expected}–${h.seq - 1} are missing (removed)` });
      }
      const { recordHash, ...rest } = h;
      const selfOk = recordHashOf(rest, row) === recordHash;
      if (!selfOk) {
        const trueSeq = findTruePosition(row, positionOf);
        if (trueSeq !== undefined) {
          problem({ kind: 'reordered', seq: h.seq, id: h.id, message: `record ${h.seq} (${h.id}) belongs at position ${trueSeq} (reordered)` });
        } else {
          problem({ kind: 'altered', seq: h.seq, id: h.id, message: `record ${h.seq} (${h.id}) does not match its hash (altered)` });
        }
      } else if (h.prevHash !== prev && h.seq === expected) {
        const linked = positionOf.get(h.prevHash);
        if (linked !== undefined) {
          problem({ kind: 'reordered', seq: h.seq, id: h.id, message: `record ${h.seq} (${h.id}) follows record ${linked} in the chain, not record ${h.seq - 1} (reordered)` });
        } else if (prevRow && prevSelfOk) {
          // This record is intact and committed to another hash for its predecessor,
          // which matches its own fields: the predecessor was rewritten, hash and all.
          problem({ kind: 'altered', seq: prevRow.header.seq, id: prevRow.header.id, message: `record ${prevRow.header.seq} (${prevRow.header.id}) was rewritten: record ${h.seq} committed to a different hash for it (altered)` });
        } else if (!prevRow) {
          problem({ kind: 'altered', seq: h.seq, id: h.id, message: `record ${h.seq} (${h.id}) does not start the chain (altered)` });
        }
      }
      if (o.open && selfOk) {
        try {
          const plain = await o.open(h.id, row.dekId, row.iv, row.ciphertext);
          if (contentHashOf(h.id, plain) !== h.contentHash) {
            problem({ kind: 'altered', seq: h.seq, id: h.id, message: `record ${h.seq} (${h.id}): the payload does not match its content hash (altered)` });
          }
        } catch {
          problem({ kind: 'altered', seq: h.seq, id: h.id, message: `record ${h.seq} (${h.id}): the encrypted payload does not open (altered)` });
        }
      }
      positionOf.set(recordHash, h.seq);
      if (cpSeqs.has(h.seq)) hashAt.set(h.seq, recordHash);
      prev = recordHash;
      prevRow = row;
      prevSelfOk = selfOk;
      expected = h.seq + 1;
    }
    o.onProgress?.(records, total);
    if (page.length < PAGE) break;
  }
  const headSeq = expected - 1;

  let verified = 0;
  let latestValid: number | null = null;
  let previousSeq: number | null = null;
  let keyId: string | null = null;
  for (const c of cps) {
    const check = checkCheckpoint(c, o.verifier);
    if (!check.ok) {
      problem({ kind: 'checkpoint', seq: c.seq, message: `checkpoint at record ${c.seq}: ${check.reason}` });
      continue;
    }
    const s = check.statement;
    keyId = c.keyId;
    if (s.storeId !== o.storeId) {
      problem({ kind: 'checkpoint', seq: c.seq, message: `checkpoint at record ${c.seq} belongs to store ${s.storeId}` });
      continue;
    }
    if (s.seq !== c.seq || s.headHash !== c.headHash) {
      problem({ kind: 'checkpoint', seq: c.seq, message: `checkpoint at record ${c.seq}: its columns differ from its signed statement (altered)` });
      continue;
    }
    if (s.previous !== previousSeq) {
      problem({ kind: 'removed', seq: c.seq, message: `checkpoint at record ${c.seq} follows checkpoint ${s.previous ?? 'none'}, which is missing (removed)` });
    }
    previousSeq = s.seq;
    const at = hashAt.get(s.seq);
    if (s.seq > headSeq) {
      problem({ kind: 'removed', seq: headSeq + 1, message: `records ${headSeq + 1}–${s.seq} are missing: a signed checkpoint covers record ${s.seq} but the chain ends at ${headSeq} (removed)` });
    } else if (at !== s.headHash) {
      problem({ kind: 'rewritten', seq: s.seq, message: `the chain up to record ${s.seq} differs from its signed checkpoint: records were rewritten${latestValid !== null ? ` after record ${latestValid}` : ''}` });
    } else {
      latestValid = s.seq;
    }
    verified++;
  }
  if (!o.verifier && cps.length) warnings.push('checkpoint signatures were not checked: no verification key');
  if (cps.length === 0 && records > 0) warnings.push('the store has no signed checkpoint yet: removal of the newest records could not be detected');
  const uncheckpointed = headSeq - (latestValid ?? 0);
  if (uncheckpointed > 0 && cps.length) warnings.push(`records ${(latestValid ?? 0) + 1}–${headSeq} are not yet covered by a signed checkpoint`);
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    storeId: o.storeId,
    records,
    headSeq,
    headHash: prev,
    payloadsChecked: o.open !== undefined,
    checkpoints: { total: cps.length, verified, latestSeq: latestValid, keyId },
    uncheckpointed,
    problems,
    truncated,
    warnings,
  };
}

/** The position where a record that fails its own hash would hold, if nearby. */
function findTruePosition(row: StoredRow, positionOf: Map<string, number>): number | undefined {
  const { recordHash, ...rest } = row.header;
  const linked = positionOf.get(rest.prevHash);
  const candidates = linked !== undefined ? [linked + 1] : [];
  for (let d = 1; d <= REORDER_WINDOW; d++) candidates.push(rest.seq + d, rest.seq - d);
  for (const seq of candidates) {
    if (seq < 1 || seq === rest.seq) continue;
    if (recordHashOf({ ...rest, seq }, row) === recordHash) return seq;
  }
  return undefined;
}

