/**
 * SBOM documents lying in a scanned tree (`*.cdx.json`, `*.spdx.json`, `*.cdx`, `*.spdx`,
 * the names Trivy's sbom analyzer takes; Syft's sbom-cataloger reads the same): their
 * language components are reported as packages found at the SBOM file, so that software
 * shipped with only an SBOM to describe it (Bitnami's `.spdx-<name>.spdx`, an app's
 * bundled `bom.cdx.json`) is in the inventory. CycloneDX and SPDX 2.2/2.3 JSON are read
 * by the same parser as `sbom:FILE` targets; a file that is not one of those, or is larger
 * than MAX_EMBEDDED_SBOM_BYTES, is a warning naming it.
 *
 * OS packages (deb, apk, rpm purls) listed in such a file are left out: the OS inventory
 * comes from the package database of the scanned system. An SBOM that describes this
 * same system (Chainguard images carry one per apk package) would only repeat it, and one
 * that describes some other system (an image's SBOM kept on a build host, test data)
 * would put foreign packages under this system's distro advisories. When the document
 * names another OS, or none, the packages left out are counted in a warning.
 */
import type { OsRelease, Package } from '../types.ts';
import { parseSbom } from '../targets/sbom.ts';
import { MAX_METADATA_BYTES, type CatalogContext, type Cataloger } from './cataloger.ts';
import { parsePurl } from './purl.ts';

export const EMBEDDED_SBOM_SUFFIXES = ['.cdx.json', '.spdx.json', '.cdx', '.spdx'] as const;
export const MAX_EMBEDDED_SBOM_BYTES = MAX_METADATA_BYTES;
const OS_TYPES = new Set(['deb', 'apk', 'rpm']);
const NAME = 'embedded-sbom';

/** purl namespaces that stand for an os-release ID other than themselves. */
const NAMESPACE_OS: Record<string, string> = { redhat: 'rhel' };

/** Whether packages listed for `listed` (or, lacking it, under these purl namespaces) belong to the system `scanned`. */
function sameSystem(scanned: OsRelease | undefined, listed: OsRelease | undefined, namespaces: ReadonlySet<string>): boolean {
  if (!scanned) return false;
  if (listed) return listed.id === scanned.id;
  return namespaces.size > 0 && [...namespaces].every((ns) => (NAMESPACE_OS[ns] ?? ns) === scanned.id);
}

/** Pure: the packages an SBOM file in a tree contributes, and what to say about it. */
export function embeddedSbomPackages(bytes: Uint8Array, path: string, scannedOs?: OsRelease): { packages: Package[]; warnings: string[] } {
  const r = parseSbom(bytes, path, { maxBytes: MAX_EMBEDDED_SBOM_BYTES, foundBy: NAME });
  const packages: Package[] = [];
  const osTypes = new Map<string, number>();
  const namespaces = new Set<string>();
  for (const p of r.packages) {
    const parts = parsePurl(p.purl);
    if (parts && OS_TYPES.has(parts.type)) {
      osTypes.set(parts.type, (osTypes.get(parts.type) ?? 0) + 1);
      namespaces.add((parts.namespace ?? '').toLowerCase());
    } else {
      packages.push(p);
    }
  }
  const warnings = [...r.warnings];
  if (osTypes.size > 0 && !sameSystem(scannedOs, r.os, namespaces)) {
    const n = [...osTypes.values()].reduce((a, b) => a + b, 0);
    const types = [...osTypes.keys()].sort().join(', ');
    const of = r.os ? ` of ${r.os.id}${r.os.versionId ? ` ${r.os.versionId}` : ''}` : '';
    warnings.push(`${path}: ${n} OS package(s) (${types})${of} listed in this SBOM were left out; OS packages come from the package database of the scanned system`);
  }
  return { packages, warnings };
}

export const embeddedSbomCataloger: Cataloger = {
  name: NAME,
  kind: 'installed',
  hint: { suffixes: EMBEDDED_SBOM_SUFFIXES },
  matches: (p) => EMBEDDED_SBOM_SUFFIXES.some((s) => p.endsWith(s)),
  async catalog(ctx: CatalogContext, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      const bytes = await ctx.fs.readFile(path, MAX_EMBEDDED_SBOM_BYTES);
      if (bytes === undefined) continue;
      const r = embeddedSbomPackages(bytes, path, ctx.os);
      for (const w of r.warnings) ctx.warn(w);
      out.push(...r.packages);
    }
    return out;
  },
};
