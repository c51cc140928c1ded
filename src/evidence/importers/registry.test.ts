/**
 * The registry and the file entry point: every importer has a distinct type, `auto`
 * recognises every fixture as its own type, documents are rejected whole and JSON-lines
 * files report bad lines by number while the rest imports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData, tempDir } from '../../../test/helpers/env.ts';
import { importContext, testdata } from '../../../test/helpers/evidence.ts';
import { importFile, type FileImportEvent } from '../readers/import-file.ts';
import { EVIDENCE_KINDS, OUTCOMES, EVIDENCE_SEVERITIES, type EvidenceDraft } from '../types.ts';
import { LIMITS } from './importer.ts';
import { importDocument } from './ingest.ts';
import { IMPORTERS, detectImporter, getImporter, importerTypes } from './registry.ts';

const FIXTURES: [string, string][] = [
  ['airlock-scan-oci.json', 'airlock-scan'],
  ['airlock-policy-audit.json', 'airlock-policy'],
  ['airlock-policy-reports.json', 'airlock-policy'],
  ['kyverno-policyreports.json', 'kyverno'],
  ['falco-events.jsonl', 'falco'],
  ['falco-http-output.json', 'falco'],
  ['falcosidekick-webhook.json', 'falco'],
  ['wazuh-alerts.jsonl', 'wazuh'],
];

async function all(path: string, type: string, now?: Date): Promise<FileImportEvent[]> {
  const ctx = await importContext(path, now);
  const out: FileImportEvent[] = [];
  for await (const e of importFile(path, type, { now: ctx.now, controls: ctx.controls })) out.push(e);
  return out;
}

const drafts = (events: FileImportEvent[]): EvidenceDraft[] => events.flatMap((e) => ('drafts' in e ? e.drafts : []));
const errors = (events: FileImportEvent[]): string[] => events.flatMap((e) => ('error' in e ? [e.error.message] : []));

/** What every draft must satisfy, whatever the importer. */
function checkDraft(d: EvidenceDraft, where: string): void {
  assert.ok((EVIDENCE_KINDS as readonly string[]).includes(d.kind), where);
  assert.ok((OUTCOMES as readonly string[]).includes(d.outcome), where);
  assert.ok((EVIDENCE_SEVERITIES as readonly string[]).includes(d.severity), where);
  assert.match(d.subject, /^[a-z0-9]+:.+/, where);
  assert.ok(d.subject.length <= LIMITS.subjectChars && d.title.length <= LIMITS.titleChars && d.title !== '', where);
  assert.doesNotMatch(d.title, /[\n\r]/, where);
  assert.equal(new Date(d.observedAt).toISOString(), d.observedAt, where);
  assert.deepEqual([...new Set(d.controls)].sort(), d.controls, where);
  assert.ok(d.controls.length > 0, `${where}: no controls`);
  assert.ok(importerTypes().includes(d.source), where);
  assert.doesNotThrow(() => JSON.stringify(d.payload), where);
}

test('the registry: distinct types, one-line descriptions, USAGE for an unknown type', () => {
  assert.equal(new Set(importerTypes()).size, IMPORTERS.length);
  assert.deepEqual(importerTypes().sort(), ['airlock-policy', 'airlock-scan', 'falco', 'grype', 'kyverno', 'trivy', 'wazuh']);
  for (const i of IMPORTERS) assert.ok(i.description.length > 10 && !i.description.includes('\n'), i.type);
  assert.throws(() => getImporter('splunk'), (e: Error & { code?: string }) => e.code === 'USAGE' && /unknown evidence type "splunk" \(choose auto, airlock-scan/.test(e.message));
  for (const v of [null, 42, 'text', [], {}, { rule: {} }, { matches: [] }]) assert.equal(detectImporter(v), undefined, JSON.stringify(v));
});

test('auto recognises every fixture as its type, and the drafts hold to the model', async () => {
  for (const [name, type] of FIXTURES) {
    const events = await all(testdata(name), 'auto');
    assert.deepEqual(errors(events), [], name);
    assert.ok(events.length > 0, name);
    for (const e of events) assert.equal('importer' in e && e.importer, type, name);
    const ds = drafts(events);
    assert.ok(ds.length > 0, name);
    for (const d of ds) checkDraft(d, `${name}: ${d.title}`);
    // The explicit type gives the same drafts.
    assert.deepEqual(drafts(await all(testdata(name), type)), ds, name);
  }
});

test('auto recognises the shared Trivy and Grype reports', async (t) => {
  const trivy = sharedData(t, 'vuln', 'reports', 'trivy', 'alpine-310.json');
  const grype = sharedData(t, 'vuln', 'reports', 'grype', 'explain-testdata.keycloak-test.json');
  if (!trivy || !grype) return;
  for (const [path, type] of [
    [trivy, 'trivy'],
    [grype, 'grype'],
  ]) {
    const events = await all(path!, 'auto');
    assert.deepEqual(events.map((e) => 'importer' in e && e.importer), [type]);
    for (const d of drafts(events)) checkDraft(d, type!);
  }
});

test('a JSON-lines file: bad, long and foreign lines are reported by number; the rest imports', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'alerts.json');
  const good = readFileSync(testdata('wazuh-alerts.jsonl'), 'utf8').trim().split('\n');
  const falco = readFileSync(testdata('falco-events.jsonl'), 'utf8').trim().split('\n')[0]!;
  writeFileSync(
    path,
    [
      good[0],
      '{"timestamp":"2026-11-20T10:15:32.123+0000","rule":{"level":"high"}}',
      '{"timestamp":1,"timestamp":2}',
      `{"full_log":"${'x'.repeat(2 * 1024 * 1024)}"}`,
      falco,
      '',
      good[1],
      '{"rule":',
    ].join('\n'),
  );
  const events = await all(path, 'wazuh');
  assert.deepEqual(
    events.map((e) => e.line),
    [1, 2, 3, 4, 5, 7, 8],
  );
  assert.equal(drafts(events).length, 2);
  const errs = errors(events);
  assert.equal(errs.length, 5);
  assert.match(errs[0]!, new RegExp(`^${path}:2: not a Wazuh alert: rule\\.level`));
  assert.match(errs[1]!, new RegExp(`^${path}:3: invalid JSON: duplicate key "timestamp"`));
  assert.match(errs[2]!, new RegExp(`^${path}:4: line of \\d+ bytes exceeds the limit of 1048576 bytes; skipped`));
  assert.match(errs[3]!, new RegExp(`^${path}:5: not a Wazuh alert`));
  assert.match(errs[4]!, new RegExp(`^${path}:8: invalid JSON`));

  // auto: the type comes from the first line that is an alert; lines before it that are
  // not are errors.
  writeFileSync(path, ['{"hello":"world"}', good[0], good[1]].join('\n'));
  const auto = await all(path, 'auto');
  assert.match(errors(auto)[0]!, /:1: not a Falco event or a Wazuh alert; give --type/);
  assert.equal(drafts(auto).length, 2);
});

test('documents are rejected whole: wrong type, duplicate keys, not JSON, too deep', async (t) => {
  const dir = tempDir(t);
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const scan = readFileSync(testdata('airlock-scan-oci.json'), 'utf8');
  const reject = async (path: string, type: string, re: RegExp): Promise<void> => {
    await assert.rejects(all(path, type), (e: Error & { code?: string }) => e.code !== undefined && re.test(e.message));
  };
  await reject(write('scan.json', scan), 'trivy', /scan\.json: not a Trivy JSON report/);
  await reject(write('dup.json', scan.replace('"schema": "airlock.scan/v1",', '"schema": "airlock.scan/v1", "schema": "x",')), 'auto', /dup\.json: invalid JSON: duplicate key "schema"/);
  await reject(write('dup2.json', scan.replace('"schema": "airlock.scan/v1",', '"schema": "airlock.scan/v1", "schema": "x",')), 'airlock-scan', /dup2\.json: invalid JSON: duplicate key "schema"/);
  await reject(write('text.json', 'hello'), 'auto', /text\.json: invalid JSON/);
  await reject(write('deep.json', `${'['.repeat(500)}${']'.repeat(500)}`), 'auto', /nesting deeper than/);
  await reject(write('other.json', '{"kind":"Deployment"}'), 'auto', /other\.json: not a format Airlock imports .*give --type/);
  await reject(join(dir, 'missing.json'), 'auto', /missing\.json: no such file/);
  assert.throws(() => importDocument('{"a":1}', 'nope', { source: 's', now: () => new Date(), controls: undefined as never }), /unknown evidence type/);
});

test('a lines type reads a broken first line as a bad line, and a pretty-printed event as one document', async (t) => {
  const dir = tempDir(t);
  const good = readFileSync(testdata('wazuh-alerts.jsonl'), 'utf8').trim().split('\n');
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, ['{"rule":', good[0], good[1]].join('\n'));
  const events = await all(broken, 'wazuh');
  assert.equal(drafts(events).length, 2);
  assert.match(errors(events)[0]!, /broken\.json:1: invalid JSON/);
  const pretty = join(dir, 'event.json');
  writeFileSync(pretty, JSON.stringify(JSON.parse(good[0]!), null, 2));
  for (const type of ['wazuh', 'auto']) {
    const one = await all(pretty, type);
    assert.equal(one.length, 1);
    assert.equal(one[0]?.line, undefined);
    assert.equal(drafts(one).length, 1);
  }
  // A compact one-line document of a document type is still a document for auto.
  const compact = join(dir, 'scan.json');
  writeFileSync(compact, JSON.stringify(JSON.parse(readFileSync(testdata('airlock-scan-oci.json'), 'utf8'))));
  const scan = await all(compact, 'auto');
  assert.ok(scan.length === 1 && 'importer' in scan[0]! && scan[0].importer === 'airlock-scan');
});
