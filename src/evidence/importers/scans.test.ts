/**
 * The vulnerability-scan importers (airlock-scan, trivy, grype) on a real airlock report
 * of a real image, on Trivy's and Grype's own reports from the shared data set, on
 * reports rendered by airlock's JSON format for edge cases, and on hostile input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderJsonReport } from '../../scan/formats/json.ts';
import type { Finding, Package } from '../../scan/types.ts';
import { sharedData } from '../../../test/helpers/env.ts';
import { importContext, testdata } from '../../../test/helpers/evidence.ts';
import type { EvidenceDraft } from '../types.ts';
import { airlockScanImporter } from './airlock-scan.ts';
import { grypeImporter } from './grype.ts';
import { LIMITS } from './importer.ts';
import { importDocument } from './ingest.ts';
import type { ScanPayload } from './scan-payload.ts';
import { trivyImporter } from './trivy.ts';

type Obj = Record<string, unknown>;
const readJson = (path: string): Obj => JSON.parse(readFileSync(path, 'utf8')) as Obj;
const payloadOf = (d: EvidenceDraft): ScanPayload => d.payload as ScanPayload;
const badInput = (fn: () => unknown, re: RegExp): void =>
  assert.throws(fn, (e: Error & { code?: string }) => {
    assert.equal(e.code, 'BAD_INPUT', e.message);
    assert.match(e.message, re);
    return true;
  });

const SCAN_CONTROLS = ['nist-800-53-r5:ra-5', 'nist-800-53-r5:si-2', 'fedramp-high:ra-5', 'pci-dss-4.0:11.3.1', 'pci-dss-4.0:6.3.3', 'iso-27001-2022:A.8.8', 'soc2:CC7.1', 'cmmc-l3:RA.L2-3.11.2', 'nist-csf-2.0:ID.RA-01', 'fz-152:АНЗ.1', 'fstec-239:АУД.2', 'uae-nesa:T7.6.1'];

test('airlock-scan: a real report of an OCI image becomes one record keyed by the image digest', async () => {
  const file = testdata('airlock-scan-oci.json');
  const raw = readJson(file) as { target: { ref: string; digest: string }; generatedAt: string; db: { builtAt: string; ageSeconds: number }; findings: Obj[]; summary: { packages: number } };
  const [d, ...rest] = airlockScanImporter.import(raw, await importContext(file));
  assert.equal(rest.length, 0);
  assert.ok(d);
  assert.equal(d.kind, 'vulnerability-scan');
  assert.equal(d.source, 'airlock-scan');
  assert.equal(d.subject, `image:${raw.target.ref}@${raw.target.digest}`);
  assert.equal(d.observedAt, raw.generatedAt);
  // The CRITICAL minimist finding is suppressed in the fixture; lodash (HIGH) is not.
  assert.equal(d.outcome, 'fail');
  assert.equal(d.severity, 'high');
  for (const c of SCAN_CONTROLS) assert.ok(d.controls.includes(c), c);
  assert.deepEqual([...d.controls].sort(), d.controls);
  const p = payloadOf(d);
  assert.deepEqual(p.db, { builtAt: raw.db.builtAt, ageSeconds: raw.db.ageSeconds });
  assert.equal(p.summary.packages, raw.summary.packages);
  assert.equal(p.summary.findings + p.summary.suppressed, raw.findings.length);
  assert.equal(p.summary.suppressed, raw.findings.filter((f) => f.suppressed).length);
  assert.equal('packages' in p, false);
  assert.equal(JSON.stringify(p).includes('"locations"'), false);
  const suppressed = p.findings.find((f) => f.suppressed);
  assert.equal(suppressed?.id, 'CVE-2021-44906');
  assert.equal(suppressed?.severity, 'critical');
  const lodash = p.findings.find((f) => f.package.name === 'lodash');
  assert.deepEqual(lodash && { id: lodash.id, aliases: lodash.aliases, version: lodash.package.version, fixed: lodash.fixedVersions, cvss: lodash.cvssScore }, {
    id: 'CVE-2021-23337',
    aliases: ['GHSA-35jh-r3h4-6jhm'],
    version: '4.17.20',
    fixed: ['4.17.21'],
    cvss: 7.2,
  });
  assert.match(d.title, /^airlock: 2 vulnerabilities \(1 high\) in \.\/layout:app$/);
});

function report(findings: Finding[], target: { kind: 'rootfs' | 'oci' | 'sbom'; ref: string; digest?: string }, packages: Package[] = []): Obj {
  return renderJsonReport({
    catalog: { target, packages, warnings: ['rpm: var/lib/rpm/Packages: not supported'] },
    findings,
    db: { builtAt: '2026-11-20T00:00:00Z' },
    generatedAt: new Date('2026-11-21T00:00:00Z'),
    toolVersion: '0.1.0',
  });
}

const finding = (id: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding => ({
  id,
  aliases: [],
  package: { ecosystem: 'npm', name: `pkg-${id}`, version: '1.0.0', purl: `pkg:npm/pkg-${id}@1.0.0`, locations: ['package-lock.json'] },
  severity,
  fixedVersions: [],
  status: 'unfixed',
  ...extra,
});

test('airlock-scan: outcome and severity rules, subjects of other targets', async () => {
  const ctx = await importContext('r.json');
  const clean = airlockScanImporter.import(report([], { kind: 'rootfs', ref: '/' }), ctx)[0]!;
  assert.deepEqual([clean.outcome, clean.severity, clean.subject], ['pass', 'info', 'path:/']);
  assert.equal(payloadOf(clean).db?.ageSeconds, 86_400);
  assert.deepEqual(payloadOf(clean).warnings, ['rpm: var/lib/rpm/Packages: not supported']);
  const medium = airlockScanImporter.import(report([finding('A', 'MEDIUM'), finding('B', 'UNKNOWN'), finding('C', 'LOW')], { kind: 'sbom', ref: 'app.cdx.json' }), ctx)[0]!;
  assert.deepEqual([medium.outcome, medium.severity, medium.subject], ['pass', 'medium', 'sbom:app.cdx.json']);
  const unknownOnly = airlockScanImporter.import(report([finding('B', 'UNKNOWN'), finding('N', 'NONE')], { kind: 'rootfs', ref: '/' }), ctx)[0]!;
  assert.deepEqual([unknownOnly.outcome, unknownOnly.severity], ['pass', 'unknown']);
  const critical = airlockScanImporter.import(report([finding('A', 'LOW'), finding('Z', 'CRITICAL')], { kind: 'oci', ref: 'layout:app', digest: `sha256:${'a'.repeat(64)}` }), ctx)[0]!;
  assert.deepEqual([critical.outcome, critical.severity, critical.subject], ['fail', 'critical', `image:layout:app@sha256:${'a'.repeat(64)}`]);
  assert.deepEqual(payloadOf(critical).findings.map((f) => f.id), ['Z', 'A'], 'worst first');
  const allSuppressed = airlockScanImporter.import(report([finding('Z', 'CRITICAL', { suppressed: { by: 'vex.json', justification: 'not reachable' } })], { kind: 'rootfs', ref: '/' }), ctx)[0]!;
  assert.deepEqual([allSuppressed.outcome, allSuppressed.severity, payloadOf(allSuppressed).summary.suppressed], ['pass', 'info', 1]);
});

test('airlock-scan: findings beyond the cap are counted, the worst kept, the summary complete', async () => {
  const n = LIMITS.findingsPerRecord + 25;
  const many = Array.from({ length: n }, (_, i) => finding(`CVE-2026-${String(i).padStart(5, '0')}`, i === n - 1 ? 'CRITICAL' : 'LOW'));
  const d = airlockScanImporter.import(report(many, { kind: 'rootfs', ref: '/' }), await importContext('big.json'))[0]!;
  const p = payloadOf(d);
  assert.equal(p.findings.length, LIMITS.findingsPerRecord);
  assert.deepEqual(p.truncated, { findings: 25 });
  assert.equal(p.summary.findings, n);
  assert.equal(p.summary.bySeverity.low, n - 1);
  assert.equal(p.findings[0]?.severity, 'critical');
  assert.equal(d.severity, 'critical');
});

test('airlock-scan: hostile and wrong input is refused naming the file and the field', async () => {
  const ctx = await importContext('scan.json');
  const good = readJson(testdata('airlock-scan-oci.json'));
  badInput(() => airlockScanImporter.import({ ...good, schema: 'airlock.scan/v2' }, ctx), /^scan\.json: not an airlock scan report .*: schema: /);
  badInput(() => airlockScanImporter.import({ ...good, findings: 'none' }, ctx), /^scan\.json: .*: findings: /);
  badInput(() => airlockScanImporter.import({ ...good, generatedAt: '2026-11-23 10:00:00' }, ctx), /^scan\.json: generatedAt: .* not a timestamp with a time zone/);
  badInput(() => airlockScanImporter.import({ ...good, target: { kind: 'oci', ref: 'x', digest: 'sha256:zz' } }, ctx), /target\.digest: must be sha256/);
  const f0 = (good.findings as Obj[])[0]!;
  badInput(() => airlockScanImporter.import({ ...good, findings: [{ ...f0, severity: 'SEVERE' }] }, ctx), /findings\.0\.severity/);
  const { id: _id, ...noId } = f0;
  badInput(() => airlockScanImporter.import({ ...good, findings: [noId] }, ctx), /findings\.0\.id/);
  badInput(() => airlockScanImporter.import([good], ctx), /\(document\)/);
  const text = readFileSync(testdata('airlock-scan-oci.json'), 'utf8').replace('"schema": "airlock.scan/v1",', '"schema": "airlock.scan/v1", "schema": "airlock.scan/v1",');
  badInput(() => importDocument(text, 'airlock-scan', ctx), /^scan\.json: invalid JSON: duplicate key "schema"/);
});

test('airlock-scan: long target references are bounded and stay distinct', async () => {
  const ctx = await importContext('r.json');
  const a = airlockScanImporter.import(report([], { kind: 'rootfs', ref: `/${'x'.repeat(3000)}a` }), ctx)[0]!;
  const b = airlockScanImporter.import(report([], { kind: 'rootfs', ref: `/${'x'.repeat(3000)}b` }), ctx)[0]!;
  assert.ok(a.subject.length <= LIMITS.subjectChars && b.subject.length <= LIMITS.subjectChars);
  assert.notEqual(a.subject, b.subject);
  assert.ok(a.title.length <= LIMITS.titleChars);
});

/** Counts of the report computed straight from Trivy's own fields. */
function trivyCounts(raw: Obj): { vulns: number; failing: number } {
  const vulns = ((raw.Results as Obj[] | undefined) ?? []).flatMap((r) => (r.Vulnerabilities as Obj[] | undefined) ?? []);
  return { vulns: vulns.length, failing: vulns.filter((v) => v.Severity === 'CRITICAL' || v.Severity === 'HIGH').length };
}

test('trivy: every real Trivy JSON report in the shared data imports as one record per report', async (t) => {
  const dir = sharedData(t, 'vuln', 'reports', 'trivy');
  if (!dir) return;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  let imported = 0;
  for (const f of files) {
    const path = join(dir, f);
    const raw = readJson(path);
    const ctx = await importContext(f);
    if (raw.SchemaVersion !== 2) {
      // npm-cyclonedx.json is Trivy's CycloneDX output, not its JSON report.
      assert.equal(trivyImporter.detect(raw), false, f);
      badInput(() => trivyImporter.import(raw, ctx), new RegExp(`^${f.replace('.', '\\.')}: not a Trivy JSON report`));
      continue;
    }
    assert.ok(trivyImporter.detect(raw), f);
    const drafts = trivyImporter.import(raw, ctx);
    assert.equal(drafts.length, 1, f);
    const d = drafts[0]!;
    const p = payloadOf(d);
    const counts = trivyCounts(raw);
    assert.equal(p.summary.findings, counts.vulns, f);
    assert.equal(d.outcome, counts.failing > 0 ? 'fail' : 'pass', f);
    assert.equal(p.results?.length, (raw.Results as unknown[]).length, f);
    assert.equal(d.observedAt, new Date(String(raw.CreatedAt)).toISOString(), f);
    assert.equal(d.subject, `${raw.ArtifactType === 'container_image' ? 'image' : 'path'}:${String(raw.ArtifactName)}`, f);
    assert.equal(p.db, null);
    for (const c of SCAN_CONTROLS) assert.ok(d.controls.includes(c), `${f}: ${c}`);
    imported++;
  }
  assert.ok(imported >= 15, `${imported} Trivy reports`);
});

test('trivy: severity, CVSS from the severity source, fixed versions and result targets', async (t) => {
  const path = sharedData(t, 'vuln', 'reports', 'trivy', 'debian-buster.json');
  if (!path) return;
  const raw = readJson(path);
  const d = trivyImporter.import(raw, await importContext('debian-buster.json'))[0]!;
  const p = payloadOf(d);
  const vulns = (raw.Results as Obj[]).flatMap((r) => r.Vulnerabilities as Obj[]);
  const worst = vulns.find((v) => v.Severity === 'CRITICAL')!;
  assert.equal(d.severity, 'critical');
  const f = p.findings[0]!;
  assert.equal(f.id, worst.VulnerabilityID);
  assert.equal(f.package.name, worst.PkgName);
  assert.equal(f.package.version, worst.InstalledVersion);
  assert.equal(f.package.location, (raw.Results as Obj[])[0]!.Target);
  const source = worst.SeveritySource as string;
  const cvss = (worst.CVSS as Record<string, Obj>)[source];
  assert.equal(f.cvssScore, cvss?.V3Score ?? cvss?.V2Score);
  assert.deepEqual(p.os, { name: 'debian', version: String(((raw.Metadata as Obj).OS as Obj).Name) });
});

test('trivy: comma-separated fixed versions, repo digests and hostile input', async () => {
  const ctx = await importContext('trivy.json');
  const base = {
    SchemaVersion: 2,
    CreatedAt: '2026-11-20T10:00:00.5Z',
    ArtifactName: 'registry.internal/app:1.4',
    ArtifactType: 'container_image',
    Metadata: { RepoDigests: [`registry.internal/app@sha256:${'b'.repeat(64)}`], ImageID: `sha256:${'c'.repeat(64)}` },
    Results: [
      {
        Target: 'app/pom.xml',
        Class: 'lang-pkgs',
        Type: 'pom',
        Vulnerabilities: [{ VulnerabilityID: 'CVE-2020-36518', PkgName: 'com.fasterxml.jackson.core:jackson-databind', InstalledVersion: '2.9.1', FixedVersion: '2.12.6.1, 2.13.2.1', Severity: 'HIGH', CVSS: { ghsa: { V3Score: 7.5 }, nvd: { V3Score: 7.5, V2Score: 5 } } }],
      },
      { Target: 'Dockerfile', Class: 'config', Misconfigurations: [{ ID: 'DS002' }] },
    ],
  };
  const d = trivyImporter.import(base, ctx)[0]!;
  assert.equal(d.subject, `image:registry.internal/app@sha256:${'b'.repeat(64)}`);
  assert.deepEqual(payloadOf(d).findings[0]?.fixedVersions, ['2.12.6.1', '2.13.2.1']);
  assert.equal(payloadOf(d).findings[0]?.cvssScore, 7.5);
  assert.deepEqual(payloadOf(d).results?.map((r) => r.vulnerabilities), [1, 0]);
  assert.equal(d.observedAt, '2026-11-20T10:00:00.500Z');
  const noDate = trivyImporter.import({ ...base, CreatedAt: undefined }, await importContext('t.json', new Date('2026-01-02T03:04:05Z')))[0]!;
  assert.equal(noDate.observedAt, '2026-01-02T03:04:05.000Z');
  badInput(() => trivyImporter.import({ ...base, SchemaVersion: 1 }, ctx), /SchemaVersion/);
  badInput(() => trivyImporter.import({ ...base, Results: [{ Target: 'x', Vulnerabilities: [{ VulnerabilityID: 7, PkgName: 'p' }] }] }, ctx), /Results\.0\.Vulnerabilities\.0\.VulnerabilityID/);
  badInput(() => trivyImporter.import({ ...base, ArtifactName: undefined }, ctx), /ArtifactName/);
});

test('grype: real Grype reports import with aliases, CVSS, DB age and image digests', async (t) => {
  const dir = sharedData(t, 'vuln', 'reports', 'grype');
  if (!dir) return;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') || f.startsWith('presenter.json.'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const raw = readJson(join(dir, f));
    assert.ok(grypeImporter.detect(raw), f);
    const d = grypeImporter.import(raw, await importContext(f))[0]!;
    const p = payloadOf(d);
    const matches = raw.matches as Obj[];
    assert.equal(p.summary.findings, matches.length, f);
    const failing = matches.filter((m) => ['critical', 'high'].includes(String((m.vulnerability as Obj).severity).toLowerCase())).length;
    assert.equal(d.outcome, failing > 0 ? 'fail' : 'pass', f);
    for (const c of SCAN_CONTROLS) assert.ok(d.controls.includes(c), `${f}: ${c}`);
  }
  const keycloak = join(dir, 'explain-testdata.keycloak-test.json');
  const raw = readJson(keycloak);
  const d = grypeImporter.import(raw, await importContext('keycloak.json'))[0]!;
  const desc = raw.descriptor as { timestamp: string; db: { built: string } };
  const p = payloadOf(d);
  assert.equal(d.observedAt, new Date(desc.timestamp).toISOString());
  assert.deepEqual(p.db, { builtAt: new Date(desc.db.built).toISOString(), ageSeconds: Math.round((Date.parse(desc.timestamp) - Date.parse(desc.db.built)) / 1000) });
  const target = (raw.source as Obj).target as { userInput: string; manifestDigest: string };
  assert.equal(p.target.digest, target.manifestDigest);
  assert.ok(d.subject.startsWith('image:') && d.subject.includes('@sha256:'));
  const first = (raw.matches as Obj[])[0]!;
  const f0 = p.findings.find((f) => f.id === (first.vulnerability as Obj).id && f.package.name === (first.artifact as Obj).name)!;
  assert.ok(f0);
  assert.deepEqual(f0.fixedVersions, ((first.vulnerability as Obj).fix as Obj).versions);
  const dirs = grypeImporter.import(readJson(join(dir, 'presenter.json.TestJsonDirsPresenter.golden')), await importContext('dirs.json'))[0]!;
  assert.equal(dirs.subject, 'path:/some/path');
  assert.equal(dirs.observedAt, '2026-11-23T12:00:00.000Z', 'an empty timestamp falls back to the clock');
  assert.equal(payloadOf(dirs).findings.find((f) => f.id === 'CVE-1999-0001')?.cvssScore, 8.2);
});

test('grype: ignored matches are suppressed findings; Negligible is info; hostile input is refused', async () => {
  const ctx = await importContext('grype.json');
  const match = (id: string, severity: string, extra: Obj = {}): Obj => ({
    vulnerability: { id, severity, cvss: [], fix: { versions: ['2.0'], state: 'fixed' } },
    relatedVulnerabilities: [{ id: `CVE-${id}` }],
    artifact: { name: `p-${id}`, version: '1.0', type: 'deb', locations: [{ path: '/var/lib/dpkg/status' }] },
    ...extra,
  });
  const base = {
    matches: [match('GHSA-1', 'Negligible')],
    ignoredMatches: [match('GHSA-2', 'Critical', { appliedIgnoreRules: [{ vulnerability: 'GHSA-2', reason: 'mitigated by network policy' }] })],
    source: { type: 'image', target: { userInput: 'app:1', manifestDigest: `sha256:${'d'.repeat(64)}` } },
    descriptor: { name: 'grype', version: '0.87.0', timestamp: '2026-11-20T10:00:00Z', db: { status: { built: '2026-11-19T10:00:00Z', schemaVersion: 'v6.0.2' } } },
  };
  const d = grypeImporter.import(base, ctx)[0]!;
  const p = payloadOf(d);
  assert.deepEqual([d.outcome, d.severity, d.subject], ['pass', 'info', `image:app:1@sha256:${'d'.repeat(64)}`]);
  assert.deepEqual([p.summary.findings, p.summary.suppressed], [1, 1]);
  assert.deepEqual(p.findings.find((f) => f.id === 'GHSA-2')?.suppressed, { by: 'grype ignore rule', justification: 'mitigated by network policy' });
  assert.deepEqual(p.findings.find((f) => f.id === 'GHSA-1')?.aliases, ['CVE-GHSA-1']);
  assert.deepEqual(p.db, { builtAt: '2026-11-19T10:00:00.000Z', ageSeconds: 86_400 });
  badInput(() => grypeImporter.import({ ...base, descriptor: { name: 'trivy' } }, ctx), /descriptor\.name/);
  badInput(() => grypeImporter.import({ ...base, matches: [{ vulnerability: { id: 'x' } }] }, ctx), /matches\.0\.artifact/);
  badInput(() => grypeImporter.import({ ...base, matches: {} }, ctx), /matches/);
});
