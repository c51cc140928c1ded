/**
 * `sbom:FILE`: CycloneDX (1.2-1.6) or SPDX (2.2/2.3) JSON in, Packages out. Components
 * are identified by their purl; components without one, or with a purl type no
 * ecosystem matches, are counted in a warning rather than dropped silently. The OS
 * comes from an `operating-system` component (CycloneDX) or an OPERATING-SYSTEM
 * package (SPDX), else from the purls' `distro` qualifier.
 */
import { AirlockError } from '../../common/errors.ts';
import { readFileBounded } from '../../common/fsx.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { distroRelease } from '../os-release.ts';
import { parsePurl, purlEcosystem } from '../catalogers/purl.ts';
import type { CatalogResult } from '../catalog.ts';
import type { OsRelease, Package } from '../types.ts';

const MAX_SBOM_BYTES = 512 * 1024 * 1024;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

interface RawComponent {
  purl?: string;
  name?: string;
  version?: string;
  licenses: string[];
  sourceName?: string;
  sourceVersion?: string;
}

function cdxLicenses(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const l of v) {
    if (!isObj(l)) continue;
    const e = str(l.expression);
    if (e) out.push(e);
    if (isObj(l.license)) {
      const x = str(l.license.id) ?? str(l.license.name);
      if (x) out.push(x);
    }
  }
  return out;
}

function fromCycloneDx(doc: Obj, source: string): { comps: RawComponent[]; os?: OsRelease } {
  const comps: RawComponent[] = [];
  let os: OsRelease | undefined;
  const walk = (list: unknown, depth: number): void => {
    if (!Array.isArray(list)) return;
    if (depth > 32) throw new AirlockError('BAD_INPUT', `${source}: components nested deeper than 32`);
    for (const c of list) {
      if (!isObj(c)) continue;
      if (c.type === 'operating-system' && str(c.name)) {
        os = { id: str(c.name)!.toLowerCase(), ...(str(c.version) ? { versionId: str(c.version)! } : {}) };
      } else {
        const props = Array.isArray(c.properties) ? c.properties.filter(isObj) : [];
        const prop = (n: string): string | undefined => str(props.find((p) => p.name === n)?.value);
        const srcName = prop('airlock:package:sourceName') ?? prop('aquasecurity:trivy:SrcName') ?? prop('syft:metadata:source');
        const srcVersion = prop('airlock:package:sourceVersion') ?? prop('aquasecurity:trivy:SrcVersion');
        const srcRelease = prop('aquasecurity:trivy:SrcRelease');
        const srcEpoch = prop('aquasecurity:trivy:SrcEpoch');
        const sv = srcVersion ? `${srcEpoch && srcEpoch !== '0' ? `${srcEpoch}:` : ''}${srcVersion}${srcRelease ? `-${srcRelease}` : ''}` : undefined;
        comps.push({
          ...(str(c.purl) ? { purl: str(c.purl)! } : {}),
          ...(str(c.name) ? { name: str(c.name)! } : {}),
          ...(str(c.version) ? { version: str(c.version)! } : {}),
          licenses: cdxLicenses(c.licenses),
          ...(srcName ? { sourceName: srcName } : {}),
          ...(sv ? { sourceVersion: sv } : {}),
        });
      }
      walk(c.components, depth + 1);
    }
  };
  walk(doc.components, 0);
  return { comps, ...(os ? { os } : {}) };
}

function fromSpdx(doc: Obj): { comps: RawComponent[]; os?: OsRelease } {
  const comps: RawComponent[] = [];
  let os: OsRelease | undefined;
  // The package the document DESCRIBES is the scanned thing itself, not a dependency.
  const described = new Set<string>();
  for (const r of Array.isArray(doc.relationships) ? doc.relationships : []) {
    if (isObj(r) && r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES' && typeof r.relatedSpdxElement === 'string') described.add(r.relatedSpdxElement);
  }
  for (const id of Array.isArray(doc.documentDescribes) ? doc.documentDescribes : []) if (typeof id === 'string') described.add(id);
  for (const p of Array.isArray(doc.packages) ? doc.packages : []) {
    if (!isObj(p)) continue;
    if (typeof p.SPDXID === 'string' && described.has(p.SPDXID) && !(Array.isArray(p.externalRefs) && p.externalRefs.length > 0)) continue;
    if (p.primaryPackagePurpose === 'OPERATING-SYSTEM' && str(p.name)) {
      os = { id: str(p.name)!.toLowerCase(), ...(str(p.versionInfo) ? { versionId: str(p.versionInfo)! } : {}) };
      continue;
    }
    const refs = Array.isArray(p.externalRefs) ? p.externalRefs.filter(isObj) : [];
    const purlRef = refs.find((r) => r.referenceType === 'purl');
    const lic = str(p.licenseConcluded) ?? str(p.licenseDeclared);
    comps.push({
      ...(str(purlRef?.referenceLocator) ? { purl: str(purlRef?.referenceLocator)! } : {}),
      ...(str(p.name) ? { name: str(p.name)! } : {}),
      ...(str(p.versionInfo) ? { version: str(p.versionInfo)! } : {}),
      licenses: lic && lic !== 'NOASSERTION' && lic !== 'NONE' ? [lic] : [],
    });
  }
  return { comps, ...(os ? { os } : {}) };
}

export interface ParsedSbom {
  packages: Package[];
  /** The OS the document names (an operating-system component, else a purl's distro). */
  os?: OsRelease;
  warnings: string[];
  format: 'cyclonedx' | 'spdx';
}

/** The first non-blank characters, to name the forms that are not JSON. */
function notJson(bytes: Uint8Array, source: string): AirlockError | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('utf8').replace(/^\uFEFF?\s*/, '');
  if (head.startsWith('<')) return new AirlockError('UNSUPPORTED', `${source}: XML (CycloneDX XML?) is not read; CycloneDX and SPDX JSON are`);
  if (/^(?:SPDXVersion|DataLicense|SPDXID|DocumentName)\s*:/.test(head)) return new AirlockError('UNSUPPORTED', `${source}: SPDX tag-value is not read; SPDX JSON is`);
  return undefined;
}

/**
 * Pure: SBOM bytes to packages, found by `foundBy` (sbom-cyclonedx or sbom-spdx when not
 * given) at the SBOM's own path. Throws an AirlockError naming `source` for anything that
 * is not a CycloneDX or SPDX 2.2/2.3 JSON document of at most `maxBytes`.
 */
export function parseSbom(bytes: Uint8Array, source: string, options: { maxBytes?: number; foundBy?: string } = {}): ParsedSbom {
  const fail = notJson(bytes, source);
  if (fail) throw fail;
  const doc = parseJsonStrict(bytes, source, { maxBytes: options.maxBytes ?? MAX_SBOM_BYTES });
  if (!isObj(doc)) throw new AirlockError('BAD_INPUT', `${source}: not a JSON object`);
  let format: 'cyclonedx' | 'spdx';
  let parsed: { comps: RawComponent[]; os?: OsRelease };
  if (doc.bomFormat === 'CycloneDX') {
    format = 'cyclonedx';
    parsed = fromCycloneDx(doc, source);
  } else if (typeof doc.spdxVersion === 'string') {
    if (!/^SPDX-2\.[23]$/.test(doc.spdxVersion)) throw new AirlockError('UNSUPPORTED', `${source}: ${doc.spdxVersion} is not supported (SPDX 2.2 and 2.3 JSON are)`);
    format = 'spdx';
    parsed = fromSpdx(doc);
  } else {
    throw new AirlockError('BAD_INPUT', `${source}: neither CycloneDX JSON (bomFormat) nor SPDX JSON (spdxVersion)`);
  }
  const packages: Package[] = [];
  let noPurl = 0;
  const unknown = new Map<string, number>();
  let os = parsed.os;
  for (const c of parsed.comps) {
    const parts = c.purl ? parsePurl(c.purl) : undefined;
    if (!parts || !c.purl) {
      noPurl++;
      continue;
    }
    const eco = purlEcosystem(parts);
    if (!eco) {
      unknown.set(parts.type, (unknown.get(parts.type) ?? 0) + 1);
      continue;
    }
    const distro = parts.qualifiers?.distro;
    if (!os && distro) {
      const m = /^([a-z]+)-(.+)$/.exec(distro);
      if (m) os = { id: m[1]!, versionId: m[2]! };
    }
    let version = parts.version ?? c.version ?? '';
    const epoch = parts.qualifiers?.epoch;
    if (epoch && epoch !== '0' && !version.includes(':')) version = `${epoch}:${version}`;
    const osPkg = ['deb', 'apk', 'rpm'].includes(parts.type);
    const up = parts.qualifiers?.upstream;
    const at = up ? up.indexOf('@') : -1;
    const upstream = up ? (at > 0 ? { name: up.slice(0, at), version: up.slice(at + 1) } : { name: up }) : undefined;
    const release = osPkg ? distroRelease(os) : undefined;
    packages.push({
      ecosystem: eco.ecosystem,
      name: eco.name,
      version,
      purl: c.purl,
      ...(release ? { distroRelease: release } : {}),
      ...(osPkg ? { sourceName: c.sourceName ?? upstream?.name ?? eco.name, sourceVersion: c.sourceVersion ?? upstream?.version ?? version } : {}),
      locations: [source],
      foundBy: options.foundBy ?? `sbom-${format}`,
      ...(c.licenses.length > 0 ? { licenses: c.licenses } : {}),
    });
  }
  const warnings: string[] = [];
  if (noPurl > 0) warnings.push(`${source}: ${noPurl} component(s) without a purl were not scanned`);
  for (const [t, n] of unknown) warnings.push(`${source}: ${n} component(s) of purl type "${t}" have no vulnerability ecosystem and were not scanned`);
  return { packages, ...(os ? { os } : {}), warnings, format };
}

export async function readSbomTarget(path: string): Promise<CatalogResult> {
  const bytes = await readFileBounded(path, MAX_SBOM_BYTES, 'SBOM');
  const r = parseSbom(bytes, path);
  return { target: { kind: 'sbom', ref: path }, ...(r.os ? { os: r.os } : {}), packages: r.packages, warnings: r.warnings };
}
