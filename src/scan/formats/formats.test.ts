import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { CatalogResult } from '../catalog.ts';
import { parseSbom } from '../targets/sbom.ts';
import type { Finding, Package } from '../types.ts';
import { renderCycloneDx } from './cyclonedx.ts';
import { notMatchedNotes, type ReportInput } from './format.ts';
import { renderJsonReport } from './json.ts';
import { FORMATS, getFormat } from './registry.ts';
import { renderSarif } from './sarif.ts';
import { renderSpdx } from './spdx.ts';
import { renderTable } from './table.ts';
import { pypiPackage } from '../catalogers/python.ts';

const schema = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

function cdxValidator(): (doc: unknown) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    const { $id: _id, ...rest } = schema(name);
    ajv.addSchema(rest, `http://cyclonedx.org/schema/${name}`);
  }
  const validate = ajv.compile(schema('bom-1.6.SNAPSHOT.schema.json'));
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

const PACKAGES: Package[] = [
  { ecosystem: 'Debian', name: 'libssl3', version: '3.0.11-1~deb12u2', purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl', distroRelease: '12', sourceName: 'openssl', sourceVersion: '3.0.11-1~deb12u2', locations: ['var/lib/dpkg/status'], foundBy: 'dpkg', licenses: ['GPLv2+ and weird'], layer: 'sha256:' + 'a'.repeat(64) },
  { ecosystem: 'npm', name: '@scope/a', version: '1.0.0', purl: 'pkg:npm/%40scope/a@1.0.0', locations: ['app/node_modules/@scope/a/package.json'], foundBy: 'npm', licenses: ['MIT'] },
  { ecosystem: 'npm', name: '@scope/a', version: '1.0.0', purl: 'pkg:npm/%40scope/a@1.0.0', locations: ['other/node_modules/@scope/a/package.json'], foundBy: 'npm' },
  { ecosystem: 'Maven', name: 'log4j:log4j', version: '1.2.17', purl: 'pkg:maven/log4j/log4j@1.2.17', locations: ['app.war!/WEB-INF/lib/log4j-1.2.17.jar'], foundBy: 'java-archive' },
];
const CATALOG: CatalogResult = { target: { kind: 'oci', ref: 'img:v1', digest: 'sha256:' + 'b'.repeat(64) }, os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' }, packages: PACKAGES, warnings: ['rpm: x: unsupported'] };
const FINDINGS: Finding[] = [
  { id: 'CVE-2024-0001', aliases: ['DSA-5000-1'], package: PACKAGES[0]!, severity: 'HIGH', cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', score: 7.5 }], fixedVersions: ['3.0.13-1~deb12u1'], status: 'fixed', summary: 'openssl: something bad' },
  { id: 'GHSA-xxxx-yyyy-zzzz', aliases: ['CVE-2024-0002'], package: PACKAGES[1]!, severity: 'CRITICAL', fixedVersions: [], status: 'unfixed' },
  { id: 'CVE-2021-44228', aliases: [], package: PACKAGES[3]!, severity: 'LOW', fixedVersions: ['2.15.0'], status: 'fixed', suppressed: { by: 'vex.json', justification: 'vulnerable_code_not_in_execute_path' } },
];
const input = (findings?: Finding[]): ReportInput => ({ catalog: CATALOG, ...(findings ? { findings } : {}), generatedAt: new Date('2026-11-23T10:00:00.123Z'), toolVersion: '0.1.0', documentId: '6f1c1b8e-1111-4222-8333-944445555666', db: { builtAt: '2026-11-20T00:00:00Z' } });

test('CycloneDX 1.6 SBOM and VEX validate against the published JSON schema', () => {
  const validate = cdxValidator();
  const sbom = renderCycloneDx(input());
  assert.deepEqual(validate(sbom), []);
  assert.equal(sbom.specVersion, '1.6');
  assert.equal(sbom.serialNumber, 'urn:uuid:6f1c1b8e-1111-4222-8333-944445555666');
  const refs = (sbom.components as { 'bom-ref': string }[]).map((c) => c['bom-ref']);
  assert.equal(new Set(refs).size, refs.length, 'bom-refs are unique even when a purl repeats');
  assert.equal(sbom.vulnerabilities, undefined);
  const vex = renderCycloneDx(input(FINDINGS));
  assert.deepEqual(validate(vex), []);
  const vulns = vex.vulnerabilities as { id: string; analysis: { state: string; justification?: string }; affects: { ref: string }[]; ratings: { method?: string; score?: number }[] }[];
  assert.deepEqual(vulns.map((v) => v.id), ['GHSA-xxxx-yyyy-zzzz', 'CVE-2024-0001', 'CVE-2021-44228']);
  assert.deepEqual(vulns[2]!.analysis, { state: 'not_affected', justification: 'code_not_reachable', detail: 'vulnerable_code_not_in_execute_path (vex.json)' });
  assert.equal(vulns[1]!.ratings[0]!.method, 'CVSSv31');
  for (const v of vulns) assert.ok(refs.includes(v.affects[0]!.ref));
  // the schema check is real: a broken document fails it
  assert.notDeepEqual(validate({ ...sbom, specVersion: 1.6 }), []);
});

test('SPDX 2.3: required document and package fields, valid SPDX ids, relationships point at packages', () => {
  const doc = renderSpdx(input()) as { [k: string]: unknown; packages: Record<string, unknown>[]; relationships: Record<string, string>[] };
  for (const k of ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo']) assert.ok(doc[k], k);
  assert.equal(doc.spdxVersion, 'SPDX-2.3');
  assert.equal(doc.dataLicense, 'CC0-1.0');
  assert.match(String(doc.documentNamespace), /^https:\/\/[^#]+$/);
  assert.match((doc.creationInfo as { created: string }).created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const ids = new Set(doc.packages.map((p) => p.SPDXID as string));
  assert.equal(ids.size, doc.packages.length);
  for (const p of doc.packages) {
    assert.match(p.SPDXID as string, /^SPDXRef-[A-Za-z0-9.-]+$/);
    for (const k of ['name', 'downloadLocation', 'copyrightText', 'licenseConcluded', 'licenseDeclared']) assert.ok(p[k], `${String(p.SPDXID)} ${k}`);
    assert.equal(p.filesAnalyzed, false);
  }
  for (const r of doc.relationships) {
    assert.ok(r.spdxElementId === 'SPDXRef-DOCUMENT' || ids.has(r.spdxElementId!));
    assert.ok(ids.has(r.relatedSpdxElement!));
  }
});

test('our CycloneDX and SPDX read back through sbom: give the same packages', () => {
  for (const name of ['cyclonedx', 'spdx']) {
    const text = getFormat(name, 'sbom').render(input());
    const back = parseSbom(Buffer.from(text), `bom.${name}.json`);
    assert.deepEqual(back.warnings, []);
    assert.deepEqual(back.os, { id: 'debian', versionId: '12' });
    assert.deepEqual(
      back.packages.map((p) => [p.ecosystem, p.name, p.version, p.purl, p.distroRelease, p.sourceName]),
      PACKAGES.map((p) => [p.ecosystem, p.name, p.version, p.purl, p.distroRelease, p.sourceName]),
    );
  }
});

test('SARIF 2.1.0: one rule per id, results located at the package file, suppressions kept', () => {
  const s = renderSarif(input(FINDINGS)) as { version: string; runs: { tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; suppressions?: unknown[] }[] }[] };
  assert.equal(s.version, '2.1.0');
  const run = s.runs[0]!;
  assert.deepEqual(run.tool.driver.rules.map((r) => r.id), ['GHSA-xxxx-yyyy-zzzz', 'CVE-2024-0001', 'CVE-2021-44228']);
  assert.equal(run.tool.driver.rules[1]!.properties['security-severity'], '7.5');
  assert.deepEqual(run.results.map((r) => [r.ruleId, r.level, run.tool.driver.rules[r.ruleIndex]!.id]), [
    ['GHSA-xxxx-yyyy-zzzz', 'error', 'GHSA-xxxx-yyyy-zzzz'],
    ['CVE-2024-0001', 'error', 'CVE-2024-0001'],
    ['CVE-2021-44228', 'note', 'CVE-2021-44228'],
  ]);
  assert.equal(run.results[1]!.locations[0]!.physicalLocation.artifactLocation.uri, 'var/lib/dpkg/status');
  assert.equal(run.results[2]!.suppressions?.length, 1);
});

test('JSON report: stable schema id, summary counts exclude suppressed findings, DB age stated', () => {
  const r = renderJsonReport(input(FINDINGS)) as { schema: string; summary: { findings: number; suppressed: number; bySeverity: Record<string, number> }; db: { ageSeconds: number }; findings: Finding[] };
  assert.equal(r.schema, 'airlock.scan/v1');
  assert.deepEqual(r.summary, { packages: 4, findings: 2, suppressed: 1, bySeverity: { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0, NONE: 0, UNKNOWN: 0 } });
  assert.equal(r.db.ageSeconds, 3 * 86400 + 36000);
  assert.equal(r.findings[0]!.severity, 'CRITICAL');
});

test('table: grouped by file, worst first, coloured only when asked, DB build time shown', () => {
  const plain = renderTable(input(FINDINGS));
  assert.ok(!plain.includes('\u001b['));
  assert.match(plain, /Vulnerability DB built: 2026-11-20T00:00:00Z/);
  assert.match(plain, /Findings: 2 \(CRITICAL 1, HIGH 1\)\s+Suppressed: 1/);
  const groups = plain.split('\n').filter((l) => / \(\d+\)$/.test(l));
  assert.deepEqual(groups, ['app/node_modules/@scope/a/package.json (1)', 'var/lib/dpkg/status (1)']);
  assert.ok(!plain.includes('CVE-2021-44228'), 'suppressed findings are counted, not listed');
  assert.ok(renderTable({ ...input(FINDINGS), color: true }).includes("\u001b[91mCRITICAL"));
  assert.match(renderTable(input([])), /No vulnerabilities found\./);
});

test('format registry: names, and a clear usage error for a format that cannot do the job', () => {
  assert.deepEqual(FORMATS.map((f) => f.name), ['table', 'json', 'sarif', 'cyclonedx', 'spdx']);
  assert.throws(() => getFormat('sarif', 'sbom'), /unknown SBOM format "sarif" \(choose json, cyclonedx, spdx\)/);
  assert.throws(() => getFormat('spdx', 'findings'), /unknown report format "spdx"/);
});

test('a package without a version: no version field in CycloneDX and SPDX, a purl without @, and every report says it was not matched', () => {
  const bare = pypiPackage('no-version', '', 'site-packages/no-version-py3.8.egg-info', 'python');
  assert.equal(bare.purl, 'pkg:pypi/no-version');
  const catalogResult: CatalogResult = { ...CATALOG, packages: [...PACKAGES, bare] };
  const withBare: ReportInput = { ...input(FINDINGS), catalog: catalogResult, notMatched: { noComparator: { Hackage: 2 }, noVersion: [{ purl: bare.purl, location: bare.locations[0]! }] } };
  const sbomInput: ReportInput = { ...input(), catalog: catalogResult };

  const cdx = renderCycloneDx(sbomInput);
  assert.deepEqual(cdxValidator()(cdx), []);
  const comp = (cdx.components as Record<string, unknown>[]).find((c) => c.name === 'no-version')!;
  assert.equal('version' in comp, false);
  assert.equal(comp.purl, 'pkg:pypi/no-version');
  const spdx = renderSpdx(sbomInput) as { packages: Record<string, unknown>[] };
  const sp = spdx.packages.find((p) => p.name === 'no-version')!;
  assert.equal('versionInfo' in sp, false);
  // Both read back as the same versionless package.
  for (const name of ['cyclonedx', 'spdx']) {
    const back = parseSbom(Buffer.from(getFormat(name, 'sbom').render(sbomInput)), `bom.${name}.json`);
    assert.deepEqual(back.packages.filter((p) => p.name === 'no-version').map((p) => [p.ecosystem, p.version, p.purl]), [['PyPI', '', 'pkg:pypi/no-version']]);
  }

  const json = renderJsonReport(withBare) as { summary: { packages: number }; packages: Package[]; notMatched: unknown };
  assert.equal(json.summary.packages, 5);
  assert.deepEqual(json.packages.at(-1), bare);
  assert.deepEqual(json.notMatched, { noComparator: { Hackage: 2 }, noVersion: [{ purl: 'pkg:pypi/no-version', location: 'site-packages/no-version-py3.8.egg-info' }] });
  assert.equal((renderJsonReport(input(FINDINGS)) as { notMatched?: unknown }).notMatched, undefined, 'an SBOM has nothing to say about matching');

  const table = renderTable(withBare);
  assert.match(table, /^note: 2 Hackage package\(s\) not matched: no version comparator for Hackage$/m);
  assert.match(table, /^note: 1 package\(s\) without a version not matched: pkg:pypi\/no-version \(site-packages\/no-version-py3\.8\.egg-info\)$/m);

  const sarif = renderSarif(withBare) as { runs: { invocations?: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string } }[] }[] }[] };
  const notes = sarif.runs[0]!.invocations![0]!.toolExecutionNotifications;
  assert.deepEqual(notes.map((n) => n.level), ['note', 'note']);
  assert.match(notes[1]!.message.text, /without a version not matched: pkg:pypi\/no-version/);
  assert.equal((renderSarif(input(FINDINGS)) as { runs: { invocations?: unknown }[] }).runs[0]!.invocations, undefined);
});

test('not-matched notes: a long list of versionless packages is cut after ten', () => {
  const noVersion = Array.from({ length: 13 }, (_, i) => ({ purl: `pkg:npm/p${i}` }));
  assert.deepEqual(notMatchedNotes({ noComparator: {}, noVersion }), [`13 package(s) without a version not matched: ${noVersion.slice(0, 10).map((p) => p.purl).join(', ')}, and 3 more`]);
  assert.deepEqual(notMatchedNotes({ noComparator: {}, noVersion: [] }), []);
});
