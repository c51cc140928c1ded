/**
 * The matcher: packages and a vulnerability DB in, findings out. Distro packages are
 * looked up by their source package (how Debian, Ubuntu, Alpine and Red Hat key their
 * advisories) in their release's ecosystem ("Debian:12"); language packages by name.
 * Advisories that alias one another (CVE-2021-44228, GHSA-jfh8-..., ...) become one
 * finding per package, named by its CVE when there is one. Withdrawn advisories are
 * skipped. Packages of an ecosystem without a comparator are counted, not guessed at;
 * packages without a version (metadata that names none, an SBOM component without one)
 * are never matched, since any range would be a guess, and are listed as such.
 */
import type { Finding, Package } from '../types.ts';
import type { Advisory, SeverityEntry } from '../../vulndb/types.ts';
import { releaseKey } from '../../vulndb/names.ts';
import { comparatorFor } from '../versions/registry.ts';
import { evaluateAffected } from './affected.ts';
import { scoreVectors, severityFromWord, worstSeverity } from './severity.ts';

/** What the matcher needs of a DB; VulnDb implements it. */
export interface AdvisorySource {
  lookup(ecosystem: string, name: string): Advisory[];
  nvdVectors(cve: string): SeverityEntry[];
}

export interface MatchResult {
  findings: Finding[];
  /** Packages skipped because no comparator exists for their ecosystem, by ecosystem. */
  unsupported: Record<string, number>;
  /** Packages skipped because they have no version to compare. */
  noVersion: { purl: string; location?: string }[];
}


interface Hit {
  advisory: Advisory;
  fixed: string[];
  severity: SeverityEntry[];
  textSeverity?: string;
}

/** The ecosystem and name advisories for this package are keyed by. */
export function queryKey(p: Package): { ecosystem: string; name: string; version: string } {
  if (p.distroRelease) {
    return {
      ecosystem: `${p.ecosystem}:${releaseKey(p.ecosystem, p.distroRelease)}`,
      name: p.sourceName || p.name,
      version: p.sourceVersion || p.version,
    };
  }
  return { ecosystem: p.ecosystem, name: p.name, version: p.version };
}

const isCve = (id: string): boolean => /^CVE-\d{4}-\d+$/.test(id);

/**
 * The ids one advisory stands for: its own, its aliases, and its upstream when it has
 * exactly one (UBUNTU-CVE-2023-4004 is CVE-2023-4004; a USN or DLA listing forty CVEs is
 * not any one of them, and merging through it would fold forty findings into one).
 */
function idsOf(a: Advisory): string[] {
  return a.upstream.length === 1 ? [a.id, ...a.aliases, ...a.upstream] : [a.id, ...a.aliases];
}

/** Groups hits whose ids or aliases overlap (union-find over every id named). */
function groupHits(hits: Hit[]): Hit[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const h of hits) for (const a of idsOf(h.advisory)) union(h.advisory.id, a);
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const root = find(h.advisory.id);
    const g = groups.get(root);
    if (g) g.push(h);
    else groups.set(root, [h]);
  }
  return [...groups.values()];
}

function toFinding(pkg: Package, group: Hit[], db: AdvisorySource): Finding {
  const ids = new Set<string>();
  for (const h of group) for (const a of idsOf(h.advisory)) ids.add(a);
  const sorted = [...ids].sort();
  const primary = sorted.find(isCve) ?? [...group.map((h) => h.advisory.id)].sort()[0] ?? sorted[0] ?? '';
  const vectors = group.flatMap((h) => [...h.severity, ...h.advisory.severity]);
  let scores = scoreVectors(vectors);
  if (scores.length === 0) scores = scoreVectors(sorted.filter(isCve).flatMap((c) => db.nvdVectors(c)));
  const severity = scores[0]?.severity ?? worstSeverity(group.flatMap((h) => [severityFromWord(h.textSeverity), severityFromWord(h.advisory.textSeverity)]));
  const fixed = [...new Set(group.flatMap((h) => h.fixed))];
  const refs = [...new Set(group.flatMap((h) => h.advisory.references))].slice(0, 20);
  const summary = group.map((h) => h.advisory.summary).find((s) => s !== undefined && s !== '');
  const finding: Finding = {
    id: primary,
    aliases: sorted.filter((x) => x !== primary),
    package: { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, purl: pkg.purl, locations: pkg.locations },
    severity,
    fixedVersions: fixed,
    status: fixed.length > 0 ? 'fixed' : 'unfixed',
  };
  if (scores.length > 0) finding.cvss = scores.map((s) => ({ version: s.version as '3.1' | '3.0' | '4.0', vector: s.vector, score: s.score })).filter((c) => c.version !== ('2.0' as string));
  if (finding.cvss?.length === 0) delete finding.cvss;
  if (summary) finding.summary = summary;
  if (refs.length > 0) finding.references = refs;
  return finding;
}

export function matchPackages(packages: readonly Package[], db: AdvisorySource): MatchResult {
  const findings: Finding[] = [];
  const unsupported: Record<string, number> = {};
  const noVersion: MatchResult['noVersion'] = [];
  const cache = new Map<string, Advisory[]>();
  const nvdCache = new Map<string, SeverityEntry[]>();
  const cachedDb: AdvisorySource = {
    lookup: (e, n) => db.lookup(e, n),
    nvdVectors(cve) {
      let v = nvdCache.get(cve);
      if (!v) {
        v = db.nvdVectors(cve);
        nvdCache.set(cve, v);
      }
      return v;
    },
  };
  for (const pkg of packages) {
    const cmp = comparatorFor(pkg.ecosystem);
    if (!cmp) {
      unsupported[pkg.ecosystem] = (unsupported[pkg.ecosystem] ?? 0) + 1;
      continue;
    }
    const key = queryKey(pkg);
    if (key.version.trim() === '') {
      noVersion.push({ purl: pkg.purl, ...(pkg.locations[0] ? { location: pkg.locations[0] } : {}) });
      continue;
    }
    const cacheKey = `${key.ecosystem}\u0000${key.name}`;
    let advisories = cache.get(cacheKey);
    if (!advisories) {
      advisories = db.lookup(key.ecosystem, key.name);
      cache.set(cacheKey, advisories);
    }
    const hits: Hit[] = [];
    for (const advisory of advisories) {
      if (advisory.withdrawn) continue;
      let hit: Hit | undefined;
      for (const entry of advisory.affected) {
        const verdict = evaluateAffected(key.version, entry, cmp);
        if (!verdict.affected) continue;
        hit ??= { advisory, fixed: [], severity: [], textSeverity: entry.textSeverity };
        hit.fixed.push(...verdict.fixed);
        hit.severity.push(...entry.severity);
      }
      if (hit) hits.push(hit);
    }
    for (const group of groupHits(hits)) findings.push(toFinding(pkg, group, cachedDb));
  }
  findings.sort((a, b) => a.package.name.localeCompare(b.package.name) || a.package.version.localeCompare(b.package.version) || a.id.localeCompare(b.id));
  return { findings, unsupported, noVersion };
}
