/**
 * OSV `affected` semantics for one package version (https://ossf.github.io/osv-schema/
 * #evaluation): explicit `versions` (exact strings), and ECOSYSTEM / SEMVER ranges evaluated by walking
 * the events in version order as intervals (introduced opens, fixed closes at that
 * version, last_affected closes after it, `limit` bounds the range from above). At one
 * version an open interval closes before a new one opens, so adjacent intervals leave
 * that version affected, while "introduced X, fixed X" with nothing open affects nothing.
 * Events whose version the comparator cannot read are ignored, never guessed.
 */
import type { VersionComparator } from '../versions/comparator.ts';
import { comparatorFor } from '../versions/registry.ts';
import type { AffectedPackage, AffectedRange } from '../../vulndb/types.ts';

export interface RangeVerdict {
  affected: boolean;
  /** Fixed versions above the package version in the ranges that affect it. */
  fixed: string[];
}

type Ev = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; version: string };

const semver = comparatorFor('npm') as VersionComparator;

function valid(cmp: VersionComparator, v: string): boolean {
  return v === '0' || v === '*' || cmp.isValid(v);
}

function compareEv(cmp: VersionComparator, a: string, b: string): number {
  if (a === b) return 0;
  if (a === '0') return -1;
  if (b === '0') return 1;
  if (a === '*') return 1;
  if (b === '*') return -1;
  return cmp.compare(a, b);
}

/** SEMVER ranges are SemVer 2.0 whatever the ecosystem (Go's own reading of it for Go). */
function rangeComparator(range: AffectedRange, ecosystemCmp: VersionComparator): VersionComparator {
  return range.type === 'SEMVER' && ecosystemCmp.scheme !== 'go' ? semver : ecosystemCmp;
}

function evaluateRange(version: string, range: AffectedRange, ecosystemCmp: VersionComparator): RangeVerdict {
  const cmp = rangeComparator(range, ecosystemCmp);
  const v = version;
  if (!cmp.isValid(v)) return { affected: false, fixed: [] };
  const events: Ev[] = [];
  for (const e of range.events) {
    const [kind, ver] = Object.entries(e)[0] as [Ev['kind'], string];
    if (valid(cmp, ver)) events.push({ kind, version: ver });
  }
  const limits = events.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((l) => compareEv(cmp, v, l.version) < 0)) return { affected: false, fixed: [] };
  events.sort((a, b) => compareEv(cmp, a.version, b.version));
  // Walk the events as intervals. At one version, an open interval closes before a new one
  // opens there (adjacent intervals: the version is affected again), while "introduced X,
  // fixed X" with nothing open is an empty interval (fixed in the same version).
  let open: string | undefined; // start of the open interval
  for (let i = 0; i < events.length; ) {
    const at = (events[i] as Ev).version;
    const group: Ev[] = [];
    while (i < events.length && compareEv(cmp, (events[i] as Ev).version, at) === 0) group.push(events[i++] as Ev);
    const introduced = group.some((e) => e.kind === 'introduced');
    const fixed = group.some((e) => e.kind === 'fixed');
    const last = group.some((e) => e.kind === 'last_affected');
    const c = compareEv(cmp, v, at);
    let closedHere = false;
    if (open !== undefined && (fixed || last)) {
      // fixed X: affected below X; last_affected X: affected up to X itself.
      if (compareEv(cmp, v, open) >= 0 && (c < 0 || (c === 0 && last && !fixed))) return { affected: true, fixed: fixed ? [at] : [] };
      open = undefined;
      closedHere = true;
    }
    if (introduced && open === undefined) {
      if (closedHere || (!fixed && !last)) open = at;
      else if (last && !fixed && c === 0) return { affected: true, fixed: [] }; // introduced X, last_affected X
      // introduced X and fixed X with nothing open before: fixed in the same version.
    }
  }
  if (open !== undefined && compareEv(cmp, v, open) >= 0) return { affected: true, fixed: [] };
  return { affected: false, fixed: [] };
}

/** Whether `version` is affected by one `affected` entry, and the versions that fix it. */
export function evaluateAffected(version: string, entry: AffectedPackage, cmp: VersionComparator): RangeVerdict {
  let affected = false;
  const fixed = new Set<string>();
  // `versions` holds the exact strings the ecosystem publishes, which is what installs
  // record; they are compared as strings (as osv.dev does), not re-parsed one by one.
  if (entry.versions.includes(version)) affected = true;
  for (const r of entry.ranges) {
    const verdict = evaluateRange(version, r, cmp);
    if (verdict.affected) {
      affected = true;
      for (const f of verdict.fixed) fixed.add(f);
    }
  }
  if (affected && fixed.size === 0) {
    // Listed explicitly: a fix is any fixed event above the version in this entry's ranges.
    for (const r of entry.ranges) {
      const c = rangeComparator(r, cmp);
      for (const e of r.events) {
        if ('fixed' in e && c.isValid(e.fixed) && c.isValid(version) && c.compare(e.fixed, version) > 0) fixed.add(e.fixed);
      }
    }
  }
  return { affected, fixed: [...fixed] };
}
