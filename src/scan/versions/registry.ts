/**
 * The comparator for an OSV ecosystem. Distro ecosystems carry a release after a colon
 * ("Debian:12", "Alpine:v3.20", "Red Hat:enterprise_linux:9"); the part before the first
 * colon picks the comparator.
 */
import type { VersionComparator } from './comparator.ts';
import { dpkgComparator } from './dpkg.ts';
import { apkComparator } from './apk.ts';
import { rpmComparator } from './rpm.ts';
import { cargoComparator, goComparator, npmComparator } from './semver.ts';
import { pep440Comparator } from './pep440.ts';
import { mavenComparator } from './maven.ts';
import { rubygemsComparator } from './rubygems.ts';
import { nugetComparator } from './nuget.ts';
import { composerComparator } from './composer.ts';

export type { VersionComparator } from './comparator.ts';

const BY_ECOSYSTEM: ReadonlyMap<string, VersionComparator> = new Map([
  ['Debian', dpkgComparator],
  ['Ubuntu', dpkgComparator],
  ['Alpine', apkComparator],
  ['Wolfi', apkComparator],
  ['Chainguard', apkComparator],
  ['Red Hat', rpmComparator],
  ['AlmaLinux', rpmComparator],
  ['Rocky Linux', rpmComparator],
  ['SUSE', rpmComparator],
  ['openSUSE', rpmComparator],
  ['Mageia', rpmComparator],
  ['openEuler', rpmComparator],
  ['npm', npmComparator],
  ['crates.io', cargoComparator],
  ['Go', goComparator],
  ['PyPI', pep440Comparator],
  ['Maven', mavenComparator],
  ['RubyGems', rubygemsComparator],
  ['NuGet', nugetComparator],
  ['Packagist', composerComparator],
]);

/** The ecosystem without its release: "Debian:12" -> "Debian". */
export function baseEcosystem(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i >= 0 ? ecosystem.slice(0, i) : ecosystem;
}

export function comparatorFor(ecosystem: string): VersionComparator | undefined {
  return BY_ECOSYSTEM.get(baseEcosystem(ecosystem));
}

export function knownEcosystems(): string[] {
  return [...BY_ECOSYSTEM.keys()];
}
