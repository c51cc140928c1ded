/**
 * The one payload shape of every `vulnerability-scan` record (airlock scan, Trivy,
 * Grype), and the rules that make a record from it:
 *
 * - outcome: `fail` when any finding that is not suppressed is `high` or `critical`,
 *   else `pass` (the `--fail-on high` rule of `airlock scan`);
 * - severity: the highest severity among the findings that are not suppressed
 *   (critical > high > medium > low > unknown > info), `info` when there are none;
 * - findings sorted worst first, at most LIMITS.findingsPerRecord kept, the number left
 *   out in `truncated.findings` (counts in `summary` always cover all of them);
 * - the package list is never copied, only counted (`summary.packages`, null when the
 *   report does not say);
 * - controls: the `vulnerability-scanning` and `flaw-remediation` signals.
 */
import type { EvidenceDraft, EvidenceSeverity } from '../types.ts';
import { EVIDENCE_SEVERITIES } from '../types.ts';
import { LIMITS, boundedList, boundedText, clip, draft, maxSeverity, severityRank, subject, type ImportContext } from './importer.ts';

export interface ScanFinding {
  /** Primary id (CVE when the scanner says so). */
  id: string;
  aliases: string[];
  package: {
    name: string;
    /** The installed version. */
    version: string;
    /** Ecosystem or package type (npm, deb, apk, rpm, ...). */
    type?: string;
    purl?: string;
    /** Where the package was found (file or Trivy result target). */
    location?: string;
  };
  fixedVersions: string[];
  severity: EvidenceSeverity;
  /** The highest CVSS base score the scanner gives, when it gives one. */
  cvssScore?: number;
  /** Fix state as the scanner names it (fixed, unfixed, wont-fix, affected, ...). */
  status?: string;
  suppressed?: { by: string; justification: string };
}

export interface ScanPayload {
  scanner: { name: string; version?: string };
  target: { kind: string; name: string; digest?: string; imageId?: string };
  os?: { name: string; version?: string };
  /** The vulnerability database the scan used; null when the report does not say. */
  db: { builtAt: string; ageSeconds?: number } | null;
  summary: {
    packages: number | null;
    /** Findings not suppressed. */
    findings: number;
    suppressed: number;
    bySeverity: Record<EvidenceSeverity, number>;
  };
  findings: ScanFinding[];
  truncated?: { findings: number };
  /** Trivy: one entry per result (target, class, type, number of vulnerabilities). */
  results?: { target: string; class?: string; type?: string; vulnerabilities: number }[];
  warnings?: string[];
}

export interface ScanInput {
  source: string;
  subject: string;
  observedAt: string;
  scanner: ScanPayload['scanner'];
  target: ScanPayload['target'];
  os?: ScanPayload['os'];
  db: ScanPayload['db'];
  packages: number | null;
  findings: ScanFinding[];
  results?: ScanPayload['results'];
  warnings?: readonly string[];
}

/** Seconds between the DB build and the scan, when both are known and in order. */
export function dbAgeSeconds(builtAt: string, observedAt: string): number | undefined {
  const a = Date.parse(builtAt);
  const b = Date.parse(observedAt);
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, Math.round((b - a) / 1000)) : undefined;
}

function compareFindings(a: ScanFinding, b: ScanFinding): number {
  const s = severityRank(b.severity) - severityRank(a.severity);
  if (s !== 0) return s;
  if (!a.suppressed !== !b.suppressed) return a.suppressed ? 1 : -1;
  const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  if (byId !== 0) return byId;
  return a.package.name < b.package.name ? -1 : a.package.name > b.package.name ? 1 : 0;
}

function boundFinding(f: ScanFinding): ScanFinding {
  return {
    id: clip(f.id, 256),
    aliases: boundedList(f.aliases, 32),
    package: {
      name: clip(f.package.name, 512),
      version: clip(f.package.version, 256),
      ...(f.package.type ? { type: clip(f.package.type, 64) } : {}),
      ...(f.package.purl ? { purl: clip(f.package.purl, 1024) } : {}),
      ...(f.package.location ? { location: clip(f.package.location, 1024) } : {}),
    },
    fixedVersions: boundedList(f.fixedVersions, 32),
    severity: f.severity,
    ...(f.cvssScore !== undefined ? { cvssScore: f.cvssScore } : {}),
    ...(f.status ? { status: clip(f.status, 64) } : {}),
    ...(f.suppressed ? { suppressed: { by: clip(f.suppressed.by, 512), justification: boundedText(f.suppressed.justification, 1024) } } : {}),
  };
}

export function scanDraft(input: ScanInput, ctx: ImportContext): EvidenceDraft {
  const bySeverity = Object.fromEntries(EVIDENCE_SEVERITIES.map((s) => [s, 0])) as Record<EvidenceSeverity, number>;
  const open = input.findings.filter((f) => !f.suppressed);
  for (const f of open) bySeverity[f.severity]++;
  const sorted = [...input.findings].sort(compareFindings);
  const kept = sorted.slice(0, LIMITS.findingsPerRecord).map(boundFinding);
  const failing = bySeverity.critical + bySeverity.high;
  const payload: ScanPayload = {
    scanner: input.scanner,
    target: input.target,
    ...(input.os ? { os: input.os } : {}),
    db: input.db,
    summary: { packages: input.packages, findings: open.length, suppressed: input.findings.length - open.length, bySeverity },
    findings: kept,
    ...(sorted.length > kept.length ? { truncated: { findings: sorted.length - kept.length } } : {}),
    ...(input.results ? { results: input.results.slice(0, LIMITS.listEntries) } : {}),
    ...(input.warnings && input.warnings.length > 0 ? { warnings: boundedList(input.warnings, 64, 1024) } : {}),
  };
  const worst = [bySeverity.critical ? `${bySeverity.critical} critical` : '', bySeverity.high ? `${bySeverity.high} high` : ''].filter((s) => s !== '');
  const counts = worst.length > 0 ? ` (${worst.join(', ')})` : '';
  return draft(
    {
      kind: 'vulnerability-scan',
      source: input.source,
      subject: input.subject,
      observedAt: input.observedAt,
      outcome: failing > 0 ? 'fail' : 'pass',
      severity: maxSeverity(open.map((f) => f.severity)),
      hints: { signals: ['vulnerability-scanning', 'flaw-remediation'] },
      title: `${input.scanner.name}: ${open.length} vulnerabilit${open.length === 1 ? 'y' : 'ies'}${counts} in ${input.target.name}`,
      payload,
    },
    ctx,
  );
}

/** `image:<ref>` with the digest appended unless the reference already pins one. */
export function imageSubject(ref: string, digest?: string): string {
  return subject('image', !digest || /@sha256:[0-9a-f]{64}$/.test(ref) ? ref : `${ref}@${digest}`);
}

