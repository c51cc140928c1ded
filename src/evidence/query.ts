/** EvidenceQuery → a parameterised WHERE clause over the records table. */
import { AirlockError } from '../common/errors.ts';
import type { EvidenceQuery } from './types.ts';

const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function isoOrThrow(v: string, what: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new AirlockError('USAGE', `${what}: ${JSON.stringify(v)} is not a date or time (ISO 8601)`);
  return new Date(t).toISOString();
}

export function buildQuery(q: EvidenceQuery): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const kinds = arr(q.kind);
  if (kinds.length) clauses.push(`kind = ANY(${p(kinds)}::text[])`);
  const outcomes = arr(q.outcome);
  if (outcomes.length) clauses.push(`outcome = ANY(${p(outcomes)}::text[])`);
  if (q.source) clauses.push(`source = ${p(q.source)}`);
  if (q.subject) clauses.push(`subject = ${p(q.subject)}`);
  if (q.control) {
    if (q.control.includes(':')) clauses.push(`controls @> ARRAY[${p(q.control)}::text]`);
    else clauses.push(`EXISTS (SELECT 1 FROM unnest(controls) c WHERE c LIKE ${p(`${q.control.replace(/[\\%_]/g, '\\$&')}:%`)})`);
  }
  if (q.from) clauses.push(`observed_at >= ${p(isoOrThrow(q.from, '--from'))}::timestamptz`);
  if (q.to) clauses.push(`observed_at <= ${p(isoOrThrow(q.to, '--to'))}::timestamptz`);
  if (q.afterSeq !== undefined && q.afterSeq > 0) clauses.push(`seq > ${p(q.afterSeq)}`);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
