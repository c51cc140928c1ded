/**
 * How current the evidence is: the vulnerability DB the scans used (from the scan
 * payloads' `db.builtAt`), and the latest evidence of each source.
 */
import type { EvidenceKind } from '../types.ts';
import type { EvidenceSummary, Freshness, SourceFreshness } from './types.ts';
import type { LatestScan } from './vulnerabilities.ts';
import { byString, ms } from './values.ts';

interface SourceAcc {
  kinds: Set<EvidenceKind>;
  records: number;
  first: string;
  last: string;
  lastCollected: string;
}

export const DEFAULT_STALE_DB_SECONDS = 7 * 86_400;

export class FreshnessTracker {
  readonly #sources = new Map<string, SourceAcc>();
  #first: string | null = null;
  #last: string | null = null;

  add(s: EvidenceSummary, collectedAt: string): void {
    let a = this.#sources.get(s.source);
    if (!a) this.#sources.set(s.source, (a = { kinds: new Set(), records: 0, first: s.observedAt, last: s.observedAt, lastCollected: collectedAt }));
    a.kinds.add(s.kind);
    a.records++;
    if (ms(s.observedAt) < ms(a.first)) a.first = s.observedAt;
    if (ms(s.observedAt) > ms(a.last)) a.last = s.observedAt;
    if (ms(collectedAt) > ms(a.lastCollected)) a.lastCollected = collectedAt;
    if (this.#first === null || ms(s.observedAt) < ms(this.#first)) this.#first = s.observedAt;
    if (this.#last === null || ms(s.observedAt) > ms(this.#last)) this.#last = s.observedAt;
  }

  finish(asOf: string, latestDbBuiltAt: string | null, latestScans: Iterable<LatestScan>, staleAfterSeconds: number): Freshness {
    const asOfMs = ms(asOf);
    const age = (iso: string | null): number | null => (iso === null ? null : Math.max(0, Math.round((asOfMs - ms(iso)) / 1000)));
    let oldest: string | null = null;
    let stale = 0;
    let undated = 0;
    for (const s of latestScans) {
      const b = s.view?.dbBuiltAt ?? null;
      if (b === null) {
        undated++;
        continue;
      }
      if (oldest === null || ms(b) < ms(oldest)) oldest = b;
      if ((age(b) ?? 0) > staleAfterSeconds) stale++;
    }
    const ageSeconds = age(latestDbBuiltAt);
    const sources: SourceFreshness[] = [...this.#sources.entries()]
      .sort(([a], [b]) => byString(a, b))
      .map(([source, a]) => ({ source, kinds: [...a.kinds].sort(byString), records: a.records, firstObservedAt: a.first, lastObservedAt: a.last, lastCollectedAt: a.lastCollected }));
    return {
      asOf,
      vulnerabilityDb: {
        latestBuiltAt: latestDbBuiltAt,
        ageSeconds,
        oldestInUseBuiltAt: oldest,
        oldestInUseAgeSeconds: age(oldest),
        staleSubjects: stale,
        undatedSubjects: undated,
        staleAfterSeconds,
        stale: ageSeconds === null || ageSeconds > staleAfterSeconds,
      },
      sources,
      firstObservedAt: this.#first,
      lastObservedAt: this.#last,
    };
  }
}
