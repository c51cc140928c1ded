/**
 * OSCAL export from the evidence store, end to end: a PGlite store filled by the real
 * importers from their fixtures (Falco, Wazuh, Kyverno, airlock scan and policy audit)
 * and two Trivy reports of one image nine days apart, exported for NIST SP 800-53 and
 * FSTEC 239 (Cyrillic control ids) in both OSCAL versions. Every document validates;
 * every reference between them resolves; an observation carries a Falco record's UUID
 * and hash; the ra-5 finding is not satisfied because of the critical CVE; the POA&M
 * deadline counts from the first observation; re-exports are byte-identical and
 * entities keep their UUIDs when evidence is added; the period selects records; a
 * hostile system.yaml is refused through the CLI.
 *
 * One store for the whole file: creating one takes seconds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadControlResolver } from '../../src/evidence/controls.ts';
import { ingestFiles } from '../../src/evidence/ingest-files.ts';
import { EvidenceStore } from '../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../src/evidence/types.ts';
import { loadContent, type Content } from '../../src/frameworks/index.ts';
import { EXPORTERS, exportFramework, OSCAL_VERSIONS, parseOscalDocument, validateOscal, type ExportOptions, type JsonObject, type OscalVersion } from '../../src/oscal/index.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, SHARED_DATA, tempDir } from '../helpers/env.ts';

const PASSPHRASE = 'oscal export test passphrase';
const TESTDATA = join(PROJECT_ROOT, 'src', 'evidence', 'importers', 'testdata');
const OWN = join(PROJECT_ROOT, 'test', 'oscal', 'testdata');
const SYSTEM = join(PROJECT_ROOT, 'content', 'oscal', 'system.example.yaml');
const FILES = ['ssp.json', 'assessment-results.json', 'poam.json'];
const ALL = EXPORTERS.map((e) => e.fileName).sort();

let root: string;
let store: EvidenceStore;
let content: Content;
let records: EvidenceRecord[];
const cleanups: (() => void)[] = [];

before(async () => {
  root = tempDir({ after: (fn: () => void) => cleanups.push(fn) });
  content = await loadContent(join(PROJECT_ROOT, 'content'));
  store = await EvidenceStore.open({ dir: join(root, 'ev'), passphrase: PASSPHRASE, create: true });
  const files = [
    ...['falco-events.jsonl', 'wazuh-alerts.jsonl', 'kyverno-policyreports.json', 'airlock-scan-oci.json', 'airlock-policy-audit.json'].map((f) => join(TESTDATA, f)),
    join(OWN, 'trivy-app-2026-11-01.json'),
    join(OWN, 'trivy-app-2026-11-10.json'),
  ];
  const r = await ingestFiles(store, { type: 'auto', files, controls: await loadControlResolver(join(PROJECT_ROOT, 'content')), now: () => new Date('2026-11-23T12:00:00Z') });
  assert.ok(r.records > 20);
  records = [];
  for await (const x of store.records()) records.push(x);
});

after(async () => {
  await store.close();
  for (const fn of cleanups) fn();
});

const source = () => ({ storeId: store.storeId, records: (q: Parameters<EvidenceStore['records']>[0]) => store.records(q) });

async function exportTo(out: string, framework: string, extra: Partial<ExportOptions> = {}) {
  return exportFramework({ content, framework, out, oscalVersion: '1.1.3', producer: { name: 'Airlock', version: '0.1.0' }, evidence: source(), system: SYSTEM, ...extra });
}

function read(dir: string, file: string): JsonObject {
  const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject;
  return doc[Object.keys(doc)[0] as string] as JsonObject;
}

const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? (v as JsonObject[]) : []);
const prop = (o: JsonObject, name: string): string[] => arr(o.props).filter((p) => p.name === name).map((p) => p.value as string);

/** Every value of `key` anywhere under v. */
function valuesOf(v: unknown, key: string, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) valuesOf(x, key, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === key && typeof x === 'string') out.push(x);
      else valuesOf(x, key, out);
    }
  }
  return out;
}

/** Checks that what the documents point at exists: observations, risks, findings, subjects, requirements, anchors. */
function checkReferences(dir: string): void {
  const ssp = read(dir, 'ssp.json');
  const ar = read(dir, 'assessment-results.json');
  const result = arr(ar.results)[0] as JsonObject;
  const sspImpl = ssp['system-implementation'] as JsonObject;
  const inventory = new Set([...arr(sspImpl['inventory-items']), ...arr((result['local-definitions'] as JsonObject | undefined)?.['inventory-items'])].map((i) => i.uuid as string));
  const components = new Set(arr(sspImpl.components).map((c) => c.uuid as string));
  const requirements = new Set(arr((ssp['control-implementation'] as JsonObject)['implemented-requirements']).map((r) => r.uuid as string));
  const observations = new Set(arr(result.observations).map((o) => o.uuid as string));
  const risks = new Set(arr(result.risks).map((r) => r.uuid as string));
  const findings = new Set(arr(result.findings).map((f) => f.uuid as string));
  for (const u of valuesOf(result.observations, 'subject-uuid')) assert.ok(inventory.has(u), `subject ${u}`);
  for (const u of valuesOf(result, 'actor-uuid')) assert.ok(components.has(u), `actor ${u}`);
  for (const u of valuesOf(result, 'observation-uuid')) assert.ok(observations.has(u), `observation ${u}`);
  for (const u of valuesOf(result, 'risk-uuid')) assert.ok(risks.has(u), `risk ${u}`);
  for (const u of valuesOf(result, 'implementation-statement-uuid')) assert.ok(requirements.has(u), `requirement ${u}`);
  // The SSP links to the findings and observations of the assessment results.
  for (const href of valuesOf(ssp['control-implementation'], 'href')) {
    const [file, anchor] = href.split('#');
    assert.equal(file, 'assessment-results.json');
    assert.ok(observations.has(anchor as string) || findings.has(anchor as string), href);
  }
  if (!existsSync(join(dir, 'poam.json'))) return;
  const poam = read(dir, 'poam.json');
  const pObs = new Set(arr(poam.observations).map((o) => o.uuid as string));
  const pRisks = new Set(arr(poam.risks).map((r) => r.uuid as string));
  const pFindings = new Set(arr(poam.findings).map((f) => f.uuid as string));
  const pInventory = new Set([...inventory, ...arr((poam['local-definitions'] as JsonObject | undefined)?.['inventory-items']).map((i) => i.uuid as string)]);
  for (const u of valuesOf(poam, 'observation-uuid')) assert.ok(pObs.has(u) && observations.has(u), `POA&M observation ${u} (same UUID as in the assessment results)`);
  for (const u of valuesOf(poam, 'risk-uuid')) assert.ok(pRisks.has(u), `POA&M risk ${u}`);
  for (const u of valuesOf(poam, 'finding-uuid')) assert.ok(pFindings.has(u) && findings.has(u), `POA&M finding ${u}`);
  for (const u of valuesOf(poam.observations, 'subject-uuid')) assert.ok(pInventory.has(u), `POA&M subject ${u}`);
}

test('all six documents for NIST SP 800-53 and FSTEC 239 validate in OSCAL 1.1.3 and 1.2.1, and their references resolve', async (t) => {
  const sharedSchemas = join(SHARED_DATA, 'oscal', 'schemas');
  const independent = existsSync(sharedSchemas);
  if (!independent) t.diagnostic('shared data schemas absent: validating with the shipped copy only');
  for (const fw of ['nist-800-53-r5', 'fstec-239']) {
    for (const v of OSCAL_VERSIONS) {
      const dir = join(root, `all-${fw}-${v}`);
      const r = await exportTo(dir, fw, { oscalVersion: v as OscalVersion });
      assert.deepEqual(readdirSync(dir).sort(), ALL, 'six documents, no temporary files');
      assert.deepEqual(r.skipped, []);
      assert.equal(r.evidence?.records, records.filter((x) => x.controls.some((c) => c.startsWith(`${fw}:`))).length);
      for (const e of EXPORTERS) {
        const doc = parseOscalDocument(readFileSync(join(dir, e.fileName)), e.fileName);
        assert.equal(doc.model, e.model);
        assert.equal(doc.declaredVersion, v);
        const shipped = await validateOscal(doc.value, doc.model, v as OscalVersion);
        assert.ok(shipped.valid, `${fw} ${v} ${e.fileName}: ${shipped.errors.map((x) => `${x.pointer}: ${x.message}`).join('; ')}`);
        if (independent) assert.ok((await validateOscal(doc.value, doc.model, v as OscalVersion, { schemaDir: sharedSchemas })).valid, `${fw} ${v} ${e.fileName} (shared data schemas)`);
      }
      checkReferences(dir);
      // last-modified of the evidence documents: the latest collected-at of the records used, never the clock.
      const latest = records.filter((x) => x.controls.some((c) => c.startsWith(`${fw}:`))).reduce((m, x) => (x.collectedAt > m ? x.collectedAt : m), '');
      for (const f of FILES) assert.equal((read(dir, f).metadata as JsonObject)['last-modified'], latest, f);
    }
  }
});

test('traceability: a Falco alert is an observation with its record UUID and hash; ra-5 is not satisfied because of the critical CVE; the POA&M deadline counts from the first observation', async () => {
  const dir = join(root, 'trace');
  await exportTo(dir, 'nist-800-53-r5');
  const result = arr(read(dir, 'assessment-results.json').results)[0] as JsonObject;
  const observations = arr(result.observations);
  const byRecord = new Map(observations.map((o) => [prop(o, 'evidence-record')[0], o]));

  const falco = records.find((x) => x.source === 'falco' && x.severity === 'critical') as EvidenceRecord;
  const obs = byRecord.get(falco.id) as JsonObject;
  assert.ok(obs, 'the Falco record is an observation');
  assert.deepEqual(prop(obs, 'evidence-record-hash'), [falco.recordHash]);
  assert.deepEqual(prop(obs, 'evidence-record-seq'), [String(falco.seq)]);
  assert.equal(obs.collected, falco.observedAt);
  assert.deepEqual(obs.methods, ['EXAMINE']);
  assert.equal(observations.length, records.filter((x) => x.controls.some((c) => c.startsWith('nist-800-53-r5:'))).length, 'one observation per record');

  const scans = records.filter((x) => x.source === 'trivy').sort((a, b) => a.observedAt.localeCompare(b.observedAt));
  assert.equal(scans.length, 2);
  const risk = arr(result.risks).find((r) => prop(r, 'vulnerability-id')[0] === 'CVE-2026-10001') as JsonObject;
  assert.ok(risk, 'the open critical CVE is a risk');
  assert.deepEqual([prop(risk, 'severity'), prop(risk, 'fix-available'), prop(risk, 'fixed-version'), prop(risk, 'first-seen')], [['critical'], ['yes'], ['1.2.4-1'], [scans[0]!.observedAt]]);
  assert.ok(arr(result.risks).some((r) => prop(r, 'vulnerability-id')[0] === 'CVE-2026-10003' && prop(r, 'fix-available')[0] === 'no'), 'the high CVE without a fix is a risk');
  assert.ok(!arr(result.risks).some((r) => prop(r, 'vulnerability-id')[0] === 'CVE-2026-10002'), 'the medium CVE fixed by the second scan is no risk');

  const ra5 = arr(result.findings).find((f) => (f.target as JsonObject)['target-id'] === 'ra-5_obj') as JsonObject;
  assert.deepEqual((ra5.target as JsonObject).status, { state: 'not-satisfied', reason: 'fail' });
  assert.ok(prop(ra5, 'reason').includes('open-vulnerabilities'));
  assert.ok(arr(ra5['related-risks']).some((r) => r['risk-uuid'] === risk.uuid));
  const latestScanObs = byRecord.get(scans[1]!.id) as JsonObject;
  assert.ok(arr(ra5['related-observations']).some((o) => o['observation-uuid'] === latestScanObs.uuid), 'the finding rests on the latest scan');
  assert.ok((latestScanObs.remarks as string).includes('CVE-2026-10001 (critical) in libexample1 1.2.3-1, fixed in 1.2.4-1'));

  const ssp = read(dir, 'ssp.json');
  const item = arr((ssp['system-implementation'] as JsonObject)['inventory-items']).find((i) => prop(i, 'asset-id')[0] === scans[1]!.subject) as JsonObject;
  assert.deepEqual([prop(item, 'digest'), prop(item, 'package-count')], [['sha256:2222222222222222222222222222222222222222222222222222222222222222'], ['4']]);
  const wazuhHost = records.find((x) => x.source === 'wazuh')?.subject as string;
  const host = arr((ssp['system-implementation'] as JsonObject)['inventory-items']).find((i) => prop(i, 'asset-id')[0] === wazuhHost) as JsonObject;
  assert.ok(host, 'hosts that Wazuh monitors are inventory items');
  assert.deepEqual([prop(host, 'target-kind'), prop(host, 'monitored-by')], [['host'], ['wazuh']]);
  const req = arr((ssp['control-implementation'] as JsonObject)['implemented-requirements']).find((r) => r['control-id'] === 'ra-5') as JsonObject;
  assert.deepEqual(prop(req, 'assessment-status'), ['not-satisfied']);
  assert.ok(prop(req, 'evidence-record').includes(scans[1]!.id));
  assert.ok(arr(req.links).some((l) => l.href === `assessment-results.json#${ra5.uuid as string}`));
  const trivyUuid = arr((ssp['system-implementation'] as JsonObject).components).find((c) => c.title === 'Trivy')?.uuid;
  assert.ok(arr(req['by-components']).some((b) => b['component-uuid'] === trivyUuid && prop(b, 'evidence-signal').includes('vulnerability-scanning')), 'Trivy says what it does for ra-5');

  const poam = read(dir, 'poam.json');
  const cveItem = arr(poam['poam-items']).find((i) => prop(i, 'vulnerability-id')[0] === 'CVE-2026-10001') as JsonObject;
  // First observed 2026-11-01T08:00:00Z; critical: 15 days (content/oscal/remediation-deadlines.yaml).
  assert.deepEqual(prop(cveItem, 'deadline'), ['2026-11-16T08:00:00Z']);
  const poamRisk = arr(poam.risks).find((r) => r.uuid === arr(cveItem['related-risks'])[0]?.['risk-uuid']) as JsonObject;
  assert.equal(poamRisk.uuid, risk.uuid, 'the same risk as in the assessment results');
  assert.equal(poamRisk.deadline, '2026-11-16T08:00:00Z');
  const highItem = arr(poam['poam-items']).find((i) => prop(i, 'vulnerability-id')[0] === 'CVE-2026-10003') as JsonObject;
  assert.deepEqual(prop(highItem, 'deadline'), ['2026-12-01T08:00:00Z'], 'high: 30 days');
  const ra5Item = arr(poam['poam-items']).find((i) => prop(i, 'control')[0] === 'ra-5') as JsonObject;
  assert.deepEqual(arr(ra5Item['related-findings']).map((f) => f['finding-uuid']), [ra5.uuid]);
  assert.ok(!arr(poam['poam-items']).some((i) => prop(i, 'control')[0] === 'ac-2'), 'only controls not satisfied are items');
});

test('FSTEC 239: Cyrillic control ids in findings, reviewed controls and requirements', async () => {
  const dir = join(root, 'fstec');
  await exportTo(dir, 'fstec-239', { oscalVersion: '1.2.1' });
  const result = arr(read(dir, 'assessment-results.json').results)[0] as JsonObject;
  const reviewed = valuesOf(result['reviewed-controls'], 'control-id');
  assert.equal(reviewed.length, content.frameworks.get('fstec-239')?.controls.length);
  assert.ok(reviewed.includes('АУД.2'));
  const aud2 = arr(result.findings).find((f) => (f.target as JsonObject)['target-id'] === 'АУД.2_obj') as JsonObject;
  assert.equal(((aud2.target as JsonObject).status as JsonObject).state, 'not-satisfied', 'vulnerability analysis: the open critical CVE');
  const ssp = read(dir, 'ssp.json');
  assert.ok(arr((ssp['control-implementation'] as JsonObject)['implemented-requirements']).some((r) => r['control-id'] === 'АУД.2' && prop(r, 'assessment-status')[0] === 'not-satisfied'));
});

test('UUIDs are stable: re-exports are byte-identical, and entities keep their UUIDs when evidence is added', async () => {
  const a = join(root, 'stable-a');
  const b = join(root, 'stable-b');
  await exportTo(a, 'nist-800-53-r5');
  await exportTo(b, 'nist-800-53-r5');
  for (const f of ALL) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);

  const before = read(a, 'assessment-results.json');
  const lines = readFileSync(join(TESTDATA, 'falco-events.jsonl'), 'utf8').trim().split('\n');
  const extra = join(root, 'extra.jsonl');
  writeFileSync(extra, `${JSON.stringify({ ...(JSON.parse(lines[0] as string) as object), time: '2026-11-22T10:00:00.000000000Z' })}\n`);
  await ingestFiles(store, { type: 'falco', files: [extra], controls: await loadControlResolver(join(PROJECT_ROOT, 'content')) });
  const added = (await store.get(String(records.length + 1)));
  const c = join(root, 'stable-c');
  await exportTo(c, 'nist-800-53-r5');
  const afterAdd = read(c, 'assessment-results.json');
  assert.notEqual(afterAdd.uuid, before.uuid, 'the document changed, so its UUID did');
  assert.equal((afterAdd.metadata as JsonObject)['last-modified'], added.collectedAt, 'last-modified: the new record');
  const obsBefore = arr((arr(before.results)[0] as JsonObject).observations).map((o) => o.uuid as string);
  const obsAfter = new Set(arr((arr(afterAdd.results)[0] as JsonObject).observations).map((o) => o.uuid as string));
  assert.equal(obsAfter.size, obsBefore.length + 1);
  for (const u of obsBefore) assert.ok(obsAfter.has(u), 'observations keep their UUIDs');
  const findingsBefore = valuesOf((arr(before.results)[0] as JsonObject).findings, 'uuid');
  const findingsAfter = new Set(valuesOf((arr(afterAdd.results)[0] as JsonObject).findings, 'uuid'));
  for (const u of findingsBefore) assert.ok(findingsAfter.has(u), 'findings keep their UUIDs');
  for (const f of ['catalog.json', 'profile.json', 'component-definition.json']) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(c, f))), `${f} does not depend on evidence`);
  records.push(added);
});

test('--from and --to select the records; a period without open findings writes no POA&M and removes an older one', async () => {
  const dir = join(root, 'period');
  const r = await exportTo(dir, 'nist-800-53-r5', { from: '2026-11-05', to: '2026-11-10T23:59:59Z' });
  const inPeriod = records.filter((x) => x.observedAt >= '2026-11-05T00:00:00.000Z' && x.observedAt <= '2026-11-10T23:59:59.000Z' && x.controls.some((c) => c.startsWith('nist-800-53-r5:')));
  assert.ok(inPeriod.length > 0);
  assert.equal(r.evidence?.records, inPeriod.length);
  assert.deepEqual([r.evidence?.from, r.evidence?.to], ['2026-11-05T00:00:00.000Z', '2026-11-10T23:59:59.000Z']);
  const result = arr(read(dir, 'assessment-results.json').results)[0] as JsonObject;
  assert.deepEqual([result.start, result.end], ['2026-11-05T00:00:00.000Z', '2026-11-10T23:59:59.000Z']);
  // Only the second scan is in the period: the critical CVE is first seen there.
  const item = arr(read(dir, 'poam.json')['poam-items']).find((i) => prop(i, 'vulnerability-id')[0] === 'CVE-2026-10001') as JsonObject;
  assert.deepEqual(prop(item, 'deadline'), ['2026-11-25T08:00:00Z']);

  const empty = await exportTo(dir, 'nist-800-53-r5', { from: '2020-01-01', to: '2020-01-31' });
  assert.equal(empty.evidence?.records, 0);
  assert.deepEqual(empty.skipped.map((s) => [s.name, s.removedOlder]), [['poam', true]]);
  assert.equal(existsSync(join(dir, 'poam.json')), false);
  assert.equal(arr(read(dir, 'assessment-results.json').results).length, 1);
  await assert.rejects(exportTo(dir, 'nist-800-53-r5', { from: '2026-11-10', to: '2026-11-05' }), /--from 2026-11-10T00:00:00.000Z is after --to/);
  await assert.rejects(exportTo(dir, 'nist-800-53-r5', { to: '2026-02-30' }), /--to: "2026-02-30" is not a calendar date/);
});

test('through the CLI: six documents with --evidence, a warning for the example system, hostile system.yaml and misplaced options refused', async () => {
  await store.close();
  const env = { AIRLOCK_EVIDENCE_PASSPHRASE: PASSPHRASE };
  const out = join(root, 'cli');
  let r = await runCli(['oscal', 'export', '--framework', 'fstec-239', '--out', out, '--evidence', join(root, 'ev'), '--oscal-version', '1.2.1', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: no --system given: the SSP describes the example system/);
  const report = JSON.parse(r.stdout) as { files: { name: string }[]; evidence: { records: number; systemIsExample: boolean } };
  assert.deepEqual(report.files.map((f) => f.name), EXPORTERS.map((e) => e.name));
  assert.equal(report.evidence.systemIsExample, true);
  for (const e of EXPORTERS) {
    const doc = parseOscalDocument(readFileSync(join(out, e.fileName)), e.fileName);
    assert.ok((await validateOscal(doc.value, doc.model, '1.2.1')).valid, e.fileName);
  }

  const hostile = join(root, 'system.yaml');
  writeFileSync(hostile, readFileSync(SYSTEM, 'utf8').replace('status: operational', 'status: operational\nstatus: disposition'));
  r = await runCli(['oscal', 'export', '--framework', 'fstec-239', '--out', join(root, 'cli-bad'), '--evidence', join(root, 'ev'), '--system', hostile], { env });
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] as string, /system\.yaml: invalid YAML at line \d+/);
  assert.equal(existsSync(join(root, 'cli-bad')), false, 'nothing written');

  writeFileSync(hostile, readFileSync(SYSTEM, 'utf8').replace('name: Example Isolated Workload Platform', 'name: [x, y]'));
  r = await runCli(['oscal', 'export', '--framework', 'fstec-239', '--out', join(root, 'cli-bad'), '--evidence', join(root, 'ev'), '--system', hostile], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /system\.yaml: name: /);

  r = await runCli(['oscal', 'export', '--framework', 'fstec-239', '--out', join(root, 'cli-bad'), '--db-url', 'postgres://localhost/x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /give --evidence DIR/);
  r = await runCli(['oscal', 'export', '--framework', 'fstec-239', '--out', join(root, 'cli-bad'), '--evidence', join(root, 'ev')], { env: { AIRLOCK_EVIDENCE_PASSPHRASE: '' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /passphrase/);
});
