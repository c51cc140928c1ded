/**
 * OSCAL identifiers for Airlock's control ids and families. OSCAL ids are tokens,
 * `^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`: a letter or underscore first, then letters, digits,
 * dots, hyphens and underscores. Most framework ids already are (`ac-6.10`, `GV.RR-02`,
 * `A.8.9`, `УПД.5`); those that are not (`1.2.1`, `152-ФЗ ст.19`) get every other
 * character replaced by `_` and a leading `_` when they start with a digit. The original
 * id is always kept as the control's `label` prop. Two ids mapping to one token is an
 * error, never a silent merge.
 */
import { AirlockError } from '../common/errors.ts';

export const OSCAL_TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;

export function controlToken(id: string): string {
  if (OSCAL_TOKEN.test(id)) return id;
  const t = id.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return /^(\p{L}|_)/u.test(t) ? t : `_${t}`;
}

/** A group id for a family name: lower case words joined by hyphens. */
export function familyToken(family: string): string {
  const t = family
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  if (t === '') return '_';
  return /^\p{L}/u.test(t) ? t : `_${t}`;
}

/** Tokens for a list of ids, refusing two ids that would share one. */
export function tokenMap(ids: readonly string[], what: string, tokenOf: (s: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  const back = new Map<string, string>();
  for (const id of ids) {
    if (out.has(id)) continue;
    const t = tokenOf(id);
    const other = back.get(t);
    if (other !== undefined) throw new AirlockError('BAD_INPUT', `${what} ${JSON.stringify(other)} and ${JSON.stringify(id)} map to the same OSCAL id ${t}`);
    back.set(t, id);
    out.set(id, t);
  }
  return out;
}
