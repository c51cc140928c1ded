/** The vulnerability DB's public types: what a lookup returns. */

export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface AffectedRange {
  type: 'ECOSYSTEM' | 'SEMVER';
  events: RangeEvent[];
}

/** A CVSS vector (or other severity string) as OSV writes it: { type: "CVSS_V3", score: "CVSS:3.1/..." }. */
export interface SeverityEntry {
  type: string;
  score: string;
}

export interface AffectedPackage {
  /** As in the record, with release: "Debian:12", "PyPI". */
  ecosystem: string;
  name: string;
  purl?: string;
  ranges: AffectedRange[];
  versions: string[];
  severity: SeverityEntry[];
  /** Free-text severity from ecosystem_specific / database_specific ("HIGH", "moderate", ...). */
  textSeverity?: string;
}

export interface Advisory {
  id: string;
  aliases: string[];
  /** OSV `upstream`: the vulnerabilities a distro advisory derives from (UBUNTU-CVE-x -> CVE-x). */
  upstream: string[];
  modified?: string;
  published?: string;
  withdrawn?: string;
  summary?: string;
  severity: SeverityEntry[];
  /** Free-text severity from the record's database_specific. */
  textSeverity?: string;
  references: string[];
  affected: AffectedPackage[];
}
