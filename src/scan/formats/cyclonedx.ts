/**
 * CycloneDX 1.6 JSON: the SBOM (`airlock sbom --format cyclonedx`), and with findings
 * the same document carries `vulnerabilities` with VEX `analysis` (CycloneDX VEX).
 * A scanner match is not an exploitability assessment, so unsuppressed findings are
 * `in_triage`; suppressed ones are `not_affected` with the suppression's reason.
 */
import { randomUUID } from 'node:crypto';
import type { Finding, Package, Severity } from '../types.ts';
import { idSource, sortFindings, type Format, type ReportInput } from './format.ts';

type Json = Record<string, unknown>;

export const AIRLOCK_PROPS = {
  ecosystem: 'airlock:package:ecosystem',
  foundBy: 'airlock:package:foundBy',
  location: 'airlock:package:location',
  layer: 'airlock:package:layer',
  sourceName: 'airlock:package:sourceName',
  sourceVersion: 'airlock:package:sourceVersion',
  distroRelease: 'airlock:package:distroRelease',
} as const;

/** Unique bom-refs: the purl, or purl plus location when a purl repeats. */
export function componentRefs(packages: readonly Package[]): string[] {
  const count = new Map<string, number>();
  for (const p of packages) count.set(p.purl, (count.get(p.purl) ?? 0) + 1);
  const used = new Set<string>();
  return packages.map((p, i) => {
    let ref = count.get(p.purl) === 1 ? p.purl : `${p.purl}|${p.locations[0] ?? ''}`;
    if (used.has(ref)) ref = `${ref}|${i}`;
    used.add(ref);
    return ref;
  });
}

function component(p: Package, ref: string): Json {
  const props: { name: string; value: string }[] = [
    { name: AIRLOCK_PROPS.ecosystem, value: p.ecosystem },
    { name: AIRLOCK_PROPS.foundBy, value: p.foundBy },
    ...p.locations.map((l) => ({ name: AIRLOCK_PROPS.location, value: l })),
  ];
  if (p.layer) props.push({ name: AIRLOCK_PROPS.layer, value: p.layer });
  if (p.sourceName) props.push({ name: AIRLOCK_PROPS.sourceName, value: p.sourceName });
  if (p.sourceVersion) props.push({ name: AIRLOCK_PROPS.sourceVersion, value: p.sourceVersion });
  if (p.distroRelease) props.push({ name: AIRLOCK_PROPS.distroRelease, value: p.distroRelease });
  return {
    'bom-ref': ref,
    type: 'library',
    name: p.name,
    // A package whose metadata names no version has none here either (not "").
    ...(p.version !== '' ? { version: p.version } : {}),
    purl: p.purl,
    ...(p.licenses && p.licenses.length > 0 ? { licenses: p.licenses.map((l) => ({ license: { name: l } })) } : {}),
    properties: props,
  };
}

const CDX_SEVERITY: Record<Severity, string> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low', NONE: 'none', UNKNOWN: 'unknown' };

/** OpenVEX justifications mapped onto CycloneDX's enumeration. */
const JUSTIFICATION: Record<string, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};
const CDX_JUSTIFICATIONS = new Set(['code_not_present', 'code_not_reachable', 'requires_configuration', 'requires_dependency', 'requires_environment', 'protected_by_compiler', 'protected_at_runtime', 'protected_at_perimeter', 'protected_by_mitigating_control']);

function vulnerability(f: Finding, ref: string | undefined, index: number): Json {
  const src = idSource(f.id);
  const ratings = (f.cvss ?? []).map((c) => ({
    source: { name: 'NVD' },
    score: c.score,
    severity: CDX_SEVERITY[f.severity],
    method: c.version === '4.0' ? 'CVSSv4' : c.version === '3.1' ? 'CVSSv31' : 'CVSSv3',
    vector: c.vector,
  }));
  if (ratings.length === 0) ratings.push({ severity: CDX_SEVERITY[f.severity] } as (typeof ratings)[number]);
  const j = f.suppressed ? (JUSTIFICATION[f.suppressed.justification] ?? (CDX_JUSTIFICATIONS.has(f.suppressed.justification) ? f.suppressed.justification : undefined)) : undefined;
  const response = f.status === 'fixed' ? ['update'] : f.status === 'wont-fix' ? ['will_not_fix'] : [];
  return {
    'bom-ref': `vuln-${index + 1}`,
    id: f.id,
    source: { name: src.name, ...(src.url ? { url: src.url } : {}) },
    ...(f.aliases.length > 0 ? { references: f.aliases.map((a) => ({ id: a, source: { name: idSource(a).name, ...(idSource(a).url ? { url: idSource(a).url } : {}) } })) } : {}),
    ratings,
    ...(f.summary ? { description: f.summary } : {}),
    ...(f.fixedVersions.length > 0 ? { recommendation: `Upgrade ${f.package.name} to ${f.fixedVersions.join(' or ')}` } : {}),
    ...(f.references && f.references.length > 0 ? { advisories: f.references.slice(0, 50).map((url) => ({ url })) } : {}),
    analysis: f.suppressed
      ? { state: 'not_affected', ...(j ? { justification: j } : {}), detail: `${f.suppressed.justification} (${f.suppressed.by})` }
      : { state: 'in_triage', ...(response.length > 0 ? { response } : {}) },
    affects: ref ? [{ ref }] : [],
  };
}

export function renderCycloneDx(input: ReportInput): Json {
  const { catalog } = input;
  const refs = componentRefs(catalog.packages);
  const byPkg = new Map<string, string>();
  catalog.packages.forEach((p, i) => {
    const k = `${p.purl}\u0000${p.locations[0] ?? ''}`;
    if (!byPkg.has(k)) byPkg.set(k, refs[i]!);
  });
  const isImage = catalog.target.kind === 'oci' || catalog.target.kind === 'docker-archive';
  const components: Json[] = [];
  if (catalog.os) {
    components.push({ 'bom-ref': 'os', type: 'operating-system', name: catalog.os.id, ...(catalog.os.versionId ? { version: catalog.os.versionId } : {}) });
  }
  components.push(...catalog.packages.map((p, i) => component(p, refs[i]!)));
  const doc: Json = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${input.documentId ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: input.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      tools: { components: [{ type: 'application', name: 'airlock', version: input.toolVersion }] },
      component: {
        'bom-ref': 'target',
        type: isImage ? 'container' : 'application',
        name: catalog.target.ref,
        ...(catalog.target.digest?.startsWith('sha256:') ? { hashes: [{ alg: 'SHA-256', content: catalog.target.digest.slice(7) }] } : {}),
        properties: [{ name: 'airlock:target:kind', value: catalog.target.kind }],
      },
      ...(input.db ? { properties: [{ name: 'airlock:db:builtAt', value: input.db.builtAt }] } : {}),
    },
    components,
    dependencies: [{ ref: 'target', dependsOn: components.map((c) => c['bom-ref'] as string) }, ...components.map((c) => ({ ref: c['bom-ref'] as string }))],
  };
  if (input.findings) {
    doc.vulnerabilities = sortFindings(input.findings).map((f, i) => vulnerability(f, byPkg.get(`${f.package.purl}\u0000${f.package.locations[0] ?? ''}`) ?? refs[catalog.packages.findIndex((p) => p.purl === f.package.purl)], i));
  }
  return doc;
}

export const cyclonedxFormat: Format = {
  name: 'cyclonedx',
  description: 'CycloneDX 1.6 JSON (SBOM; with findings, also VEX)',
  produces: 'both',
  mediaType: 'application/vnd.cyclonedx+json; version=1.6',
  render: (input) => JSON.stringify(renderCycloneDx(input), null, 2) + '\n',
};
