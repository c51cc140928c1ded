/**
 * The types every part of the scanner shares: catalogers produce Packages, the matcher
 * turns Packages and a vulnerability DB into Findings, formats render a ScanResult.
 * Ecosystem names are OSV's (https://ossf.github.io/osv-schema/#affectedpackage-field),
 * with distro releases as OSV writes them: "Debian:12", "Alpine:v3.20", "Ubuntu:22.04".
 */

export type Ecosystem =
  | 'Debian'
  | 'Ubuntu'
  | 'Alpine'
  | 'Red Hat'
  | 'AlmaLinux'
  | 'Rocky Linux'
  | 'SUSE'
  | 'npm'
  | 'PyPI'
  | 'Go'
  | 'Maven'
  | 'crates.io'
  | 'RubyGems'
  | 'Packagist'
  | 'NuGet'
  | (string & {});

export interface OsRelease {
  /** os-release ID: debian, ubuntu, alpine, rhel, ... */
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
}

export interface Package {
  /** Ecosystem without release ("Debian", "npm"); see distroRelease for OS packages. */
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** package-url, e.g. pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12 */
  purl: string;
  /** For OS packages: the release qualifier advisories are keyed by ("12", "v3.20"). */
  distroRelease?: string;
  /** For binary OS packages: the source package advisories are keyed by (dpkg Source:, apk origin, rpm sourcerpm). */
  sourceName?: string;
  sourceVersion?: string;
  /** Files the package was found in, relative to the scanned root. */
  locations: string[];
  /** The cataloger that found it ("dpkg", "npm-lock", ...). */
  foundBy: string;
  licenses?: string[];
  /** Layer digest the package was introduced in, for image targets. */
  layer?: string;
}

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE' | 'UNKNOWN';

export interface Finding {
  /** The primary id (CVE when known, else the OSV id). */
  id: string;
  aliases: string[];
  package: Pick<Package, 'ecosystem' | 'name' | 'version' | 'purl' | 'locations'>;
  severity: Severity;
  cvss?: { version: '3.1' | '3.0' | '4.0'; vector: string; score: number }[];
  /** Versions that fix it; empty when unfixed. */
  fixedVersions: string[];
  status: 'fixed' | 'unfixed' | 'wont-fix';
  summary?: string;
  references?: string[];
  /** Set when a VEX statement or ignore rule suppresses it. */
  suppressed?: { by: string; justification: string };
}
