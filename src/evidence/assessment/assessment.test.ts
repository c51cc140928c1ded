/**
 * The assessment on hand-built records: the control rule (latest policy result per
 * check, latest scan per subject, alerts against the threshold), merged vulnerability
 * findings, policy and alert views, freshness, the period, unreadable payloads; and
 * properties over random record sets: the result does not depend on record order, and
 * the streaming verdicts equal a direct restatement of the rule over all records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { EvidenceKind, EvidenceRecord, EvidenceSeverity, Outcome } from '../types.ts';
import { assess, Assessor, type Assessment, type FrameworkControls } from './index.ts';
import { NewestList } from './values.ts';

const FW: FrameworkControls = {
  id: 'fw',
  name: 'Test framework',
  version: '1',
  controls: [
    { id: 'AC.1', family: 'Access', title: 'Access one' },
    { id: 'AC.2', family: 'Access', title: 'Access two' },
    { id: 'VM.1', family: 'Vulnerabilities', title: 'Scan things' },
    { id: 'VM.2', family: 'Vulnerabilities', title: 'Fix things' },
    { id: 'MO.1', family: 'Monitoring', title: 'Watch things' },
    { id: 'MO.2', family: 'Monitoring', title: 'Review things' },
    { id: 'АНЗ.1', family: 'Анализ', title: 'Cyrillic id' },
  ],
};

const hex = (n: number): string => n.toString(16).padStart(64, '0');
const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

interface Spec {
  seq: number;
  kind: EvidenceKind;
  at: string;
  subject?: string;
  source?: string;
  outcome?: Outcome;
  severity?: EvidenceSeverity;
  controls?: string[];
  payload?: unknown;
  title?: string;
}

function rec(s: Spec): EvidenceRecord {
  return {
    seq: s.seq,
    id: uuid(s.seq),
    kind: s.kind,
    source: s.source ?? { 'vulnerability-scan': 'trivy', 'policy-result': 'kyverno', 'runtime-alert': 'falco', 'host-alert': 'wazuh' }[s.kind],
    subject: s.subject ?? 'k8s:default/Pod/a',
    collectedAt: '2026-11-23T00:00:00.000Z',
    observedAt: s.at,
    outcome: s.outcome ?? 'pass',
    severity: s.severity ?? 'info',
    controls: (s.controls ?? []).map((c) => `fw:${c}`),
    contentHash: `sha256:${hex(s.seq + 1_000_000)}`,
    prevHash: `sha256:${hex(s.seq - 1)}`,
    recordHash: `sha256:${hex(s.seq)}`,
    title: s.title ?? `record ${s.seq}`,
    payload: s.payload ?? {},
  };
}

const sev = (over: Partial<Record<EvidenceSeverity, number>> = {}) => ({ critical: 0, high: 0, medium: 0, low: 0, unknown: 0, info: 0, ...over });

interface F {
  id: string;
  pkg: string;
  version?: string;
  severity: EvidenceSeverity;
  fixed?: string[];
  suppressed?: boolean;
  cvss?: number;
}

function scan(seq: number, subject: string, at: string, findings: F[], o: { db?: string | null; truncated?: number; controls?: string[] } = {}): EvidenceRecord {
  const open = findings.filter((f) => !f.suppressed);
  const by = sev();
  for (const f of open) by[f.severity]++;
  return rec({
    seq,
    kind: 'vulnerability-scan',
    at,
    subject,
    outcome: by.critical + by.high > 0 ? 'fail' : 'pass',
    controls: o.controls ?? ['VM.1', 'VM.2', 'АНЗ.1'],
    payload: {
      scanner: { name: 'trivy' },
      target: { kind: 'container_image', name: subject.replace(/^image:/, '') },
      db: o.db === null ? null : { builtAt: o.db ?? '2026-11-20T00:00:00.000Z' },
      summary: { packages: 10, findings: open.length, suppressed: findings.length - open.length, bySeverity: by },
      findings: findings.map((f) => ({
        id: f.id,
        aliases: [],
        package: { name: f.pkg, version: f.version ?? '1.0', type: 'npm' },
        fixedVersions: f.fixed ?? [],
        severity: f.severity,
        ...(f.cvss !== undefined ? { cvssScore: f.cvss } : {}),
        ...(f.suppressed ? { suppressed: { by: 'vex.json', justification: 'not reachable' } } : {}),
      })),
      ...(o.truncated ? { truncated: { findings: o.truncated } } : {}),
    },
  });
}

function policy(seq: number, at: string, p: string, outcome: Outcome, o: { subject?: string; rule?: string; controls?: string[]; severity?: EvidenceSeverity; message?: string } = {}): EvidenceRecord {
  return rec({
    seq,
    kind: 'policy-result',
    at,
    subject: o.subject ?? 'k8s:default/Pod/a',
    outcome,
    severity: o.severity ?? 'high',
    controls: o.controls ?? ['AC.1'],
    payload: { policy: p, rule: o.rule ?? 'check', result: outcome, message: o.message ?? `${p} said ${outcome}` },
  });
}

function falco(seq: number, at: string, rule: string, severity: EvidenceSeverity, o: { subject?: string; controls?: string[] } = {}): EvidenceRecord {
  return rec({ seq, kind: 'runtime-alert', at, subject: o.subject ?? 'k8s:default/Pod/a', outcome: 'alert', severity, controls: o.controls ?? ['MO.1'], payload: { rule, priority: 'Warning' }, title: `Falco: ${rule}` });
}

function wazuh(seq: number, at: string, id: string, severity: EvidenceSeverity, o: { subject?: string; controls?: string[]; description?: string } = {}): EvidenceRecord {
  return rec({ seq, kind: 'host-alert', at, subject: o.subject ?? 'host:web1', outcome: 'alert', severity, controls: o.controls ?? ['MO.2'], payload: { rule: { id, level: 5, description: o.description ?? `rule ${id}` } } });
}

const AS_OF = '2026-11-23T12:00:00.000Z';
const run = (records: EvidenceRecord[], extra: Partial<Parameters<typeof assess>[1]> = {}): Promise<Assessment> => assess(records, { framework: FW, asOf: AS_OF, ...extra });
const control = (a: Assessment, id: string) => a.controls.find((c) => c.id === id)!;

test('controls: the latest result of each check decides; failing beats passing; inconclusive and absent are not assessed', async () => {
  const a = await run([
    // AC.1: pod a failed, then passed (latest wins); pod b passes: satisfied.
    policy(1, '2026-11-01T00:00:00Z', 'p1', 'fail', { subject: 'k8s:default/Pod/a' }),
    policy(2, '2026-11-02T00:00:00Z', 'p1', 'pass', { subject: 'k8s:default/Pod/a' }),
    policy(3, '2026-11-02T00:00:00Z', 'p1', 'pass', { subject: 'k8s:default/Pod/b' }),
    // AC.2: one resource passes, another warns: not satisfied. The warn is stored before an older pass of the same check.
    policy(4, '2026-11-03T00:00:00Z', 'p2', 'pass', { subject: 'k8s:default/Pod/a', controls: ['AC.2'] }),
    policy(5, '2026-11-05T00:00:00Z', 'p2', 'warn', { subject: 'k8s:default/Pod/b', controls: ['AC.2'] }),
    policy(6, '2026-11-04T00:00:00Z', 'p2', 'pass', { subject: 'k8s:default/Pod/b', controls: ['AC.2'] }),
    // MO.1 gets only an error and a skip: not assessed (inconclusive only).
    policy(7, '2026-11-03T00:00:00Z', 'p3', 'error', { controls: ['MO.1'] }),
    policy(8, '2026-11-03T00:00:00Z', 'p4', 'skip', { controls: ['MO.1'] }),
    // A control of another framework and an unknown control of this one are ignored.
    rec({ seq: 9, kind: 'policy-result', at: '2026-11-03T00:00:00Z', outcome: 'fail', controls: [], payload: { policy: 'p5' } }),
    { ...policy(10, '2026-11-03T00:00:00Z', 'p6', 'fail'), controls: ['other:AC.1', 'fw:XX.9'] },
  ]);
  assert.equal(control(a, 'AC.1').status, 'satisfied');
  assert.deepEqual(control(a, 'AC.1').reasons, [{ code: 'passing-evidence', count: 2 }]);
  assert.deepEqual(control(a, 'AC.1').evidence.map((e) => e.seq), [3, 2], 'the passing latest results, newest first');
  assert.equal(control(a, 'AC.1').counts.records, 3);
  assert.equal(control(a, 'AC.2').status, 'not-satisfied');
  assert.deepEqual(control(a, 'AC.2').reasons, [{ code: 'failing-policy-checks', count: 1 }]);
  assert.deepEqual(control(a, 'AC.2').evidence, [{ seq: 5, id: uuid(5), recordHash: `sha256:${hex(5)}` }]);
  assert.equal(control(a, 'MO.1').status, 'not-assessed');
  assert.deepEqual(control(a, 'MO.1').reasons, [{ code: 'inconclusive-only', count: 2 }]);
  assert.deepEqual(control(a, 'MO.1').evidence, []);
  assert.equal(control(a, 'VM.1').status, 'not-assessed');
  assert.deepEqual(control(a, 'VM.1').reasons, [{ code: 'no-evidence', count: 0 }]);
  assert.deepEqual(a.totals, { satisfied: 1, 'not-satisfied': 1, 'not-assessed': 5 });
  assert.deepEqual(a.families.map((f) => [f.family, f.satisfied, f.notSatisfied, f.notAssessed]), [
    ['Access', 1, 1, 0],
    ['Vulnerabilities', 0, 0, 2],
    ['Monitoring', 0, 0, 2],
    ['Анализ', 0, 0, 1],
  ]);
  // Every referenced record is in the appendix list, once, by seq (9 and 10 are failing checks of the policy view).
  assert.deepEqual(a.evidence.map((e) => e.seq), [2, 3, 5, 9, 10]);
  assert.equal(a.evidence[2]!.title, 'record 5');
});

test('controls: a subject\'s latest scan decides; alerts at or above the threshold count against their controls', async () => {
  const records = [
    scan(1, 'image:a', '2026-11-01T00:00:00Z', [{ id: 'CVE-1', pkg: 'x', severity: 'critical' }], { controls: ['VM.1'] }),
    scan(2, 'image:a', '2026-11-10T00:00:00Z', [{ id: 'CVE-2', pkg: 'x', severity: 'medium' }], { controls: ['VM.1'] }),
    scan(3, 'image:b', '2026-11-10T00:00:00Z', [{ id: 'CVE-3', pkg: 'y', severity: 'high' }], { controls: ['VM.2'] }),
    scan(4, 'image:c', '2026-11-10T00:00:00Z', [{ id: 'CVE-4', pkg: 'z', severity: 'high', suppressed: true }], { controls: ['АНЗ.1'] }),
    falco(5, '2026-11-10T00:00:00Z', 'Shell in container', 'medium'),
    wazuh(6, '2026-11-10T00:00:00Z', '5710', 'high'),
    wazuh(7, '2026-11-11T00:00:00Z', '5710', 'low'),
  ];
  const a = await run(records);
  assert.equal(control(a, 'VM.1').status, 'satisfied', 'the critical finding is gone from the latest scan of image:a');
  assert.deepEqual(control(a, 'VM.1').evidence.map((e) => e.seq), [2]);
  assert.equal(control(a, 'VM.2').status, 'not-satisfied');
  assert.deepEqual(control(a, 'VM.2').reasons, [{ code: 'open-vulnerabilities', count: 1 }]);
  assert.equal(control(a, 'АНЗ.1').status, 'satisfied', 'suppressed findings do not count');
  assert.equal(control(a, 'MO.1').status, 'satisfied', 'a medium alert shows monitoring at work');
  assert.equal(control(a, 'MO.2').status, 'not-satisfied');
  assert.deepEqual(control(a, 'MO.2').reasons, [{ code: 'unresolved-alerts', count: 1 }]);
  assert.deepEqual(control(a, 'MO.2').evidence.map((e) => e.seq), [6]);
  const lenient = await run(records, { alertThreshold: 'critical' });
  assert.equal(control(lenient, 'MO.2').status, 'satisfied');
  assert.equal(control(lenient, 'MO.2').evidenceTotal, 2);
  const none = await run(records, { alertThreshold: 'none' });
  assert.equal(none.alerts.unresolvedTotal, 0);
});

test('vulnerabilities: findings merged across subjects from their latest scans, first seen, fixes, resolved, suppressed, truncated', async () => {
  const a = await run([
    scan(1, 'image:a', '2026-11-01T00:00:00Z', [
      { id: 'CVE-2021-1', pkg: 'lodash', version: '4.17.20', severity: 'high', fixed: ['4.17.21'], cvss: 7.2 },
      { id: 'CVE-2021-2', pkg: 'minimist', severity: 'critical' },
    ], { db: '2026-10-20T00:00:00Z' }),
    // The newer scan of image:a: CVE-2021-2 fixed, CVE-2021-1 still there, one suppressed.
    scan(5, 'image:a', '2026-11-15T00:00:00Z', [
      { id: 'CVE-2021-1', pkg: 'lodash', version: '4.17.20', severity: 'high', fixed: ['4.17.21'], cvss: 7.2 },
      { id: 'CVE-2022-9', pkg: 'qs', severity: 'medium', suppressed: true },
    ], { db: '2026-11-14T00:00:00Z' }),
    scan(2, 'image:b', '2026-11-10T00:00:00Z', [
      { id: 'CVE-2021-1', pkg: 'lodash', version: '4.17.20', severity: 'high', fixed: ['4.17.22'], cvss: 7.5 },
      { id: 'CVE-2020-7', pkg: 'openssl', version: '3.0', severity: 'low' },
    ], { db: '2026-10-01T00:00:00Z', truncated: 12 }),
    // Outside the period: ignored altogether.
    scan(9, 'image:b', '2026-12-10T00:00:00Z', [], { db: '2026-12-01T00:00:00Z' }),
  ], { period: { from: '2026-11-01', to: '2026-11-30T23:59:59Z' } });
  const v = a.vulnerabilities;
  assert.equal(v.scans, 3);
  assert.equal(a.records.seen, 4);
  assert.equal(a.records.inPeriod, 3);
  assert.deepEqual(v.subjects.map((s) => [s.subject, s.evidence.seq, s.dbBuiltAt]), [
    ['image:a', 5, '2026-11-14T00:00:00.000Z'],
    ['image:b', 2, '2026-10-01T00:00:00.000Z'],
  ]);
  assert.deepEqual(v.findings.map((f) => [f.id, f.severity, f.subjects, f.firstSeen, f.fixAvailable]), [
    ['CVE-2021-1', 'high', ['image:a', 'image:b'], '2026-11-01T00:00:00Z', true],
    ['CVE-2020-7', 'low', ['image:b'], '2026-11-10T00:00:00Z', false],
  ]);
  const lodash = v.findings[0]!;
  assert.equal(lodash.cvssScore, 7.5, 'the highest score');
  assert.deepEqual(lodash.fixedVersions, ['4.17.21', '4.17.22']);
  assert.equal(lodash.ageDays, 22);
  assert.deepEqual(lodash.evidence.map((e) => e.seq), [5, 2]);
  assert.deepEqual(v.bySeverity, sev({ high: 1, low: 1 }));
  assert.equal(v.fixAvailable, 1);
  assert.equal(v.suppressed, 1);
  assert.equal(v.resolved, 1, 'CVE-2021-2 on image:a');
  assert.equal(v.truncatedScans, 1);
  assert.deepEqual(v.oldestOpen, { id: 'CVE-2021-1', package: 'lodash@4.17.20', firstSeen: '2026-11-01T00:00:00Z', ageDays: 22 });
  const db = a.freshness.vulnerabilityDb;
  assert.equal(db.latestBuiltAt, '2026-11-14T00:00:00.000Z', 'the newest DB of any scan in the period');
  assert.equal(db.ageSeconds, 9 * 86400 + 12 * 3600);
  assert.equal(db.stale, true, 'older than 7 days at asOf');
  assert.equal(db.oldestInUseBuiltAt, '2026-10-01T00:00:00.000Z');
  assert.equal(db.staleSubjects, 2);
  assert.equal(db.undatedSubjects, 0);
  const fresh = await run([scan(1, 'image:a', '2026-11-22T00:00:00Z', [], { db: '2026-11-22T00:00:00Z' }), scan(2, 'image:b', '2026-11-22T00:00:00Z', [], { db: null })]);
  assert.equal(fresh.freshness.vulnerabilityDb.stale, false);
  assert.equal(fresh.freshness.vulnerabilityDb.undatedSubjects, 1);
  const none = await run([]);
  assert.equal(none.freshness.vulnerabilityDb.stale, true, 'no dated DB at all is stale');
  assert.equal(none.freshness.vulnerabilityDb.ageSeconds, null);
});

test('policy view: every result per policy, current state per check, per family, failing checks worst first', async () => {
  const a = await run([
    policy(1, '2026-11-01T00:00:00Z', 'disallow-privileged', 'fail', { subject: 'k8s:ns/Pod/a', controls: ['AC.1', 'AC.2'] }),
    policy(2, '2026-11-02T00:00:00Z', 'disallow-privileged', 'pass', { subject: 'k8s:ns/Pod/a', controls: ['AC.1', 'AC.2'] }),
    policy(3, '2026-11-02T00:00:00Z', 'disallow-privileged', 'fail', { subject: 'k8s:ns/Pod/b', controls: ['AC.1', 'AC.2'], message: '<script>alert(1)</script>' }),
    policy(4, '2026-11-02T00:00:00Z', 'require-labels', 'warn', { subject: 'k8s:ns/Pod/b', severity: 'medium', controls: ['MO.1'] }),
    policy(5, '2026-11-02T00:00:00Z', 'require-labels', 'fail', { subject: 'k8s:ns/Pod/c', severity: 'critical', controls: ['MO.1'] }),
    rec({ seq: 6, kind: 'policy-result', at: '2026-11-02T00:00:00Z', outcome: 'fail', payload: 'not an object', controls: ['AC.1'] }),
  ]);
  const p = a.policy;
  assert.equal(p.results, 6);
  assert.equal(p.checks, 5);
  assert.equal(a.records.malformedPayloads, 1);
  assert.deepEqual(p.byOutcome.fail, 4);
  const priv = p.policies.find((x) => x.policy === 'disallow-privileged')!;
  assert.deepEqual([priv.results.fail, priv.results.pass, priv.current.fail, priv.current.pass, priv.failingResources], [2, 1, 1, 1, 1]);
  assert.deepEqual(priv.controls, ['AC.1', 'AC.2']);
  assert.ok(p.policies.some((x) => x.policy === '(payload not readable)'));
  assert.deepEqual(p.failing.map((f) => [f.policy, f.subject, f.outcome]), [
    ['require-labels', 'k8s:ns/Pod/c', 'fail'],
    ['disallow-privileged', 'k8s:ns/Pod/b', 'fail'],
    ['require-labels', 'k8s:ns/Pod/b', 'warn'],
    ['(payload not readable)', 'k8s:default/Pod/a', 'fail'],
  ]);
  assert.equal(p.failing[1]!.message, '<script>alert(1)</script>', 'the model keeps text as it is; writers escape it');
  assert.deepEqual(p.byFamily.map((f) => [f.family, f.current.pass, f.current.fail, f.current.warn]), [
    ['Access', 1, 2, 0],
    ['Monitoring', 0, 1, 1],
  ]);
});

test('alert view: per rule, per day with empty days filled, by severity, unresolved newest first and capped', async () => {
  const a = await run(
    [
      falco(1, '2026-11-01T10:00:00Z', 'Shell in container', 'medium', { subject: 'k8s:a/Pod/x' }),
      falco(2, '2026-11-01T11:00:00Z', 'Shell in container', 'critical', { subject: 'k8s:a/Pod/y' }),
      falco(3, '2026-11-04T11:00:00Z', 'Shell in container', 'high', { subject: 'k8s:a/Pod/x' }),
      wazuh(4, '2026-11-03T00:00:00Z', '5710', 'low', { description: 'sshd: invalid user' }),
      wazuh(5, '2026-11-02T23:59:59Z', '550', 'high', { description: 'Integrity checksum changed' }),
      rec({ seq: 6, kind: 'runtime-alert', at: '2026-11-04T00:00:00Z', outcome: 'alert', severity: 'info', payload: null, title: 'Falco: something' }),
    ],
    { maxListedAlerts: 2, maxEvidencePerItem: 2 },
  );
  const al = a.alerts;
  assert.equal(al.total, 6);
  assert.deepEqual(al.byKind, { 'runtime-alert': 4, 'host-alert': 2 });
  assert.deepEqual(al.bySeverity, sev({ critical: 1, high: 2, medium: 1, low: 1, info: 1 }));
  assert.deepEqual(al.perDay.map((d) => [d.day, d.total]), [
    ['2026-11-01', 2],
    ['2026-11-02', 1],
    ['2026-11-03', 1],
    ['2026-11-04', 2],
  ]);
  const shell = al.rules[0]!;
  assert.deepEqual([shell.source, shell.rule, shell.count, shell.severity, shell.subjects, shell.firstSeen, shell.lastSeen], ['falco', 'Shell in container', 3, 'critical', 2, '2026-11-01T10:00:00Z', '2026-11-04T11:00:00Z']);
  assert.deepEqual(shell.evidence.map((e) => e.seq), [3, 2], 'newest two');
  assert.deepEqual(al.rules.map((r) => r.rule), ['Shell in container', '550', '5710', 'Falco: something']);
  assert.equal(al.rules[1]!.description, 'Integrity checksum changed');
  assert.equal(al.unresolvedTotal, 3);
  assert.deepEqual(al.unresolved.map((u) => u.evidence.seq), [5, 3]);
  assert.equal(al.unresolved[1]!.rule, 'Shell in container');
});

test('freshness per source; the period excludes records outside it; bad periods are refused', async () => {
  const records = [
    falco(1, '2026-10-31T23:59:59.999Z', 'r', 'low'),
    falco(2, '2026-11-01T00:00:00Z', 'r', 'low'),
    wazuh(3, '2026-11-05T00:00:00Z', '1', 'low'),
    policy(4, '2026-11-30T00:00:00Z', 'p', 'pass'),
    policy(5, '2026-12-01T00:00:00.001Z', 'p', 'pass'),
  ];
  const a = await run(records, { period: { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' } });
  assert.deepEqual(a.period, { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
  assert.equal(a.records.inPeriod, 3);
  assert.deepEqual(a.freshness.sources.map((s) => [s.source, s.records, s.lastObservedAt]), [
    ['falco', 1, '2026-11-01T00:00:00Z'],
    ['kyverno', 1, '2026-11-30T00:00:00Z'],
    ['wazuh', 1, '2026-11-05T00:00:00Z'],
  ]);
  assert.equal(a.freshness.firstObservedAt, '2026-11-01T00:00:00Z');
  await assert.rejects(run([], { period: { from: '2026-12-01', to: '2026-11-01' } }), /start .* is after the end/);
  await assert.rejects(run([], { period: { from: 'yesterday' } }), /period start: "yesterday" is not a date/);
  await assert.rejects(run([], { asOf: 'now' }), /assessment time/);
  const s = new Assessor({ framework: FW, asOf: AS_OF });
  s.finish();
  assert.throws(() => s.add(falco(1, AS_OF, 'r', 'low')), /after finish/);
});

test('a scan payload that cannot be read counts by its header', async () => {
  const bad = rec({ seq: 1, kind: 'vulnerability-scan', at: '2026-11-01T00:00:00Z', subject: 'image:z', outcome: 'fail', severity: 'high', controls: ['VM.1'], payload: { findings: 'nope' } });
  const a = await run([bad]);
  assert.equal(control(a, 'VM.1').status, 'not-satisfied');
  assert.equal(a.records.malformedPayloads, 1);
  assert.equal(a.vulnerabilities.subjects[0]!.scanner, 'trivy');
  assert.equal(a.freshness.vulnerabilityDb.undatedSubjects, 1);
});

test('NewestList keeps the newest N by seq whatever the order', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 200 }), fc.integer({ min: 0, max: 20 }), (seqs, cap) => {
      const l = new NewestList<{ seq: number }>(cap);
      for (const seq of seqs) l.add({ seq });
      assert.equal(l.total, seqs.length);
      assert.deepEqual(l.items().map((x) => x.seq), [...seqs].sort((a, b) => b - a).slice(0, cap));
    }),
  );
});

// Random record sets over a few subjects, policies, rules and controls.
const SEVS: EvidenceSeverity[] = ['info', 'unknown', 'low', 'medium', 'high', 'critical'];
const POLICY_OUTCOMES: Outcome[] = ['pass', 'fail', 'warn', 'error', 'skip'];
const CONTROL_IDS = FW.controls.map((c) => c.id);

const recordArb = fc
  .record({
    kind: fc.constantFrom<EvidenceKind>('vulnerability-scan', 'policy-result', 'runtime-alert', 'host-alert'),
    day: fc.integer({ min: 1, max: 28 }),
    subject: fc.constantFrom('image:a', 'image:b', 'k8s:ns/Pod/c'),
    outcome: fc.constantFrom(...POLICY_OUTCOMES),
    severity: fc.constantFrom(...SEVS),
    policy: fc.constantFrom('p1', 'p2'),
    rule: fc.constantFrom('r1', 'r2'),
    controls: fc.subarray(CONTROL_IDS, { maxLength: 3 }),
    findings: fc.array(fc.record({ id: fc.constantFrom('CVE-1', 'CVE-2', 'CVE-3'), pkg: fc.constantFrom('x', 'y'), severity: fc.constantFrom(...SEVS), suppressed: fc.boolean() }), { maxLength: 4 }),
  })
  .map((g) => (seq: number): EvidenceRecord => {
    const at = `2026-11-${String(g.day).padStart(2, '0')}T00:00:00.000Z`;
    if (g.kind === 'vulnerability-scan') return scan(seq, g.subject, at, g.findings, { controls: g.controls });
    if (g.kind === 'policy-result') return policy(seq, at, g.policy, g.outcome, { subject: g.subject, rule: g.rule, controls: g.controls, severity: g.severity });
    if (g.kind === 'runtime-alert') return falco(seq, at, g.rule, g.severity, { subject: g.subject, controls: g.controls });
    return wazuh(seq, at, g.rule, g.severity, { subject: g.subject, controls: g.controls });
  });
const recordsArb = fc.array(recordArb, { maxLength: 40 }).map((makers) => makers.map((m, i) => m(i + 1)));

/** The control rule restated over the whole record list at once. */
function directVerdicts(records: EvidenceRecord[], threshold: EvidenceSeverity): Map<string, string> {
  const rank = (s: EvidenceSeverity) => SEVS.indexOf(s);
  const later = (a: EvidenceRecord, b: EvidenceRecord) => Date.parse(a.observedAt) > Date.parse(b.observedAt) || (a.observedAt === b.observedAt && a.seq > b.seq);
  const latestBy = (kind: EvidenceKind, key: (r: EvidenceRecord) => string): EvidenceRecord[] => {
    const m = new Map<string, EvidenceRecord>();
    for (const r of records.filter((x) => x.kind === kind)) {
      const k = key(r);
      const cur = m.get(k);
      if (!cur || later(r, cur)) m.set(k, r);
    }
    return [...m.values()];
  };
  const statements: { controls: string[]; verdict: 'pass' | 'fail' | 'none' }[] = [];
  for (const r of latestBy('policy-result', (r) => `${r.source}|${(r.payload as { policy: string; rule: string }).policy}|${(r.payload as { rule: string }).rule}|${r.subject}`)) {
    statements.push({ controls: r.controls, verdict: r.outcome === 'pass' ? 'pass' : r.outcome === 'fail' || r.outcome === 'warn' ? 'fail' : 'none' });
  }
  for (const r of latestBy('vulnerability-scan', (r) => r.subject)) {
    const open = (r.payload as { findings: { severity: string; suppressed?: unknown }[] }).findings.filter((f) => !f.suppressed);
    statements.push({ controls: r.controls, verdict: open.some((f) => f.severity === 'high' || f.severity === 'critical') ? 'fail' : 'pass' });
  }
  for (const r of records.filter((x) => x.kind === 'runtime-alert' || x.kind === 'host-alert')) {
    statements.push({ controls: r.controls, verdict: rank(r.severity) >= rank(threshold) ? 'fail' : 'pass' });
  }
  const out = new Map<string, string>();
  for (const id of CONTROL_IDS) {
    const mine = statements.filter((s) => s.controls.includes(`fw:${id}`));
    out.set(id, mine.some((s) => s.verdict === 'fail') ? 'not-satisfied' : mine.some((s) => s.verdict === 'pass') ? 'satisfied' : 'not-assessed');
  }
  return out;
}

test('property: the streaming verdicts equal the rule applied to all records at once', async () => {
  await fc.assert(
    fc.asyncProperty(recordsArb, fc.constantFrom<EvidenceSeverity>('medium', 'high', 'critical'), async (records, threshold) => {
      const a = await run(records, { alertThreshold: threshold });
      const direct = directVerdicts(records, threshold);
      for (const c of a.controls) assert.equal(c.status, direct.get(c.id), c.id);
      // Invariants of the model.
      assert.equal(a.vulnerabilities.findings.length, Object.values(a.vulnerabilities.bySeverity).reduce((n, x) => n + x, 0));
      assert.equal(a.alerts.perDay.reduce((n, d) => n + d.total, 0), a.alerts.total);
      const listed = new Set(a.evidence.map((e) => e.seq));
      for (const c of a.controls) for (const e of c.evidence) assert.ok(listed.has(e.seq));
      assert.equal(a.totals.satisfied + a.totals['not-satisfied'] + a.totals['not-assessed'], FW.controls.length);
    }),
    { numRuns: 150 },
  );
});

test('property: the assessment does not depend on the order records arrive in', async () => {
  await fc.assert(
    fc.asyncProperty(
      recordsArb.chain((records) => fc.tuple(fc.constant(records), fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }))),
      async ([records, shuffled]) => {
        assert.deepEqual(await run(shuffled, { maxEvidencePerItem: 3, maxListedAlerts: 4 }), await run(records, { maxEvidencePerItem: 3, maxListedAlerts: 4 }));
      },
    ),
    { numRuns: 100 },
  );
});
