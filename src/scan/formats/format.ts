/**
 * The interface every output format implements, and what they render: the package
 * inventory of a target and, for a scan, the findings with the age of the DB they came
 * from. Formats are pure: input in, text out (the CLI writes it).
 */
import type { CatalogResult } from '../catalog.ts';
import type { Finding, Severity } from '../types.ts';

export interface DbInfo {
  /** When the vulnerability DB was built (RFC 3339). Every report states it. */
  builtAt: string;
  schemaVersion?: number;
  /** Advisory counts per source or ecosystem, as the DB records them. */
  sources?: Record<string, number>;
}

/** Packages a scan could not match, and why. */
export interface NotMatched {
  /** By ecosystem: packages of an ecosystem without a version comparator. */
  noComparator: Record<string, number>;
  /** Packages without a version (listed in the inventory, never matched). */
  noVersion: { purl: string; location?: string }[];
}

export interface ReportInput {
  catalog: CatalogResult;
  /** Absent for an SBOM; present (maybe empty) for a scan. */
  findings?: Finding[];
  db?: DbInfo;
  generatedAt: Date;
  toolVersion: string;
  /** Serial number / document namespace seed; a random UUID when absent. */
  documentId?: string;
  /** For a scan: the packages the matcher skipped (see matcher.ts). */
  notMatched?: NotMatched;
  /** ANSI colours (table only; the CLI sets it on a TTY without NO_COLOR). */
  color?: boolean;
}

export interface Format {
  readonly name: string;
  readonly description: string;
  /** sbom: renders the inventory; findings: needs findings; both: either. */
  readonly produces: 'sbom' | 'findings' | 'both';
  readonly mediaType: string;
  render(input: ReportInput): string;
}

/** One line per kind of package a scan skipped (for warnings and reports). */
export function notMatchedNotes(n: NotMatched): string[] {
  const notes = Object.entries(n.noComparator).map(([eco, count]) => `${count} ${eco} package(s) not matched: no version comparator for ${eco}`);
  if (n.noVersion.length > 0) {
    const shown = n.noVersion.slice(0, 10).map((p) => (p.location ? `${p.purl} (${p.location})` : p.purl));
    const more = n.noVersion.length > shown.length ? `, and ${n.noVersion.length - shown.length} more` : '';
    notes.push(`${n.noVersion.length} package(s) without a version not matched: ${shown.join(', ')}${more}`);
  }
  return notes;
}

export const SEVERITY_ORDER: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'];

export function severityRank(s: Severity): number {
  const i = SEVERITY_ORDER.indexOf(s);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/** Findings sorted by severity, then package, then id: stable output for diffs. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.package.name.localeCompare(b.package.name) || a.package.version.localeCompare(b.package.version) || a.id.localeCompare(b.id),
  );
}

/** The advisory database an id comes from, by its prefix. */
export function idSource(id: string): { name: string; url?: string } {
  if (id.startsWith('CVE-')) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (id.startsWith('GHSA-')) return { name: 'GitHub', url: `https://github.com/advisories/${id}` };
  const osv = `https://osv.dev/vulnerability/${id}`;
  const prefix = id.split('-')[0] ?? '';
  const names: Record<string, string> = { GO: 'Go', PYSEC: 'PyPA', RUSTSEC: 'RustSec', DSA: 'Debian', DLA: 'Debian', DEBIAN: 'Debian', USN: 'Ubuntu', UBUNTU: 'Ubuntu', ALPINE: 'Alpine', RHSA: 'Red Hat', MAL: 'OpenSSF' };
  return { name: names[prefix] ?? 'OSV', url: osv };
}
