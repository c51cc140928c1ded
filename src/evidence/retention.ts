/**
 * Retention policies and legal holds are recorded, never silently applied: the store
 * does not delete evidence (that would break the chain an auditor verifies). A report
 * shows which records a policy would let go and which a hold keeps; disposal, when an
 * organisation decides it, is an export-and-archive of the store, recorded elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { AirlockError } from '../common/errors.ts';
import { asIso, asNumber, type SqlClient } from './db/sql-client.ts';
import { EVIDENCE_KINDS, type EvidenceKind } from './types.ts';

export interface RetentionPolicy {
  id: number;
  createdAt: string;
  kind: EvidenceKind | null;
  keepDays: number;
  reason: string;
}

export interface LegalHold {
  id: string;
  createdAt: string;
  subject: string | null;
  control: string | null;
  from: string | null;
  to: string | null;
  reason: string;
  releasedAt: string | null;
  releaseReason: string | null;
}

function reasonOf(reason: string | undefined): string {
  const r = (reason ?? '').trim();
  if (!r || r.length > 500 || /[\r\n]/.test(r)) throw new AirlockError('USAGE', '--reason: give one line of at most 500 characters saying why');
  return r;
}

export async function setRetention(db: SqlClient, o: { keepDays: number; kind?: string; reason?: string }): Promise<RetentionPolicy> {
  if (!Number.isInteger(o.keepDays) || o.keepDays < 1 || o.keepDays > 36_500) throw new AirlockError('USAGE', '--days: a whole number of days from 1 to 36500');
  if (o.kind !== undefined && !(EVIDENCE_KINDS as readonly string[]).includes(o.kind)) {
    throw new AirlockError('USAGE', `--kind: ${JSON.stringify(o.kind)} is not one of ${EVIDENCE_KINDS.join(', ')}`);
  }
  const rows = await db.query('INSERT INTO retention_policies (created_at, kind, keep_days, reason) VALUES (now(), $1, $2, $3) RETURNING *', [o.kind ?? null, o.keepDays, reasonOf(o.reason)]);
  return policyOf(rows[0]!);
}

function policyOf(r: Record<string, unknown>): RetentionPolicy {
  return { id: asNumber(r.id), createdAt: asIso(r.created_at), kind: (r.kind as EvidenceKind | null) ?? null, keepDays: asNumber(r.keep_days), reason: String(r.reason) };
}

/** The policy in force per kind: the newest one for the kind, else the newest general one. */
export async function retentionPolicies(db: SqlClient): Promise<RetentionPolicy[]> {
  return (await db.query('SELECT * FROM retention_policies ORDER BY id')).map(policyOf);
}

function holdOf(r: Record<string, unknown>): LegalHold {
  const iso = (v: unknown) => (v === null || v === undefined ? null : asIso(v));
  return {
    id: String(r.id),
    createdAt: asIso(r.created_at),
    subject: (r.subject as string | null) ?? null,
    control: (r.control as string | null) ?? null,
    from: iso(r.from_time),
    to: iso(r.to_time),
    reason: String(r.reason),
    releasedAt: iso(r.released_at),
    releaseReason: (r.release_reason as string | null) ?? null,
  };
}

const time = (v: string | undefined, what: string): string | null => {
  if (v === undefined) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new AirlockError('USAGE', `${what}: ${JSON.stringify(v)} is not a date or time`);
  return new Date(t).toISOString();
};

export async function addHold(db: SqlClient, o: { subject?: string; control?: string; from?: string; to?: string; reason?: string }): Promise<LegalHold> {
  const rows = await db.query(
    'INSERT INTO legal_holds (id, created_at, subject, control, from_time, to_time, reason) VALUES ($1, now(), $2, $3, $4, $5, $6) RETURNING *',
    [randomUUID(), o.subject ?? null, o.control ?? null, time(o.from, '--from'), time(o.to, '--to'), reasonOf(o.reason)],
  );
  return holdOf(rows[0]!);
}

export async function releaseHold(db: SqlClient, id: string, reason: string | undefined): Promise<LegalHold> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AirlockError('USAGE', `${id}: not a hold id`);
  const rows = await db.query('UPDATE legal_holds SET released_at = now(), release_reason = $2 WHERE id = $1::uuid AND released_at IS NULL RETURNING *', [id, reasonOf(reason)]);
  if (!rows[0]) throw new AirlockError('NOT_FOUND', `legal hold ${id}: no such active hold`);
  return holdOf(rows[0]);
}

export async function listHolds(db: SqlClient): Promise<LegalHold[]> {
  return (await db.query('SELECT * FROM legal_holds ORDER BY created_at')).map(holdOf);
}

export interface RetentionReport {
  policies: RetentionPolicy[];
  activeHolds: number;
  /** Per kind: records past their retention, and how many of those a hold keeps. */
  kinds: { kind: EvidenceKind; keepDays: number | null; records: number; pastRetention: number; held: number }[];
}

export async function retentionReport(db: SqlClient, now = new Date()): Promise<RetentionReport> {
  const policies = await retentionPolicies(db);
  const holds = (await listHolds(db)).filter((h) => h.releasedAt === null);
  const kinds: RetentionReport['kinds'] = [];
  for (const kind of EVIDENCE_KINDS) {
    const p = [...policies].reverse().find((x) => x.kind === kind) ?? [...policies].reverse().find((x) => x.kind === null);
    const total = asNumber((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM records WHERE kind = $1', [kind]))[0]?.n ?? 0);
    if (!p) {
      kinds.push({ kind, keepDays: null, records: total, pastRetention: 0, held: 0 });
      continue;
    }
    const cutoff = new Date(now.getTime() - p.keepDays * 86_400_000).toISOString();
    const past = asNumber((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM records WHERE kind = $1 AND observed_at < $2', [kind, cutoff]))[0]?.n ?? 0);
    let held = 0;
    if (past > 0 && holds.length) {
      const conds = holds.map((_, i) => {
        const b = 3 + i * 4;
        return `(($${b}::text IS NULL OR subject = $${b}) AND ($${b + 1}::text IS NULL OR controls @> ARRAY[$${b + 1}::text]) AND ($${b + 2}::timestamptz IS NULL OR observed_at >= $${b + 2}) AND ($${b + 3}::timestamptz IS NULL OR observed_at <= $${b + 3}))`;
      });
      const params = [kind, cutoff, ...holds.flatMap((h) => [h.subject, h.control, h.from, h.to])];
      held = asNumber((await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM records WHERE kind = $1 AND observed_at < $2 AND (${conds.join(' OR ')})`, params))[0]?.n ?? 0);
    }
    kinds.push({ kind, keepDays: p.keepDays, records: total, pastRetention: past, held });
  }
  return { policies, activeHolds: holds.length, kinds };
}
