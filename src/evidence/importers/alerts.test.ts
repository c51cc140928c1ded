/**
 * The alert importers: Falco events (json_output lines, http_output body, falcosidekick
 * webhook body) and Wazuh alerts.json lines, written for these tests in the shapes the
 * tools document (see testdata/README.md), plus hostile events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importContext, testdata } from '../../../test/helpers/evidence.ts';
import type { EvidenceDraft } from '../types.ts';
import { falcoImporter, parseFalcoTags } from './falco.ts';
import { LIMITS, boundedJson } from './importer.ts';
import { wazuhImporter, wazuhSeverity } from './wazuh.ts';

type Obj = Record<string, unknown>;
const lines = (name: string): Obj[] =>
  readFileSync(testdata(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Obj);
const badInput = (fn: () => unknown, re: RegExp): void =>
  assert.throws(fn, (e: Error & { code?: string }) => {
    assert.equal(e.code, 'BAD_INPUT', e.message);
    assert.match(e.message, re);
    return true;
  });
const RUNTIME = ['nist-800-53-r5:si-4', 'nist-800-53-r5:au-12', 'pci-dss-4.0:11.5.1', 'pci-dss-4.0:10.2.1', 'soc2:CC7.2', 'iso-27001-2022:A.8.16', 'nist-csf-2.0:DE.CM-09', 'fz-152:СОВ.1', 'fstec-239:СОВ.1'];

test('falco: one runtime-alert per event, subjects from pod, container, audit target or host', async () => {
  const events = lines('falco-events.jsonl');
  const drafts: EvidenceDraft[] = [];
  for (const [i, e] of events.entries()) {
    assert.ok(falcoImporter.detect(e));
    drafts.push(...falcoImporter.import(e, await importContext(`falco-events.jsonl:${i + 1}`)));
  }
  assert.equal(drafts.length, events.length);
  assert.deepEqual(
    drafts.map((d) => [d.subject, d.severity]),
    [
      ['k8s:payments/Pod/web-7d9f8b6c5-x2x4q', 'low'],
      ['host:node-2', 'high'],
      ['container:9c1f00aa3e21', 'medium'],
      ['k8s:batch/Pod/worker-0', 'critical'],
      ['k8s:payments/Pod/api', 'low'],
      ['host:node-1', 'info'],
    ],
  );
  for (const [i, d] of drafts.entries()) {
    assert.equal(d.kind, 'runtime-alert');
    assert.equal(d.source, 'falco');
    assert.equal(d.outcome, 'alert');
    assert.equal(d.observedAt, new Date(String(events[i]!.time)).toISOString());
    assert.equal(d.title, `Falco ${String(events[i]!.priority)}: ${String(events[i]!.rule)}`);
    for (const c of RUNTIME) assert.ok(d.controls.includes(c), `${d.title}: ${c}`);
  }
  const shell = drafts[0]!.payload as { mitre: { tactics: string[]; techniques: string[] }; outputFields: Obj; tags: string[] };
  assert.deepEqual(shell.mitre, { tactics: ['execution'], techniques: ['T1059'] });
  assert.equal(shell.outputFields['proc.cmdline'], 'bash');
  assert.deepEqual(shell.tags, events[0]!.tags);
});

test('falco: NIST and PCI tags add their controls', async () => {
  const [, write, read, drop, exec] = lines('falco-events.jsonl');
  const ctx = await importContext('falco.jsonl');
  const controls = (e: Obj | undefined): string[] => falcoImporter.import(e, ctx)[0]!.controls;
  // NIST_800-53_SI-7 and PCI_DSS_11.5 (3.2.1: change detection → 4.0 11.5.2).
  assert.ok(controls(write).includes('nist-800-53-r5:si-7') && controls(write).includes('fedramp-high:si-7'));
  assert.ok(controls(write).includes('pci-dss-4.0:11.5.2'));
  // NIST_800-53_SI-4(2) and PCI_DSS_10.2.5 (→ 10.2.1).
  assert.ok(controls(read).includes('nist-800-53-r5:si-4.2') && controls(read).includes('pci-dss-4.0:10.2.1'));
  assert.ok(controls(drop).includes('nist-800-53-r5:cm-7'));
  assert.ok(controls(exec).includes('nist-800-53-r5:ac-6'));
  const plain = falcoImporter.import({ ...write, tags: [] }, ctx)[0]!.controls;
  assert.equal(plain.includes('nist-800-53-r5:si-7'), false);
  assert.deepEqual(parseFalcoTags(['NIST_800-53_AU-2', 'nist-800-53-si-4', 'PCI_DSS_10.2.5', 'pci-dss-11.5', 'mitre_Privilege_Escalation', 'T1068', 'T1059.004', 'T12', 'container']), {
    nist: ['AU-2', 'si-4'],
    pci: ['10.2.5', '11.5'],
    tactics: ['privilege_escalation'],
    techniques: ['T1068', 'T1059.004'],
  });
});

test('falco: every priority maps to its severity', async () => {
  const [e] = lines('falco-events.jsonl');
  const ctx = await importContext('falco.json');
  const cases: [string, string][] = [
    ['Emergency', 'critical'],
    ['ALERT', 'critical'],
    ['Critical', 'critical'],
    ['Error', 'high'],
    ['Warning', 'medium'],
    ['notice', 'low'],
    ['Informational', 'info'],
    ['Info', 'info'],
    ['Debug', 'info'],
  ];
  for (const [priority, severity] of cases) assert.equal(falcoImporter.import({ ...e, priority }, ctx)[0]!.severity, severity, priority);
});

test('falco: http_output and falcosidekick bodies, and an array of events', async () => {
  const http = JSON.parse(readFileSync(testdata('falco-http-output.json'), 'utf8')) as Obj;
  const sidekick = JSON.parse(readFileSync(testdata('falcosidekick-webhook.json'), 'utf8')) as Obj;
  const ctx = await importContext('body');
  const [h] = falcoImporter.import(http, ctx);
  assert.equal(h?.subject, 'k8s:batch/Pod/worker-0');
  const [s] = falcoImporter.import(sidekick, ctx);
  assert.equal((s?.payload as { uuid: string }).uuid, sidekick.uuid);
  assert.ok(falcoImporter.detect([http, sidekick]));
  assert.deepEqual(
    falcoImporter.import([http, sidekick], ctx).map((d) => d.subject),
    [h?.subject, s?.subject],
  );
});

test('falco: hostile events are refused or bounded', async () => {
  const [e] = lines('falco-events.jsonl');
  const ctx = await importContext('falco.jsonl:7');
  badInput(() => falcoImporter.import({ ...e, priority: 'Loud' }, ctx), /^falco\.jsonl:7: not a Falco event: priority: must be a Falco priority/);
  badInput(() => falcoImporter.import({ ...e, time: '10:01:02.123456789' }, ctx), /^falco\.jsonl:7: time: .* not a timestamp/);
  badInput(() => falcoImporter.import({ ...e, rule: 42 }, ctx), /rule/);
  badInput(() => falcoImporter.import({ ...e, tags: 'shell' }, ctx), /tags/);
  badInput(() => falcoImporter.import({ ...e, output_fields: [1, 2] }, ctx), /output_fields/);
  badInput(() => falcoImporter.import([e, { rule: 'x' }], ctx), /^falco\.jsonl:7: \[1\]: not a Falco event/);
  const huge = falcoImporter.import(
    {
      ...e,
      rule: `R${'x'.repeat(5000)}`,
      output: 'o'.repeat(100_000),
      tags: Array.from({ length: 1000 }, (_, i) => `tag${i}`),
      output_fields: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, 'v'.repeat(10_000)])),
      hostname: 'h\u0000\nost',
    },
    ctx,
  )[0]!;
  const p = huge.payload as { output: string; tags: string[]; outputFields: Obj };
  assert.ok(huge.title.length <= LIMITS.titleChars);
  assert.ok(p.output.length < LIMITS.textChars + 64);
  assert.equal(p.tags.length, LIMITS.listEntries);
  assert.equal(Object.keys(p.outputFields).length, LIMITS.listEntries + 1);
  assert.ok(JSON.stringify(p).length < 2_000_000);
  const proto = falcoImporter.import(JSON.parse(`{"time":"2026-11-20T10:00:00Z","rule":"r","priority":"Notice","output_fields":{"__proto__":{"polluted":true},"a":1}}`), ctx)[0]!;
  const fields = (proto.payload as { outputFields: Obj }).outputFields;
  // Validation drops a __proto__ key; nothing inherits from it, here or globally.
  assert.deepEqual(Object.keys(fields), ['a']);
  assert.equal(Object.getPrototypeOf(fields), Object.prototype);
  assert.equal(fields.polluted, undefined);
  assert.equal(({} as Obj).polluted, undefined);
  const hostOnly = falcoImporter.import({ ...e, output_fields: { 'container.id': 'host' }, hostname: 'h\u0000\nost' }, ctx)[0]!;
  assert.equal(hostOnly.subject, 'host:h ost');
});

test('wazuh: one host-alert per alert; severity bands, subjects and signals', async () => {
  const alerts = lines('wazuh-alerts.jsonl');
  const drafts: EvidenceDraft[] = [];
  for (const [i, a] of alerts.entries()) {
    assert.ok(wazuhImporter.detect(a));
    assert.equal(falcoImporter.detect(a), false);
    drafts.push(...wazuhImporter.import(a, await importContext(`alerts.json:${i + 1}`)));
  }
  assert.deepEqual(
    drafts.map((d) => [d.subject, d.severity]),
    [
      ['host:bastion-01', 'low'],
      ['host:node-1', 'medium'],
      ['host:node-2', 'medium'],
      ['host:bastion-01', 'medium'],
      ['host:wazuh-manager', 'info'],
      ['host:node-1', 'medium'],
      ['host:fileserver-01', 'critical'],
    ],
  );
  for (const [i, d] of drafts.entries()) {
    assert.equal(d.kind, 'host-alert');
    assert.equal(d.outcome, 'alert');
    assert.equal(d.observedAt, new Date(String(alerts[i]!.timestamp).replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString());
    for (const c of ['nist-800-53-r5:si-4', 'nist-800-53-r5:au-6', 'pci-dss-4.0:11.5.1', 'pci-dss-4.0:10.4.1', 'soc2:CC7.2', 'cmmc-l3:SI.L2-3.14.6']) assert.ok(d.controls.includes(c), `${i}: ${c}`);
  }
  const [ssh, fim, rootcheck, vuln, , sca, ransom] = drafts as EvidenceDraft[];
  // sshd: AU.6 (kept), AU.14 and AC.7 (not indexed, dropped); PCI 10.2.4/10.2.5/10.6.1 → 10.2.1, 10.4.1; TSC CC6.1.
  assert.ok(ssh!.controls.includes('soc2:CC6.1') && ssh!.controls.includes('pci-dss-4.0:10.2.1'));
  assert.equal(ssh!.controls.some((c) => c.endsWith(':au-14') || c.endsWith(':ac-7')), false);
  // FIM: integrity-monitoring and the rule's SI.7 / PCI 11.5 (→ 11.5.2).
  for (const c of ['nist-800-53-r5:si-7', 'pci-dss-4.0:11.5.2', 'fz-152:ОЦЛ.1']) assert.ok(fim!.controls.includes(c), c);
  assert.equal(ssh!.controls.includes('nist-800-53-r5:si-7'), false);
  assert.ok(rootcheck!.controls.includes('nist-800-53-r5:si-3'));
  for (const c of ['nist-800-53-r5:ra-5', 'pci-dss-4.0:11.3.1']) assert.ok(vuln!.controls.includes(c), c);
  for (const c of ['nist-800-53-r5:cm-6', 'pci-dss-4.0:2.2.1']) assert.ok(sca!.controls.includes(c), c);
  assert.ok(ransom!.controls.includes('nist-800-53-r5:si-4.5'));
  assert.match(ssh!.title, /^Wazuh rule 5710 \(level 5\): sshd: Attempt to login using a non-existent user$/);
  const p = ssh!.payload as { rule: { mitre: { id: string[] }; pci_dss: string[] }; agent: Obj; data: Obj; fullLog: string };
  assert.deepEqual(p.rule.mitre.id, ['T1110.001', 'T1021.004']);
  assert.deepEqual(p.rule.pci_dss, ['10.2.4', '10.2.5', '10.6.1']);
  assert.deepEqual(p.agent, { id: '003', name: 'bastion-01', ip: '10.20.0.5' });
  assert.equal(p.data.srcip, '192.0.2.44');
  assert.equal((fim!.payload as { syscheck: Obj }).syscheck.path, '/etc/kubernetes/manifests/kube-apiserver.yaml');
});

test('wazuh: the level bands', () => {
  const bands: [number[], string][] = [
    [[0, 1, 2, 3], 'info'],
    [[4, 5, 6], 'low'],
    [[7, 8, 9, 10, 11], 'medium'],
    [[12, 13, 14], 'high'],
    [[15, 16], 'critical'],
  ];
  for (const [levels, severity] of bands) for (const l of levels) assert.equal(wazuhSeverity(l), severity, String(l));
});

test('wazuh: hostile alerts are refused naming the line, or bounded', async () => {
  const [a] = lines('wazuh-alerts.jsonl');
  const rule = a!.rule as Obj;
  const ctx = await importContext('alerts.json:9');
  badInput(() => wazuhImporter.import({ ...a, rule: { ...rule, level: 'high' } }, ctx), /^alerts\.json:9: not a Wazuh alert: rule\.level/);
  badInput(() => wazuhImporter.import({ ...a, rule: { ...rule, level: 99 } }, ctx), /rule\.level/);
  badInput(() => wazuhImporter.import({ ...a, rule: { ...rule, groups: 'sshd' } }, ctx), /rule\.groups/);
  badInput(() => wazuhImporter.import({ ...a, timestamp: 'Nov 20 10:15:32' }, ctx), /^alerts\.json:9: timestamp: .* not a timestamp/);
  badInput(() => wazuhImporter.import({ ...a, timestamp: '2026-02-30T10:00:00.000+0000' }, ctx), /timestamp/);
  const { rule: _r, ...noRule } = a!;
  badInput(() => wazuhImporter.import(noRule, ctx), /rule/);
  badInput(() => wazuhImporter.import({ ...a, agent: { id: '001' } }, ctx), /agent\.name/);
  const numeric = wazuhImporter.import({ ...a, rule: { ...rule, id: 5710 } }, ctx)[0]!;
  assert.equal((numeric.payload as { rule: { id: string } }).rule.id, '5710');
  const big = wazuhImporter.import({ ...a, full_log: 'x'.repeat(500_000), data: { deep: { a: { b: { c: { d: { e: 1 } } } } }, many: Array.from({ length: 5000 }, (_, i) => i) } }, ctx)[0]!;
  const p = big.payload as { fullLog: string; data: { deep: Obj; many: unknown[] } };
  assert.ok(p.fullLog.length < LIMITS.textChars + 64);
  assert.equal(p.data.many.length, LIMITS.listEntries + 1);
  assert.match(JSON.stringify(p.data.deep), /nested too deep/);
  const noAgent = wazuhImporter.import({ ...a, agent: undefined }, ctx)[0]!;
  assert.equal(noAgent.subject, 'host:wazuh-manager');
});

test('payload copies keep a __proto__ key as data', () => {
  const copy = boundedJson(JSON.parse('{"__proto__":{"polluted":true},"b":{"__proto__":1}}')) as Obj;
  assert.deepEqual(Object.keys(copy), ['__proto__', 'b']);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(copy.polluted, undefined);
  assert.equal(JSON.stringify(copy), '{"__proto__":{"polluted":true},"b":{"__proto__":1}}');
});
