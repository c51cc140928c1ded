/**
 * Vulnerability findings across scans, in one pass.
 *
 * - The latest scan of each subject (by observedAt, then seq) is its current state; an
 *   earlier scan of the same subject is superseded and dropped from memory.
 * - Open findings are the latest scans' findings that are not suppressed, merged across
 *   subjects by (id, package name, version, type): one row per vulnerable package
 *   version, listing the subjects that carry it.
 * - First seen: the earliest scan in the period that showed the finding on the subject
 *   (kept for every (subject, finding) pair, so memory grows with distinct findings,
 *   not with scans). A pair seen earlier but absent from the subject's latest scan
 *   counts as resolved.
 */
import type { EvidenceSeverity } from '../types.ts';
import type { ScanFindingView, ScanView } from './payloads.ts';
import type { EvidenceSummary, OpenFinding, SeverityCounts, SubjectScan, VulnerabilityAssessment } from './types.ts';
import { byString, maxSeverity, ms, newer, severityCounts, severityRank, type Referencer } from './values.ts';

export interface LatestScan {
  summary: EvidenceSummary;
  /** Undefined when the payload could not be read: the header's outcome decides. */
  view: ScanView | undefined;
  /** This framework's controls the scan supports. */
  controls: readonly string[];
}

const findingKey = (f: ScanFindingView): string => `${f.id}\u0000${f.package.name}\u0000${f.package.version}\u0000${f.package.type ?? ''}`;

/** Whether a latest scan fails: open high or critical findings (the importers' outcome rule). */
export function scanFails(s: LatestScan): boolean {
  if (!s.view) return s.summary.outcome === 'fail';
  return s.view.open.critical + s.view.open.high > 0;
}

const DAY = 86_400_000;

export class VulnerabilityTracker {
  scans = 0;
  /** The newest DB build any scan used. */
  latestDbBuiltAt: string | null = null;
  readonly #latest = new Map<string, LatestScan>();
  /** `${subject}\0${finding key}` → earliest observedAt. */
  readonly #firstSeen = new Map<string, string>();

  add(summary: EvidenceSummary, view: ScanView | undefined, controls: readonly string[]): void {
    this.scans++;
    if (view?.dbBuiltAt && (this.latestDbBuiltAt === null || ms(view.dbBuiltAt) > ms(this.latestDbBuiltAt))) this.latestDbBuiltAt = view.dbBuiltAt;
    if (view) {
      for (const f of view.findings) {
        const k = `${summary.subject}\u0000${findingKey(f)}`;
        const seen = this.#firstSeen.get(k);
        if (seen === undefined || ms(summary.observedAt) < ms(seen)) this.#firstSeen.set(k, summary.observedAt);
      }
    }
    const cur = this.#latest.get(summary.subject);
    if (!cur || newer(summary, cur.summary)) this.#latest.set(summary.subject, { summary, view, controls });
  }

  latest(): IterableIterator<LatestScan> {
    return this.#latest.values();
  }

  finish(asOf: string, cap: number, r: Referencer): VulnerabilityAssessment {
    const asOfMs = ms(asOf);
    interface Merged {
      f: ScanFindingView;
      severity: EvidenceSeverity;
      cvss: number | undefined;
      fixed: Set<string>;
      subjects: string[];
      firstSeen: string;
      evidence: EvidenceSummary[];
    }
    const open = new Map<string, Merged>();
    const suppressed = new Set<string>();
    const current = new Set<string>();
    const subjects: SubjectScan[] = [];
    let truncatedScans = 0;
    const latest = [...this.#latest.values()].sort((a, b) => byString(a.summary.subject, b.summary.subject));
    for (const s of latest) {
      const v = s.view;
      const openCounts: SeverityCounts = v ? { ...v.open } : severityCounts();
      subjects.push({
        subject: s.summary.subject,
        scanner: v?.scanner ?? s.summary.source,
        scannedAt: s.summary.observedAt,
        target: v?.target ?? '',
        dbBuiltAt: v?.dbBuiltAt ?? null,
        open: openCounts,
        suppressed: v?.suppressed ?? 0,
        truncated: v?.truncated ?? 0,
        evidence: r.ref(s.summary),
      });
      if (!v) continue;
      if (v.truncated > 0) truncatedScans++;
      for (const f of v.findings) {
        const key = findingKey(f);
        current.add(`${s.summary.subject}\u0000${key}`);
        if (f.suppressed) {
          suppressed.add(key);
          continue;
        }
        const first = this.#firstSeen.get(`${s.summary.subject}\u0000${key}`) ?? s.summary.observedAt;
        const m = open.get(key);
        if (!m) {
          open.set(key, { f, severity: f.severity, cvss: f.cvssScore, fixed: new Set(f.fixedVersions), subjects: [s.summary.subject], firstSeen: first, evidence: [s.summary] });
          continue;
        }
        m.severity = maxSeverity(m.severity, f.severity);
        if (f.cvssScore !== undefined && (m.cvss === undefined || f.cvssScore > m.cvss)) m.cvss = f.cvssScore;
        for (const x of f.fixedVersions) if (m.fixed.size < 32) m.fixed.add(x);
        if (m.subjects[m.subjects.length - 1] !== s.summary.subject) m.subjects.push(s.summary.subject);
        if (ms(first) < ms(m.firstSeen)) m.firstSeen = first;
        if (m.evidence.length < cap && !m.evidence.includes(s.summary)) m.evidence.push(s.summary);
      }
    }
    // A subject whose latest payload could not be read says nothing about what was fixed.
    const unread = new Set(latest.filter((s) => !s.view).map((s) => s.summary.subject));
    let resolved = 0;
    for (const k of this.#firstSeen.keys()) if (!current.has(k) && !unread.has(k.slice(0, k.indexOf('\u0000')))) resolved++;

    const bySeverity = severityCounts();
    let fixAvailable = 0;
    const findings: OpenFinding[] = [...open.values()].map((m) => {
      const fixedVersions = [...m.fixed].sort(byString);
      const fix = fixedVersions.length > 0 || m.f.status === 'fixed';
      bySeverity[m.severity]++;
      if (fix) fixAvailable++;
      return {
        id: m.f.id,
        aliases: m.f.aliases,
        package: m.f.package,
        severity: m.severity,
        ...(m.cvss !== undefined ? { cvssScore: m.cvss } : {}),
        fixedVersions,
        fixAvailable: fix,
        ...(m.f.status ? { status: m.f.status } : {}),
        subjects: m.subjects.sort(byString),
        firstSeen: m.firstSeen,
        ageDays: Math.max(0, Math.floor((asOfMs - ms(m.firstSeen)) / DAY)),
        evidence: r.refs(m.evidence.sort((a, b) => b.seq - a.seq)),
      };
    });
    findings.sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) ||
        (b.cvssScore ?? -1) - (a.cvssScore ?? -1) ||
        byString(a.id, b.id) ||
        byString(a.package.name, b.package.name) ||
        byString(a.package.version, b.package.version),
    );
    let oldest: OpenFinding | undefined;
    for (const f of findings) if (!oldest || ms(f.firstSeen) < ms(oldest.firstSeen)) oldest = f;
    return {
      scans: this.scans,
      subjects,
      findings,
      bySeverity,
      fixAvailable,
      suppressed: suppressed.size,
      resolved,
      truncatedScans,
      oldestOpen: oldest ? { id: oldest.id, package: `${oldest.package.name}@${oldest.package.version}`, firstSeen: oldest.firstSeen, ageDays: oldest.ageDays } : null,
    };
  }
}
