/**
 * The policy-result importers: real `airlock policy audit` output in both forms (made by
 * the CLI from content/policies, see testdata/README.md), and Kyverno PolicyReports in
 * the shapes Kyverno writes (per-resource reports with `scope`, results with
 * `resources`, ClusterPolicyReports, kind: List).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importContext, testdata } from '../../../test/helpers/evidence.ts';
import type { EvidenceDraft } from '../types.ts';
import { airlockPolicyImporter } from './airlock-policy.ts';
import { kyvernoImporter } from './kyverno.ts';

type Obj = Record<string, unknown>;
const readJson = (name: string): Obj => JSON.parse(readFileSync(testdata(name), 'utf8')) as Obj;
const badInput = (fn: () => unknown, re: RegExp): void =>
  assert.throws(fn, (e: Error & { code?: string }) => {
    assert.equal(e.code, 'BAD_INPUT', e.message);
    assert.match(e.message, re);
    return true;
  });
const key = (d: EvidenceDraft): string => {
  const p = d.payload as { policy: string; rule?: string };
  return `${p.policy}/${p.rule ?? ''} ${d.subject} ${d.outcome}`;
};

interface AuditResult {
  policy: string;
  rule: string;
  status: string;
  severity?: string;
  resource: { kind: string; name: string; namespace?: string };
  controls?: Record<string, string[]>;
}

test('airlock-policy: audit --json gives one record per result, with the result controls and the policy mapping', async () => {
  const raw = readJson('airlock-policy-audit.json');
  const results = raw.results as AuditResult[];
  assert.ok(airlockPolicyImporter.detect(raw));
  assert.equal(kyvernoImporter.detect(raw), false);
  const drafts = airlockPolicyImporter.import(raw, await importContext('audit.json'));
  assert.equal(drafts.length, results.length);
  for (const [i, d] of drafts.entries()) {
    const r = results[i]!;
    assert.equal(d.kind, 'policy-result');
    assert.equal(d.source, 'airlock-policy');
    assert.equal(d.outcome, r.status);
    assert.equal(d.severity, r.severity ?? 'unknown');
    assert.equal(d.subject, r.resource.namespace ? `k8s:${r.resource.namespace}/${r.resource.kind}/${r.resource.name}` : `k8s:${r.resource.kind}/${r.resource.name}`);
    assert.equal(d.observedAt, '2026-11-23T12:00:00.000Z', 'no time in --json output: the import clock');
    for (const [fw, ids] of Object.entries(r.controls ?? {})) for (const id of ids) assert.ok(d.controls.includes(`${fw}:${id}`), `${r.policy}: ${fw}:${id}`);
    for (const c of ['nist-800-53-r5:cm-6', 'nist-800-53-r5:ca-7', 'pci-dss-4.0:2.2.1']) assert.ok(d.controls.includes(c), `configuration-policy: ${c}`);
    assert.deepEqual([...d.controls].sort(), d.controls);
  }
  const ns = drafts.find((d) => d.subject === 'k8s:Namespace/scratch');
  assert.equal(ns?.outcome, 'fail');
  assert.match(ns?.title ?? '', /^require-pod-security-admission-labels\/require-psa-enforce failed on Namespace scratch$/);
});

test('airlock-policy: the policyreport form yields the same records, timed by the report', async () => {
  const audit = airlockPolicyImporter.import(readJson('airlock-policy-audit.json'), await importContext('a.json'));
  const raw = readJson('airlock-policy-reports.json');
  assert.ok(airlockPolicyImporter.detect(raw));
  const drafts = airlockPolicyImporter.import(raw, await importContext('pr.json'));
  assert.deepEqual(drafts.map(key).sort(), audit.map(key).sort());
  const byKey = new Map(audit.map((d) => [key(d), d]));
  for (const d of drafts) {
    assert.equal(d.source, 'airlock-policy');
    assert.deepEqual(d.controls, byKey.get(key(d))?.controls, key(d));
  }
  const seconds = (((raw.items as Obj[])[0]!.results as Obj[])[0]!.timestamp as { seconds: number }).seconds;
  assert.equal(drafts[0]?.observedAt, new Date(seconds * 1000).toISOString());
});

test('kyverno: per-resource reports, resources lists, cluster reports and unknown policies', async () => {
  const raw = readJson('kyverno-policyreports.json');
  assert.ok(kyvernoImporter.detect(raw));
  assert.equal(airlockPolicyImporter.detect(raw), false);
  const drafts = kyvernoImporter.import(raw, await importContext('polr.json'));
  const expected = (raw.items as Obj[]).reduce((n, rep) => n + (rep.results as Obj[]).reduce((m, r) => m + ((r.resources as unknown[] | undefined)?.length ?? 1), 0), 0);
  assert.equal(drafts.length, expected);
  assert.deepEqual(drafts.map(key), [
    'disallow-privileged-containers/privileged-containers k8s:payments/Pod/debug fail',
    'require-labels/check-for-labels k8s:payments/Pod/debug fail',
    'require-run-as-nonroot/run-as-non-root k8s:payments/Pod/api pass',
    'require-run-as-nonroot/run-as-non-root k8s:payments/Deployment/api pass',
    'payments/restrict-image-registries/validate-registries k8s:payments/Pod/debug warn',
    'require-pod-security-admission-labels/require-psa-enforce k8s:Namespace/scratch fail',
    'require-pod-security-admission-labels/require-psa-enforce k8s:Namespace/kube-system skip',
  ]);
  const [priv, labels, , , registries, psa] = drafts as [EvidenceDraft, EvidenceDraft, EvidenceDraft, EvidenceDraft, EvidenceDraft, EvidenceDraft];
  assert.equal(priv.source, 'kyverno');
  assert.equal(priv.severity, 'high');
  assert.equal(priv.observedAt, '2026-11-20T09:14:02.000Z');
  // A policy Airlock ships: its controls.yaml mapping.
  for (const c of ['nist-800-53-r5:ac-6', 'pci-dss-4.0:2.2.6', 'soc2:CC6.8']) assert.ok(priv.controls.includes(c), c);
  // A policy Airlock does not ship: only the configuration-policy signal.
  assert.ok(labels.controls.includes('nist-800-53-r5:cm-6'));
  assert.equal(labels.controls.includes('nist-800-53-r5:ac-6'), false);
  assert.equal(labels.severity, 'unknown');
  // A namespaced policy name is looked up by its name.
  assert.ok(registries.controls.includes('nist-800-53-r5:cm-7.5'), registries.controls.join(' '));
  assert.deepEqual((psa.payload as { report: Obj }).report, { kind: 'ClusterPolicyReport', name: 'cpol-require-pod-security-admission-labels' });
  assert.equal((priv.payload as { message: string }).message.startsWith('validation error: Privileged mode is disallowed.'), true);
});

test('kyverno: single reports, openreports.io reports, results without resources, and the timestamp fallbacks', async () => {
  const ctx = await importContext('one.json', new Date('2026-01-01T00:00:00Z'));
  const single = {
    apiVersion: 'openreports.io/v1alpha1',
    kind: 'Report',
    metadata: { name: 'r1', namespace: 'team-a', creationTimestamp: '2026-11-21T08:00:00Z' },
    results: [{ policy: 'require-probes', rule: 'liveness', result: 'error', message: 'variable substitution failed' }],
  };
  const [d] = kyvernoImporter.import(single, ctx);
  assert.equal(d?.subject, 'k8s:team-a/Report/r1');
  assert.equal(d?.outcome, 'error');
  assert.equal(d?.observedAt, '2026-11-21T08:00:00.000Z');
  const bare = { ...single, metadata: { name: 'r1' } };
  assert.equal(kyvernoImporter.import(bare, ctx)[0]?.observedAt, '2026-01-01T00:00:00.000Z');
  assert.deepEqual(kyvernoImporter.import({ apiVersion: 'v1', kind: 'List', items: [] }, ctx), []);
  assert.deepEqual(kyvernoImporter.import({ ...single, results: null }, ctx), []);
});

test('policy importers refuse what is not a report, naming the item and field', async () => {
  const ctx = await importContext('polr.json');
  const raw = readJson('kyverno-policyreports.json');
  const items = raw.items as Obj[];
  const broken = { ...raw, items: [items[0], { ...items[1]!, results: [{ policy: 'p', result: 'maybe' }] }] };
  badInput(() => kyvernoImporter.import(broken, ctx), /^polr\.json: items\.1: not a PolicyReport.*: results\.0\.result/);
  badInput(() => kyvernoImporter.import({ ...items[0]!, apiVersion: 'kyverno.io/v1' }, ctx), /apiVersion: must be wgpolicyk8s\.io/);
  badInput(() => kyvernoImporter.import({ kind: 'List', items: [{ kind: 'Pod' }] }, ctx), /items\.0: .*apiVersion/);
  badInput(() => kyvernoImporter.import({ ...items[0]!, results: [{ ...(items[0]!.results as Obj[])[0], timestamp: { seconds: -5 } }] }, ctx), /results\.0\.timestamp\.seconds/);
  badInput(() => kyvernoImporter.import('PolicyReport', ctx), /not a PolicyReport/);
  const audit = readJson('airlock-policy-audit.json');
  badInput(() => airlockPolicyImporter.import({ ...audit, results: [{ policy: 'p', rule: 'r', status: 'pass' }] }, ctx), /results\.0\.resource/);
  badInput(() => airlockPolicyImporter.import({ results: [], summary: { pass: 'none' } }, ctx), /summary\.pass/);
});
