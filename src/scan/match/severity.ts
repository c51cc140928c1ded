/**
 * A finding's severity: CVSS vectors scored (never a copied score), preferring the
 * newest CVSS version present (4.0, then 3.1, 3.0, 2.0) and, within it, the highest
 * score; when no vector can be scored, the advisory's own severity word
 * (GHSA "MODERATE", Ubuntu "medium", Debian "unimportant", ...).
 */
import { tryScoreCvss, type CvssScore } from '../cvss/cvss.ts';
import type { Severity } from '../types.ts';
import type { SeverityEntry } from '../../vulndb/types.ts';

const VERSION_RANK: Record<string, number> = { '4.0': 4, '3.1': 3, '3.0': 2, '2.0': 1 };

const scored = new Map<string, CvssScore | undefined>();

/** Scores a vector once per process: findings share a small set of vectors. */
function scoreOnce(vector: string): CvssScore | undefined {
  if (scored.has(vector)) return scored.get(vector);
  const s = tryScoreCvss(vector);
  if (scored.size > 50_000) scored.clear();
  scored.set(vector, s);
  return s;
}

export function scoreVectors(entries: readonly SeverityEntry[]): CvssScore[] {
  const seen = new Set<string>();
  const out: CvssScore[] = [];
  for (const e of entries) {
    if (!/^CVSS_V[234]$/.test(e.type) || seen.has(e.score)) continue;
    seen.add(e.score);
    const s = scoreOnce(e.score);
    if (s) out.push({ ...s, vector: e.score });
  }
  return out.sort((a, b) => (VERSION_RANK[b.version] ?? 0) - (VERSION_RANK[a.version] ?? 0) || b.score - a.score);
}

const WORDS: Record<string, Severity> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  important: 'HIGH',
  moderate: 'MEDIUM',
  medium: 'MEDIUM',
  low: 'LOW',
  negligible: 'LOW',
  unimportant: 'LOW',
  none: 'NONE',
};

export function severityFromWord(word: string | undefined): Severity {
  return (word && WORDS[word.trim().toLowerCase()]) || 'UNKNOWN';
}

const RANK: Record<Severity, number> = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, NONE: 1, UNKNOWN: 0 };

export function worstSeverity(list: readonly Severity[]): Severity {
  return list.reduce<Severity>((w, s) => (RANK[s] > RANK[w] ? s : w), 'UNKNOWN');
}
