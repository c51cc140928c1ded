/**
 * Validation against NIST's shipped schemas: the real OSCAL documents of the shared data
 * set (valid ones pass, the known-invalid ones fail for the documented reasons), mutated
 * copies fail at the pointer of the mutation, and the shipped schema files are NIST's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AirlockError } from '../../src/common/errors.ts';
import { compiledValidator, OSCAL_VERSIONS, parseOscalDocument, schemaVersionFor, validateOscal, type JsonObject } from '../../src/oscal/index.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, sharedData, tempDir } from '../helpers/env.ts';

const SCHEMA_DIR = join(PROJECT_ROOT, 'content', 'oscal-schemas');

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

// The shared data set's own validation notes (SOURCES.md): these real files are invalid.
const INVALID: Record<string, string[]> = {
  '1.1.3': ['examples/tools/c2p-ocm-assessment-results.json', 'examples/fedramp-oscal-foundation/fedramp-ssp-example_NORMALIZED_.oscal.json'],
  '1.2.1': [
    'examples/tools/c2p-ocm-assessment-results.json',
    'examples/fedramp-oscal-foundation/fedramp-ssp-example_NORMALIZED_.oscal.json',
    'examples/fedramp-gsa-templates/FedRAMP-SAP-OSCAL-Template.json',
    'examples/fedramp-gsa-templates/FedRAMP-SAR-OSCAL-Template.json',
  ],
};

test('every OSCAL document of the shared data validates as published, under both schema versions', async (t) => {
  const root = sharedData(t, 'oscal');
  if (!root) return;
  const files = jsonFiles(root).filter((f) => !relative(root, f).startsWith('schemas/'));
  assert.ok(files.length >= 40, `found ${files.length} documents`);
  for (const file of files) {
    const rel = relative(root, file);
    const doc = parseOscalDocument(readFileSync(file), rel);
    assert.ok(doc.declaredVersion && schemaVersionFor(doc.declaredVersion), `${rel} declares ${doc.declaredVersion}`);
    for (const v of OSCAL_VERSIONS) {
      const r = await validateOscal(doc.value, doc.model, v);
      const expected = !(INVALID[v] ?? []).includes(rel);
      assert.equal(r.valid, expected, `${rel} under ${v}: ${r.errors.slice(0, 3).map((e) => `${e.pointer}: ${e.message}`).join('; ')}`);
      assert.equal(r.errorCount === 0, expected);
    }
  }
});

test('the known-invalid documents fail for the reasons documented, at their pointers', async (t) => {
  const c2p = sharedData(t, 'oscal', 'examples', 'tools', 'c2p-ocm-assessment-results.json');
  const ssp = sharedData(t, 'oscal', 'examples', 'fedramp-oscal-foundation', 'fedramp-ssp-example_NORMALIZED_.oscal.json');
  if (!c2p || !ssp) return;
  const a = parseOscalDocument(readFileSync(c2p), 'c2p');
  const r = await validateOscal(a.value, a.model, '1.1.3');
  const has = (pointer: string, re: RegExp) => r.errors.some((e) => e.pointer === pointer && re.test(e.message));
  assert.ok(has('/assessment-results/uuid', /does not match the UUIDDatatype pattern/), 'v1 UUID');
  assert.ok(has('/assessment-results/results/0', /required property "reviewed-controls" is missing/));
  assert.ok(has('/assessment-results/results/0/observations/0/collected', /"0001-01-01T00:00:00Z" does not match the DateTimeWithTimezoneDatatype pattern/));
  const s = parseOscalDocument(readFileSync(ssp), 'ssp');
  const rs = await validateOscal(s.value, s.model, '1.2.1');
  assert.ok(rs.errors.some((e) => /\/protocols\/0\/port-ranges\/0\/start$/.test(e.pointer) && /must be integer, found "5432"/.test(e.message)));
});

function set(doc: JsonObject, path: (string | number)[], value: unknown): void {
  let cur: unknown = doc;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[k];
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete (cur as Record<string | number, unknown>)[last];
  else (cur as Record<string | number, unknown>)[last] = value;
}

test('mutated copies of NIST examples fail, and each error names the pointer of the mutation', async (t) => {
  const dir = sharedData(t, 'oscal', 'examples', 'nist-oscal-content');
  if (!dir) return;
  const cases: { file: string; path: (string | number)[]; value: unknown; pointer: string; message: RegExp }[] = [
    { file: 'basic-catalog.json', path: ['catalog', 'metadata', 'last-modified'], value: 'yesterday', pointer: '/catalog/metadata/last-modified', message: /"yesterday" does not match the DateTimeWithTimezoneDatatype pattern/ },
    { file: 'basic-catalog.json', path: ['catalog', 'metadata', 'title'], value: undefined, pointer: '/catalog/metadata', message: /required property "title" is missing/ },
    { file: 'basic-catalog.json', path: ['catalog', 'groups', 0, 'bogus'], value: 1, pointer: '/catalog/groups/0/bogus', message: /property is not allowed here/ },
    { file: 'basic-catalog.json', path: ['catalog', 'groups', 0, 'groups', 0, 'controls', 0, 'id'], value: '1 bad id', pointer: '/catalog/groups/0/groups/0/controls/0/id', message: /does not match the TokenDatatype pattern/ },
    { file: 'basic-catalog.json', path: ['catalog', 'uuid'], value: '6fae0aac-93fc-11ee-a02a-62f79297f1b7', pointer: '/catalog/uuid', message: /UUIDDatatype/ },
    { file: 'ssp-example.json', path: ['system-security-plan', 'system-characteristics', 'system-ids'], value: [], pointer: '/system-security-plan/system-characteristics/system-ids', message: /must NOT have fewer than 1 items/ },
    { file: 'ssp-example.json', path: ['system-security-plan', 'system-characteristics', 'status', 'state'], value: 'finished', pointer: '/system-security-plan/system-characteristics/status/state', message: /"finished" is not one of/ },
    { file: 'example-component-definition.json', path: ['component-definition', 'components', 0, 'title'], value: 42, pointer: '/component-definition/components/0/title', message: /must be string, found 42/ },
    { file: 'ifa_plan-of-action-and-milestones.json', path: ['plan-of-action-and-milestones', 'metadata', 'oscal-version'], value: '', pointer: '/plan-of-action-and-milestones/metadata/oscal-version', message: /^"" does not match the \w+Datatype pattern$/ },
  ];
  for (const v of OSCAL_VERSIONS) {
    for (const c of cases) {
      const doc = parseOscalDocument(readFileSync(join(dir, c.file)), c.file);
      const before = await validateOscal(doc.value, doc.model, v);
      assert.ok(before.valid, `${c.file} is valid before the mutation`);
      set(doc.value, c.path, c.value);
      const r = await validateOscal(doc.value, doc.model, v);
      assert.equal(r.valid, false, `${c.file} ${c.pointer}`);
      assert.ok(
        r.errors.some((e) => e.pointer === c.pointer && c.message.test(e.message)),
        `${v} ${c.file}: expected ${c.pointer} ${c.message}; got ${r.errors.map((e) => `${e.pointer}: ${e.message}`).join(' | ')}`,
      );
    }
  }
});

test('airlock oscal validate: exit 0 valid, 1 invalid with every error, 2 not JSON or not OSCAL', async (t) => {
  const dir = sharedData(t, 'oscal', 'examples', 'nist-oscal-content');
  if (!dir) return;
  const tmp = tempDir(t);
  const ok = await runCli(['oscal', 'validate', join(dir, 'basic-catalog.json')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^OK .*basic-catalog\.json: valid OSCAL 1\.1\.3 catalog \(declares 1\.1\.2\)\n$/);

  const doc = JSON.parse(readFileSync(join(dir, 'basic-catalog.json'), 'utf8')) as JsonObject;
  set(doc, ['catalog', 'metadata', 'last-modified'], 'soon');
  set(doc, ['catalog', 'groups', 0, 'extra'], true);
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, JSON.stringify(doc));
  const r = await runCli(['oscal', 'validate', bad]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0] ?? '', /^airlock: .*bad\.json: not valid OSCAL 1\.1\.3 catalog: 2 error\(s\), first at \/catalog\//);
  assert.ok(lines.includes('  /catalog/metadata/last-modified: "soon" does not match the DateTimeWithTimezoneDatatype pattern'), r.stderr);
  assert.ok(lines.includes('  /catalog/groups/0/extra: property is not allowed here'), r.stderr);

  const j = await runCli(['oscal', 'validate', bad, '--json', '--max-errors', '1', '--oscal-version', '1.2.1']);
  assert.equal(j.code, 1);
  const out = JSON.parse(j.stdout) as { valid: boolean; errorCount: number; errors: unknown[]; truncated: boolean; schemaVersion: string; model: string };
  assert.deepEqual([out.valid, out.errorCount, out.errors.length, out.truncated, out.schemaVersion, out.model], [false, 2, 1, true, '1.2.1', 'catalog']);

  writeFileSync(join(tmp, 'not.json'), '{"catalog": ');
  const nj = await runCli(['oscal', 'validate', join(tmp, 'not.json')]);
  assert.equal(nj.code, 2);
  assert.match(nj.stderr, /not\.json: invalid JSON/);
  const no = await runCli(['oscal', 'validate', join(PROJECT_ROOT, 'package.json')]);
  assert.equal(no.code, 2);
  assert.match(no.stderr, /package\.json: not an OSCAL document/);
  writeFileSync(join(tmp, 'future.json'), JSON.stringify({ catalog: { metadata: { 'oscal-version': '3.0.0' } } }));
  const fut = await runCli(['oscal', 'validate', join(tmp, 'future.json')]);
  assert.equal(fut.code, 2);
  assert.match(fut.stderr, /declares OSCAL version "3\.0\.0", which has no schema here; give --oscal-version/);
  writeFileSync(join(tmp, 'map.json'), JSON.stringify({ 'mapping-collection': { metadata: { 'oscal-version': '1.1.3' } } }));
  const map = await runCli(['oscal', 'validate', join(tmp, 'map.json')]);
  assert.equal(map.code, 2);
  assert.match(map.stderr, /OSCAL 1\.1\.3 has no mapping-collection model/);
  const usage = await runCli(['oscal', 'validate', join(tmp, 'map.json'), '--oscal-version', '1.0']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--oscal-version: "1\.0" is not one of 1\.1\.3, 1\.2\.1/);
});

test('a schema folder may be nested by version or flat; a folder of another version is refused', async (t) => {
  const dir = sharedData(t, 'oscal', 'examples', 'nist-oscal-content');
  if (!dir) return;
  const doc = parseOscalDocument(readFileSync(join(dir, 'basic-catalog.json')), 'basic-catalog.json');
  const flat = tempDir(t);
  copyFileSync(join(SCHEMA_DIR, '1.1.3', 'oscal_catalog_schema.json'), join(flat, 'oscal_catalog_schema.json'));
  assert.equal((await validateOscal(doc.value, 'catalog', '1.1.3', { schemaDir: flat })).valid, true);
  await assert.rejects(validateOscal(doc.value, 'catalog', '1.2.1', { schemaDir: flat }), (e: unknown) => e instanceof AirlockError && /is not an OSCAL 1\.2\.1 schema/.test(e.message));
  const empty = tempDir(t);
  mkdirSync(join(empty, '1.1.3'));
  await assert.rejects(validateOscal(doc.value, 'catalog', '1.1.3', { schemaDir: empty }), (e: unknown) => e instanceof AirlockError && e.code === 'NOT_FOUND' && /no OSCAL 1\.1\.3 schema for catalog/.test(e.message));
});

test('compiled validators are cached per folder, version and model', async () => {
  const a = await compiledValidator('profile', '1.1.3');
  const b = await compiledValidator('profile', '1.1.3');
  assert.equal(a, b);
  assert.notEqual(a.validate, (await compiledValidator('profile', '1.2.1')).validate);
});

test("the shipped schema files are NIST's, byte for byte, as listed in their README", () => {
  const readme = readFileSync(join(SCHEMA_DIR, 'README.md'), 'utf8');
  const listed = [...readme.matchAll(/^([a-f0-9]{64}) {2}(\S+)$/gm)].map((m) => [m[2] as string, m[1] as string] as const);
  const shipped = OSCAL_VERSIONS.flatMap((v) => readdirSync(join(SCHEMA_DIR, v)).map((f) => `${v}/${f}`)).sort();
  assert.deepEqual(listed.map(([f]) => f).sort(), shipped);
  for (const [file, sum] of listed) assert.equal(createHash('sha256').update(readFileSync(join(SCHEMA_DIR, file))).digest('hex'), sum, file);
});

test("NIST's shipped schemas compile under Ajv's strict mode, but for one type hint in the 1.2.1 mapping model", async () => {
  const { Ajv } = await import('ajv');
  const addFormats = (await import('ajv-formats')).default;
  for (const v of OSCAL_VERSIONS) {
    for (const f of readdirSync(join(SCHEMA_DIR, v))) {
      const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, v, f), 'utf8')) as object;
      const strict = new Ajv({ strict: true, unicodeRegExp: true });
      addFormats.default(strict);
      if (f === 'oscal_mapping_schema.json') {
        // confidence-score's percentage has a pattern without "type": "string" (strictTypes).
        assert.throws(() => strict.compile(schema), /strictTypes/);
        const lenient = new Ajv({ strict: true, strictTypes: false, unicodeRegExp: true });
        addFormats.default(lenient);
        lenient.compile(schema);
      } else strict.compile(schema);
    }
  }
});
