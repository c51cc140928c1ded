/**
 * How ecosystems and package names are keyed in the DB, so that the importer and the
 * lookup agree: "Debian:12" -> ("Debian", "12"); Ubuntu's ":LTS" marker is dropped
 * ("Ubuntu:22.04:LTS" -> ("Ubuntu", "22.04")); PyPI names are normalized as PEP 503
 * says ("Foo_Bar" -> "foo-bar"). Everything else is compared exactly.
 */

export interface EcosystemKey {
  base: string;
  release: string;
}

export function splitEcosystem(ecosystem: string): EcosystemKey {
  const i = ecosystem.indexOf(':');
  if (i < 0) return { base: ecosystem, release: '' };
  const base = ecosystem.slice(0, i);
  let release = ecosystem.slice(i + 1);
  if (base === 'Ubuntu') release = release.replace(/:LTS$/, '');
  return { base, release };
}

export function packageKey(base: string, name: string): string {
  if (base === 'PyPI') return name.toLowerCase().replace(/[-_.]+/g, '-');
  return name;
}

/**
 * The release an advisory would be keyed by, from an os-release VERSION_ID:
 * Alpine "3.20.3" -> "v3.20"; others unchanged ("12", "22.04").
 */
export function releaseKey(base: string, release: string): string {
  if (base === 'Alpine') {
    const m = /^v?(\d+)\.(\d+)/.exec(release);
    return m ? `v${m[1]}.${m[2]}` : release;
  }
  if (base === 'Ubuntu') return release.replace(/:LTS$/, '');
  return release;
}
