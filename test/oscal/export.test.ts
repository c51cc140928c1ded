/**
 * OSCAL export: every framework in both OSCAL versions validates against NIST's schema
 * (the shipped copy and, when present, the shared data set's copy), re-exports are
 * byte-identical, UUIDs are stable, the documents reference each other consistently,
 * official text appears once a catalog is imported, and nothing is written when a
 * document does not validate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../src/common/errors.ts';
import { loadContent, type Content } from '../../src/frameworks/index.ts';
import { CONTENT_EXPORTERS as EXPORTERS, exportFramework, importCatalog, OSCAL_VERSIONS, parseOscalDocument, validateOscal, type ExportOptions, type JsonObject } from '../../src/oscal/index.ts';
import { loadEvidenceSignals } from '../../src/evidence/signals.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, SHARED_DATA, sharedData, tempDir } from '../helpers/env.ts';

let cached: Promise<Content> | undefined;
const content = (): Promise<Content> => (cached ??= loadContent(join(PROJECT_ROOT, 'content')));
const producer = { name: 'Airlock', version: '0.1.0' };
const T0 = '2025-06-30T12:00:00Z';

async function exportTo(dir: string, framework: string, extra: Partial<ExportOptions> = {}) {
  return exportFramework({ content: await content(), framework, out: dir, oscalVersion: '1.1.3', producer, lastModified: T0, ...extra });
}

function read(dir: string, file: string): JsonObject {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject;
}

function uuids(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) uuids(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'uuid' && typeof x === 'string') out.push(x);
      else uuids(x, out);
    }
  }
  return out;
}

test('every framework exports valid OSCAL 1.1.3 and 1.2.1 catalog, profile and component definition', async (t) => {
  const c = await content();
  const sharedSchemas = join(SHARED_DATA, 'oscal', 'schemas');
  const independent = existsSync(sharedSchemas);
  if (!independent) t.diagnostic('shared data schemas absent: validating with the shipped copy only');
  assert.equal(c.frameworks.size, 10);
  for (const v of OSCAL_VERSIONS) {
    for (const fw of c.frameworks.keys()) {
      const dir = join(tempDir(t), fw);
      const r = await exportTo(dir, fw, { oscalVersion: v });
      assert.deepEqual(r.files.map((f) => f.name), ['catalog', 'profile', 'component-definition']);
      assert.deepEqual(readdirSync(dir).sort(), ['catalog.json', 'component-definition.json', 'profile.json'], 'no temporary files left');
      for (const e of EXPORTERS) {
        const doc = parseOscalDocument(readFileSync(join(dir, e.fileName)), e.fileName);
        assert.equal(doc.model, e.model);
        assert.equal(doc.declaredVersion, v);
        const shipped = await validateOscal(doc.value, doc.model, v);
        assert.ok(shipped.valid, `${fw} ${v} ${e.fileName}: ${shipped.errors.map((x) => `${x.pointer}: ${x.message}`).join('; ')}`);
        if (independent) assert.ok((await validateOscal(doc.value, doc.model, v, { schemaDir: sharedSchemas })).valid, `${fw} ${v} ${e.fileName} (shared data schemas)`);
      }
      // Cross-references: the profile selects exactly the catalog's controls, and every
      // implemented requirement names one of them.
      const catalog = read(dir, 'catalog.json').catalog as JsonObject;
      const ids = (catalog.groups as JsonObject[]).flatMap((g) => (g.controls as JsonObject[]).map((x) => x.id as string));
      assert.equal(ids.length, c.frameworks.get(fw)?.controls.length);
      const profile = read(dir, 'profile.json').profile as JsonObject;
      const imp = (profile.imports as JsonObject[])[0] as JsonObject;
      assert.equal(imp.href, 'catalog.json');
      assert.deepEqual([...(((imp['include-controls'] as JsonObject[])[0] as JsonObject)['with-ids'] as string[])].sort(), [...ids].sort());
      const cd = read(dir, 'component-definition.json')['component-definition'] as JsonObject;
      const comps = cd.components as JsonObject[];
      assert.equal(comps.length, 9);
      for (const comp of comps) {
        for (const ci of (comp['control-implementations'] as JsonObject[] | undefined) ?? []) {
          assert.equal(ci.source, 'profile.json');
          for (const req of ci['implemented-requirements'] as JsonObject[]) assert.ok(ids.includes(req['control-id'] as string), `${fw} ${comp.title} ${String(req['control-id'])}`);
        }
      }
      const all = [catalog, profile, cd].flatMap((d) => uuids(d));
      assert.equal(new Set(all).size, all.length, `${fw}: UUIDs are unique`);
    }
  }
});

test('Kyverno implements one requirement per covered control, naming every mapped policy; evidence signals add theirs', async (t) => {
  const c = await content();
  const dir = tempDir(t);
  await exportTo(dir, 'nist-800-53-r5');
  const cd = read(dir, 'component-definition.json')['component-definition'] as JsonObject;
  const kyverno = (cd.components as JsonObject[]).find((x) => x.title === 'Kyverno') as JsonObject;
  const reqs = ((kyverno['control-implementations'] as JsonObject[])[0] as JsonObject)['implemented-requirements'] as JsonObject[];
  const expected = new Map<string, string[]>();
  for (const p of c.policies) for (const m of p.mappings.get('nist-800-53-r5') ?? []) expected.set(m.control, [...(expected.get(m.control) ?? []), p.name]);
  // Kyverno's records carry the configuration-policy signal: its controls that no policy maps come from the signal.
  const signals = await loadEvidenceSignals(c.root, c.frameworks);
  const bySignal = new Set((signals.signals.get('configuration-policy')?.mappings['nist-800-53-r5'] ?? []).map((m) => m.control).filter((id) => !expected.has(id)));
  assert.equal(reqs.length, expected.size + bySignal.size);
  for (const r of reqs) {
    const props = (r.props as JsonObject[]) ?? [];
    const policies = props.filter((p) => p.name === 'policy').map((p) => p.value);
    if (bySignal.has(r['control-id'] as string)) {
      assert.deepEqual(policies, []);
      assert.deepEqual(props.filter((p) => p.name === 'evidence-signal').map((p) => p.value), ['configuration-policy']);
      continue;
    }
    assert.deepEqual(policies, expected.get(r['control-id'] as string));
    for (const p of policies) assert.ok((r.description as string).includes(`\`${String(p)}\``));
  }
  const harbor = (cd.components as JsonObject[]).find((x) => x.title === 'Harbor') as JsonObject;
  const hreqs = ((harbor['control-implementations'] as JsonObject[])[0] as JsonObject)['implemented-requirements'] as JsonObject[];
  assert.ok(hreqs.some((r) => r['control-id'] === 'cm-14' && /cosign/.test(r.description as string)));
});

test('re-exports of the same inputs are byte-identical; UUIDs are stable, the document UUID follows the content', async (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  const c = tempDir(t);
  // Default last-modified (from the inputs' modification times): identical too.
  const ra = await exportTo(a, 'pci-dss-4.0', { lastModified: undefined });
  const rb = await exportTo(b, 'pci-dss-4.0', { lastModified: undefined });
  assert.equal(ra.lastModified, rb.lastModified);
  assert.match(ra.lastModified, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  for (const e of EXPORTERS) assert.ok(readFileSync(join(a, e.fileName)).equals(readFileSync(join(b, e.fileName))), e.fileName);
  assert.deepEqual(ra.files.map((f) => f.sha256), rb.files.map((f) => f.sha256));

  await exportTo(c, 'pci-dss-4.0', { lastModified: '2030-01-01T00:00:00Z' });
  for (const e of EXPORTERS) {
    const x = uuids(read(a, e.fileName));
    const y = uuids(read(c, e.fileName));
    assert.notEqual(x[0], y[0], `${e.fileName}: a changed document gets a new UUID`);
    assert.deepEqual(x.slice(1), y.slice(1), `${e.fileName}: components and requirements keep theirs`);
  }

  const prev = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1700000000';
  try {
    assert.equal((await exportTo(tempDir(t), 'soc2', { lastModified: undefined })).lastModified, '2023-11-14T22:13:20Z');
  } finally {
    if (prev === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = prev;
  }
});

test('with an imported catalog the export carries the official title and statement, and cites the source', async (t) => {
  const csf = sharedData(t, 'oscal', 'nist', 'csf', 'v2.0', 'json-converted-from-develop-xml', 'NIST_CSF_v2.0_catalog.develop-2025-05.converted.json');
  if (!csf) return;
  const store = tempDir(t);
  await importCatalog({ file: csf, store, content: await content() });
  const dir = tempDir(t);
  const r = await exportTo(dir, 'nist-csf-2.0', { store, oscalVersion: '1.2.1' });
  const index = (await content()).frameworks.get('nist-csf-2.0')!;
  assert.deepEqual(r.official, { file: 'NIST_CSF_v2.0_catalog.develop-2025-05.converted.json', sha256: '815d840528c00f51459f443983f2239fbf7bc7ca9c0cffba44055597a4cdaaf8', found: index.controls.length, missing: 0 });
  const catalog = read(dir, 'catalog.json').catalog as JsonObject;
  const ctl = (catalog.groups as JsonObject[]).flatMap((g) => g.controls as JsonObject[]).find((x) => x.id === 'PR.PS-01') as JsonObject;
  assert.deepEqual(ctl.parts, [{ id: 'PR.PS-01_smt', name: 'statement', prose: 'Configuration management practices are established and applied' }]);
  const props = ctl.props as JsonObject[];
  assert.ok(props.some((p) => p.name === 'text-source' && p.value === 'official'));
  assert.ok(props.some((p) => p.name === 'airlock-summary' && p.value === 'Configuration management practices are set and applied'));
  const res = ((catalog['back-matter'] as JsonObject).resources as JsonObject[])[0] as JsonObject;
  assert.deepEqual((res.rlinks as JsonObject[])[0], { href: 'NIST_CSF_v2.0_catalog.develop-2025-05.converted.json', 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: '815d840528c00f51459f443983f2239fbf7bc7ca9c0cffba44055597a4cdaaf8' }] });
  // Without the store, the same framework exports Airlock's summaries.
  const plain = tempDir(t);
  await exportTo(plain, 'nist-csf-2.0');
  const pc = read(plain, 'catalog.json').catalog as JsonObject;
  assert.equal(pc['back-matter'], undefined);
  assert.ok(JSON.stringify(pc).includes('"value":"airlock-summary"'));
});

test('documents are validated before anything is written; bad options are usage errors', async (t) => {
  // A schema folder whose catalog schema demands a property no export has.
  const schemas = tempDir(t);
  for (const v of OSCAL_VERSIONS) {
    mkdirSync(join(schemas, v));
    for (const f of readdirSync(join(PROJECT_ROOT, 'content', 'oscal-schemas', v))) copyFileSync(join(PROJECT_ROOT, 'content', 'oscal-schemas', v, f), join(schemas, v, f));
  }
  const path = join(schemas, '1.1.3', 'oscal_catalog_schema.json');
  const s = JSON.parse(readFileSync(path, 'utf8')) as { definitions: Record<string, { required: string[]; properties: Record<string, unknown> }> };
  const def = s.definitions['oscal-catalog-oscal-catalog:catalog'];
  assert.ok(def);
  def.required.push('x-required-by-test');
  def.properties['x-required-by-test'] = { type: 'string' };
  // The $id must stay that of 1.1.3; one Ajv per folder keeps it apart from the shipped copy.
  writeFileSync(path, JSON.stringify(s));
  const out = join(tempDir(t), 'out');
  await assert.rejects(exportTo(out, 'soc2', { schemaDir: schemas }), (e: unknown) => {
    assert.ok(e instanceof AirlockError && e.code === 'CHECK_FAILED' && e.exitCode === 1);
    assert.match(e.message, /^soc2: the exported OSCAL 1\.1\.3 documents are not valid: catalog\.json: \/catalog: required property "x-required-by-test" is missing$/);
    return true;
  });
  assert.equal(existsSync(out), false, 'nothing written');

  await assert.rejects(exportTo(tempDir(t), 'soc2', { lastModified: 'yesterday' }), (e: unknown) => e instanceof AirlockError && e.code === 'USAGE' && /--last-modified: "yesterday" is not a date-time with a time zone/.test(e.message));
  await assert.rejects(exportTo(tempDir(t), 'no-such'), (e: unknown) => e instanceof AirlockError && e.code === 'NOT_FOUND' && /unknown framework "no-such"/.test(e.message));
  await assert.rejects(exportTo(tempDir(t), 'soc2', { documents: ['sap'] }), /unknown OSCAL document "sap"; known: catalog, profile, component-definition, ssp, assessment-results, poam/);
  await assert.rejects(exportTo(tempDir(t), 'soc2', { documents: ['ssp'] }), (e: unknown) => e instanceof AirlockError && e.code === 'USAGE' && /ssp\.json: built from evidence; give the evidence store/.test(e.message));
  await assert.rejects(exportTo(tempDir(t), 'soc2', { from: '2026-01-01' }), (e: unknown) => e instanceof AirlockError && e.code === 'USAGE' && /--from, --to and --system/.test(e.message));
});

test('round trip through the CLI: export, then validate each file', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['oscal', 'export', '--framework', 'fz-152', '--out', dir, '--oscal-version', '1.2.1', '--last-modified', T0, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { framework: string; oscalVersion: string; lastModified: string; files: { path: string }[] };
  assert.deepEqual([out.framework, out.oscalVersion, out.lastModified], ['fz-152', '1.2.1', T0]);
  for (const f of out.files) {
    const doc = parseOscalDocument(readFileSync(f.path), f.path);
    assert.ok((await validateOscal(doc.value, doc.model, '1.2.1')).valid, f.path);
  }
  const v = await runCli(['oscal', 'validate', join(dir, 'component-definition.json')]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^OK .*component-definition\.json: valid OSCAL 1\.2\.1 component-definition\n$/);
  const one = await runCli(['oscal', 'export', '--framework', 'soc2', '--out', join(dir, 'one'), '--document', 'profile', '--last-modified', T0]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(readdirSync(join(dir, 'one')), ['profile.json']);
  assert.match(one.stdout, /^exported soc2 as OSCAL 1\.1\.3 \(last-modified 2025-06-30T12:00:00Z; no imported catalog: Airlock summaries only\)\n/);
  const bad = await runCli(['oscal', 'export', '--framework', 'soc2', '--out', dir, '--oscal-version', '1.1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--oscal-version: "1\.1" is not one of 1\.1\.3, 1\.2\.1/);
});

test('any mutation of an exported document is reported at, above or below the mutated pointer', async (t) => {
  const dir = tempDir(t);
  await exportTo(dir, 'iso-27001-2022');
  const original = read(dir, 'component-definition.json');
  const paths: string[][] = [];
  const walk = (v: unknown, path: string[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(original, []);
  const pointer = (path: string[]) => path.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paths.filter((p) => p.length > 1)), fc.jsonValue({ maxDepth: 2 }), async (path, value) => {
      const doc = structuredClone(original);
      let cur = doc as Record<string, unknown>;
      for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
      cur[path[path.length - 1] as string] = value;
      const r = await validateOscal(doc, 'component-definition', '1.1.3');
      const at = pointer(path);
      const within = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
      for (const e of r.errors) assert.ok(within(e.pointer, at) || within(at, e.pointer), `mutated ${at}, error at ${e.pointer}: ${e.message}`);
    }),
    { numRuns: 300 },
  );
});
