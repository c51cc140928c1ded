/**
 * Small shared pieces of the assessment: severity order, counters, time helpers, and
 * the bounded "newest N" list that keeps memory independent of the number of records.
 */
import { EVIDENCE_KINDS, EVIDENCE_SEVERITIES, OUTCOMES, type EvidenceKind, type EvidenceSeverity } from '../types.ts';
import type { EvidenceRef, EvidenceSummary, OutcomeCounts, SeverityCounts } from './types.ts';

/** critical > high > medium > low > unknown > info: the order the importers use. */
const RANK: Record<EvidenceSeverity, number> = { info: 0, unknown: 1, low: 2, medium: 3, high: 4, critical: 5 };

export const severityRank = (s: EvidenceSeverity): number => RANK[s];

/** Severities worst first, for tables and charts. */
export const SEVERITIES_WORST_FIRST: readonly EvidenceSeverity[] = ['critical', 'high', 'medium', 'low', 'unknown', 'info'];

export function isSeverity(v: unknown): v is EvidenceSeverity {
  return typeof v === 'string' && (EVIDENCE_SEVERITIES as readonly string[]).includes(v);
}

export const severityCounts = (): SeverityCounts => ({ unknown: 0, info: 0, low: 0, medium: 0, high: 0, critical: 0 });
export const outcomeCounts = (): OutcomeCounts => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
export const kindCounts = (): Record<EvidenceKind, number> => Object.fromEntries(EVIDENCE_KINDS.map((k) => [k, 0])) as Record<EvidenceKind, number>;

export function maxSeverity(a: EvidenceSeverity, b: EvidenceSeverity): EvidenceSeverity {
  return RANK[b] > RANK[a] ? b : a;
}

/** Milliseconds since the epoch, or NaN. */
export const ms = (iso: string): number => Date.parse(iso);

/** Is `a` observed later than `b` (ties broken by chain position)? */
export function newer(a: { observedAt: string; seq: number }, b: { observedAt: string; seq: number }): boolean {
  const d = ms(a.observedAt) - ms(b.observedAt);
  return d > 0 || (d === 0 && a.seq > b.seq);
}

export const ref = (e: EvidenceRef): EvidenceRef => ({ seq: e.seq, id: e.id, recordHash: e.recordHash });

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The newest `cap` items by seq, and how many were offered. Items arrive in any order. */
export class NewestList<T extends { seq: number }> {
  readonly #cap: number;
  #items: T[] = [];
  total = 0;

  constructor(cap: number) {
    this.#cap = cap;
  }

  add(e: T): void {
    this.total++;
    if (this.#cap <= 0) return;
    if (this.#items.length < this.#cap) {
      this.#items.push(e);
      if (this.#items.length === this.#cap) this.#items.sort((a, b) => b.seq - a.seq);
      return;
    }
    if (e.seq <= this.#items[this.#items.length - 1]!.seq) return;
    // Full and sorted newest first: insert in order and drop the oldest.
    let i = this.#items.length - 1;
    while (i > 0 && this.#items[i - 1]!.seq < e.seq) i--;
    this.#items.splice(i, 0, e);
    this.#items.pop();
  }

  /** Newest first. */
  items(): T[] {
    return [...this.#items].sort((a, b) => b.seq - a.seq);
  }
}

/** Turns summaries into refs and remembers every one handed out, for the appendix. */
export class Referencer {
  readonly #seen = new Map<number, EvidenceSummary>();

  ref(e: EvidenceSummary): EvidenceRef {
    this.#seen.set(e.seq, e);
    return ref(e);
  }

  refs(list: readonly EvidenceSummary[]): EvidenceRef[] {
    return list.map((e) => this.ref(e));
  }

  all(): EvidenceSummary[] {
    return [...this.#seen.values()].sort((a, b) => a.seq - b.seq);
  }
}
