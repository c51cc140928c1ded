/**
 * Semantic Versioning 2.0 ordering for npm and crates.io (the `semver` package, npm's own
 * parser), and Go module versions: Go's semver with an optional "v", "+incompatible"
 * (build metadata, ignored in ordering) and pseudo-versions (pre-releases such as
 * v0.0.0-20191109021931-daa7c04131f5, which order correctly as pre-releases).
 */
import semver from 'semver';
import { invalidVersion, type VersionComparator } from './comparator.ts';

function strict(scheme: string, v: string): semver.SemVer {
  const p = semver.parse(v.trim(), { loose: false });
  if (!p) throw invalidVersion(scheme, v);
  return p;
}

function semverComparator(scheme: string, normalize: (v: string) => string): VersionComparator {
  return {
    scheme,
    compare: (a, b) => semver.compare(strict(scheme, normalize(a)), strict(scheme, normalize(b))),
    isValid: (v) => semver.parse(normalize(v.trim())) !== null,
  };
}

export const npmComparator = semverComparator('semver', (v) => v.replace(/^[=v]+/, ''));
export const cargoComparator = semverComparator('cargo-semver', (v) => v);
/**
 * Go: "v" optional (OSV's Go records omit it), "go" for toolchain versions ("go1.21"),
 * and Go's shorthands "v1" and "v1.19" (= v1.19.0, as golang.org/x/mod/semver reads them,
 * and as stdlib versions are often written); "+incompatible" is build metadata.
 */
export function normalizeGo(v: string): string {
  const s = v.replace(/^(v|go)/, '');
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(s);
  if (!m || (m[3] !== undefined) || !/^([-+].*)?$/.test(m[4] ?? '')) return s;
  return `${m[1]}.${m[2] ?? '0'}.0${m[4] ?? ''}`;
}
export const goComparator = semverComparator('go', normalizeGo);
