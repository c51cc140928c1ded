/**
 * The evidence signals content and the control resolver: every signal maps every
 * framework to indexed controls with one-line rationales, FedRAMP follows NIST, and
 * hints in the spellings sources use resolve to sorted, unique, indexed controls only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadContent } from '../frameworks/content.ts';
import { PROJECT_ROOT } from '../../test/helpers/env.ts';
import { contentResolver } from '../../test/helpers/evidence.ts';
import { PCI_321_TO_40, createControlResolver, nistOscalId } from './controls.ts';
import { SIGNALS, checkEvidenceSignals, parseEvidenceSignals } from './signals.ts';

test('every signal maps every framework to indexed controls, with one-line rationales', async () => {
  const r = await contentResolver();
  const content = await loadContent(join(PROJECT_ROOT, 'content'));
  assert.deepEqual([...r.signals.signals.keys()].sort(), [...SIGNALS].sort());
  for (const s of r.signals.signals.values()) {
    assert.deepEqual(Object.keys(s.mappings).sort(), [...content.frameworks.keys()].sort(), `${s.id} maps every framework`);
    for (const [fw, entries] of Object.entries(s.mappings)) {
      const ids = new Set(content.frameworks.get(fw)!.controls.map((c) => c.id));
      for (const e of entries) {
        assert.ok(ids.has(e.control), `${s.id}: ${fw} ${e.control}`);
        assert.ok(e.rationale.length >= 20 && !e.rationale.includes('\n'), `${s.id}: ${fw} ${e.control} rationale`);
        assert.ok(r.has(`${fw}:${e.control}`));
      }
    }
  }
});

test('fedramp-high signal mappings follow the NIST 800-53 ones', async () => {
  const r = await contentResolver();
  for (const s of r.signals.signals.values()) {
    const ids = (fw: string): string[] => (s.mappings[fw] ?? []).map((e) => e.control).sort();
    assert.deepEqual(ids('fedramp-high'), ids('nist-800-53-r5'), s.id);
  }
});

test('the framework indexes hold the controls the signals need beside the workload controls', async () => {
  const content = await loadContent(join(PROJECT_ROOT, 'content'));
  const has = (fw: string, id: string): boolean => content.frameworks.get(fw)?.controls.some((c) => c.id === id) ?? false;
  for (const id of ['ra-5', 'si-2', 'si-4', 'au-2', 'au-6', 'au-12', 'ca-7', 'ir-4', 'si-3']) {
    assert.ok(has('nist-800-53-r5', id), `nist ${id}`);
    assert.ok(has('fedramp-high', id), `fedramp ${id}`);
  }
  for (const id of ['6.3.1', '6.3.3', '11.3.1', '10.2.1', '10.4.1', '11.5.1']) assert.ok(has('pci-dss-4.0', id), `pci ${id}`);
  for (const id of ['A.8.8', 'A.8.15', 'A.8.16']) assert.ok(has('iso-27001-2022', id), `iso ${id}`);
  for (const id of ['CC7.1', 'CC7.2']) assert.ok(has('soc2', id), `soc2 ${id}`);
  for (const id of ['ID.RA-01', 'DE.CM-09']) assert.ok(has('nist-csf-2.0', id), `csf ${id}`);
});

test('NIST SP 800-53 ids in the spellings sources use become OSCAL ids', () => {
  const cases: [string, string | undefined][] = [
    ['AU-2', 'au-2'],
    ['au-2', 'au-2'],
    ['AU.14', 'au-14'],
    ['SI-4(2)', 'si-4.2'],
    ['SI-4 (5)', 'si-4.5'],
    ['si-4.2', 'si-4.2'],
    ['AC-06', 'ac-6'],
    ['AC-6(10)', 'ac-6.10'],
    ['SI4', 'si-4'],
    ['CM', undefined],
    ['800-53', undefined],
    ['AU-2(', undefined],
    ['AU-2; drop table', undefined],
  ];
  for (const [raw, want] of cases) assert.equal(nistOscalId(raw), want, raw);
});

test('hints resolve to sorted, unique refs of indexed controls only', async () => {
  const r = await contentResolver();
  const refs = r.resolve({
    nist80053: ['SI-4', 'si-4', 'AU.14', 'SI-4(5)', 'XX-1'],
    pciDss4: ['11.5.1', '99.9'],
    tsc: ['cc7.2', 'PI1.4'],
    refs: ['soc2:CC6.1', 'soc2:CC9.9', 'nope', 'unknown-fw:x'],
  });
  assert.deepEqual(refs, ['fedramp-high:si-4', 'fedramp-high:si-4.5', 'nist-800-53-r5:si-4', 'nist-800-53-r5:si-4.5', 'pci-dss-4.0:11.5.1', 'soc2:CC6.1', 'soc2:CC7.2']);
  assert.deepEqual([...refs].sort(), refs);
  assert.deepEqual(r.resolve({}), []);
});

test('PCI DSS 3.2.1 ids translate to their 4.0 successors, and only indexed ones remain', async () => {
  const r = await contentResolver();
  const pci = (ids: string[]): string[] => r.resolve({ pciDss321: ids }).map((x) => x.replace('pci-dss-4.0:', ''));
  assert.deepEqual(pci(['10.2.4', '10.2.5']), ['10.2.1']);
  assert.deepEqual(pci(['10.6.1']), ['10.4.1']);
  assert.deepEqual(pci(['11.5']), ['11.5.2']);
  assert.deepEqual(pci(['11.4']), ['11.5.1']);
  assert.deepEqual(pci(['11.2.1', '11.2.3']), ['11.3.1']);
  assert.deepEqual(pci(['6.2']), ['6.3.3']);
  // 3.2.1's 6.5.x (coding practices) has no successor in the index; 5.1 (anti-malware) is not indexed.
  assert.deepEqual(pci(['6.5.8', '5.1', 'x.y', '']), []);
  // A 3.2.1 id is never taken as the 4.0 requirement of the same number.
  assert.deepEqual(pci(['6.3.1']), []);
  for (const [from, to] of PCI_321_TO_40) assert.ok(/^\d+(\.\d+)*$/.test(from) && to.every((t) => /^\d+(\.\d+)*$/.test(t)));
});

test('signals and policy names resolve through the content', async () => {
  const r = await contentResolver();
  const scan = r.resolve({ signals: ['vulnerability-scanning'] });
  for (const ref of ['nist-800-53-r5:ra-5', 'fedramp-high:ra-5', 'pci-dss-4.0:11.3.1', 'iso-27001-2022:A.8.8', 'soc2:CC7.1', 'nist-csf-2.0:ID.RA-01']) assert.ok(scan.includes(ref), ref);
  const frameworks = new Set(scan.map((x) => x.slice(0, x.indexOf(':'))));
  assert.equal(frameworks.size, 10);
  const pol = r.resolve({ policies: ['disallow-privileged-containers'] });
  assert.ok(pol.includes('nist-800-53-r5:ac-6') && pol.includes('pci-dss-4.0:2.2.6'));
  assert.deepEqual(r.resolve({ policies: ['payments/disallow-privileged-containers'] }), pol);
  assert.deepEqual(r.resolve({ policies: ['not-a-policy-we-ship'] }), []);
});

const GOOD = `apiVersion: airlock.dev/v1alpha1
kind: EvidenceSignals
signals:
${SIGNALS.map((s) => `  - id: ${s}\n    title: The ${s} signal\n    mappings:\n      demo:\n        - control: X.1\n          rationale: A rationale long enough to say something.\n`).join('')}`;

test('parseEvidenceSignals checks shape, duplicates, the signals the importers need, and the controls', () => {
  const parsed = parseEvidenceSignals(GOOD, 'signals.yaml');
  assert.equal(parsed.signals.size, SIGNALS.length);
  const frameworks = new Map([['demo', { controls: [{ id: 'X.1' }] }]]) as unknown as Parameters<typeof checkEvidenceSignals>[1];
  checkEvidenceSignals(parsed, frameworks, 'signals.yaml');
  const bad = (text: string, re: RegExp): void => assert.throws(() => parseEvidenceSignals(text, 'signals.yaml'), (e: Error & { code?: string }) => e.code === 'BAD_INPUT' && re.test(e.message));
  bad(GOOD.replace('kind: EvidenceSignals', 'kind: Other'), /^signals\.yaml: kind: /);
  bad(`${GOOD}  - id: audit-review\n    title: again\n    mappings:\n      demo:\n        - control: X.1\n          rationale: A rationale long enough to say something.\n`, /signal audit-review is defined twice/);
  bad(GOOD.replace(/ {2}- id: audit-review\n(.*\n){5}/, ''), /signal audit-review is missing/);
  bad(GOOD.replace('        - control: X.1\n          rationale: A rationale long enough to say something.\n', '        - control: X.1\n          rationale: A rationale long enough to say something.\n        - control: X.1\n          rationale: The same control a second time over.\n'), /control X\.1 is mapped twice/);
  bad(GOOD.replace('    title: The audit-review signal\n', '    title: The audit-review signal\n    title: twice\n'), /duplicate|unique/i);
  bad(GOOD.replace('rationale: A rationale long enough to say something.', 'rationale: "two\\nlines"'), /must be one line/);
  bad(GOOD.replace('  - id: audit-review', '  - id: Audit Review'), /must be a lowercase slug/);
  assert.throws(() => checkEvidenceSignals(parsed, new Map() as typeof frameworks, 's.yaml'), /s\.yaml: signal vulnerability-scanning: unknown framework demo/);
  const other = new Map([['demo', { controls: [{ id: 'X.2' }] }]]) as unknown as typeof frameworks;
  assert.throws(() => checkEvidenceSignals(parsed, other, 's.yaml'), /demo has no control X\.1/);
});

test('a resolver over other content keeps to that content', () => {
  const frameworks = new Map([
    ['nist-800-53-r5', { controls: [{ id: 'si-4' }] }],
    ['soc2', { controls: [{ id: 'CC7.2' }] }],
  ]) as unknown as Parameters<typeof createControlResolver>[0]['frameworks'];
  const r = createControlResolver({ frameworks, policies: [] }, parseEvidenceSignals(GOOD, 's.yaml'));
  assert.deepEqual(r.resolve({ nist80053: ['SI-4', 'AU-2'], tsc: ['CC7.2'], signals: ['audit-review'] }), ['nist-800-53-r5:si-4', 'soc2:CC7.2']);
});
