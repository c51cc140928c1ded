/**
 * airlock oscal import-catalog with the official catalogs and baselines of the shared
 * data set: the NIST SP 800-53 Rev. 5 catalog, FedRAMP High as a GSA profile resolved
 * against it, as OSCAL Foundation's two-level profile chain and as a resolved catalog,
 * and CSF 2.0. Then hostile input: wrong model, invalid OSCAL, oversized and duplicate-key
 * files, a damaged store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../src/common/errors.ts';
import { loadContent, type Content } from '../../src/frameworks/index.ts';
import { CatalogStore, importCatalog, MAX_OSCAL_BYTES } from '../../src/oscal/index.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, sharedData, tempDir } from '../helpers/env.ts';

let cached: Promise<Content> | undefined;
const content = (): Promise<Content> => (cached ??= loadContent(join(PROJECT_ROOT, 'content')));

const NIST_CATALOG = ['oscal', 'nist', 'sp800-53', 'rev5', 'legacy-v5.0.1-oscal-1.0.0', 'NIST_SP-800-53_rev5_catalog.json'];
const GSA_HIGH = ['oscal', 'fedramp', 'gsa-fedramp-automation', 'rev5', 'json', 'FedRAMP_rev5_HIGH-baseline_profile.json'];
const OF_DIR = ['oscal', 'fedramp', 'oscal-foundation-fedramp-resources', 'rev5', 'json'];
const CSF = ['oscal', 'nist', 'csf', 'v2.0', 'json-converted-from-develop-xml', 'NIST_CSF_v2.0_catalog.develop-2025-05.converted.json'];

test('the NIST SP 800-53 Rev. 5 catalog: every control of the index found, with official text', async (t) => {
  const file = sharedData(t, ...NIST_CATALOG);
  if (!file) return;
  const store = tempDir(t);
  const r = await importCatalog({ file, store, content: await content() });
  assert.equal(r.framework, 'nist-800-53-r5');
  assert.equal(r.model, 'catalog');
  assert.equal(r.oscalVersion, '1.0.0');
  assert.equal(r.schemaVersion, '1.1.3');
  assert.equal(r.found, r.total);
  assert.deepEqual(r.missing, []);
  const rec = await new CatalogStore(store).readRecord('nist-800-53-r5');
  const sc75 = rec?.controls.find((c) => c.id === 'sc-7.5');
  assert.equal(sc75?.label, 'SC-7(5)');
  assert.equal(sc75?.title, 'Deny by Default — Allow by Exception');
  assert.match(sc75?.statement ?? '', /^Deny network communications traffic by default and allow network communications traffic by exception \[Selection \(one or more\): at managed interfaces; for \[Assignment: organization-defined systems\]\]\.$/);
  assert.match(rec?.controls.find((c) => c.id === 'cm-7')?.statement ?? '', /^a\. Configure the system to provide only \[Assignment: organization-defined mission essential capabilities\]; and\nb\. Prohibit or restrict/);
  assert.equal(rec?.source.sha256, '95e025bfdc248269efb10ee2621b7a211116a2ef3a82f39676f7c5eb9c8acb64');
  assert.deepEqual((await new CatalogStore(store).listSources()).map((s) => s.file), ['NIST_SP-800-53_rev5_catalog.json']);
});

test('the GSA FedRAMP High profile resolves against the stored 800-53 catalog, with FedRAMP additions', async (t) => {
  const cat = sharedData(t, ...NIST_CATALOG);
  const profile = sharedData(t, ...GSA_HIGH);
  if (!cat || !profile) return;
  const store = tempDir(t);
  const c = await content();
  await importCatalog({ file: cat, store, content: c });
  // No --catalog: the profile's import (NIST_SP-800-53_rev5_catalog.json via back-matter) is found in the store.
  const r = await importCatalog({ file: profile, store, content: c });
  assert.equal(r.framework, 'fedramp-high');
  assert.equal(r.model, 'profile');
  assert.equal(r.found, r.total);
  assert.equal(r.resolution?.selected, 410);
  assert.equal(r.resolution?.sources.length, 1);
  // The GSA profile targets SP 800-53 5.1.1 (ODP parameter ids, assessment objectives); the
  // catalog here is 5.0.1, so only part of the modifications find their targets. Counted.
  assert.ok((r.resolution?.setParameters.applied ?? 0) > 0);
  assert.ok((r.resolution?.setParameters.unmatched ?? 0) > 0);
  assert.equal((r.resolution?.setParameters.applied ?? 0) + (r.resolution?.setParameters.unmatched ?? 0), 276);
  assert.ok((r.resolution?.alters.adds ?? 0) > 400);
  const rec = await new CatalogStore(store).readRecord('fedramp-high');
  assert.match(rec?.controls.find((x) => x.id === 'ac-2.9')?.statement ?? '', /AC-2 \(9\) Additional FedRAMP Requirements and Guidance\n {2}Requirement: Required if shared\/group accounts are deployed\./);
  // The NIST record is untouched by the FedRAMP import.
  assert.equal((await new CatalogStore(store).readRecord('nist-800-53-r5'))?.source.model, 'catalog');
});

test("OSCAL Foundation's FedRAMP High: the two-level profile chain and the resolved catalog", async (t) => {
  const cat = sharedData(t, ...NIST_CATALOG);
  const dir = sharedData(t, ...OF_DIR);
  if (!cat || !dir) return;
  const c = await content();
  const store = tempDir(t);
  const r = await importCatalog({
    file: join(dir, 'FedRAMP_rev5_HIGH-baseline_profile.json'),
    store,
    content: c,
    catalogs: [join(dir, 'FedRAMP_rev5_catalog_tailoring_profile.json'), cat],
  });
  assert.equal(r.framework, 'fedramp-high');
  assert.equal(r.found, r.total);
  assert.deepEqual(
    r.resolution?.sources.map((s) => s.file.split('/').pop()),
    ['FedRAMP_rev5_catalog_tailoring_profile.json', 'NIST_SP-800-53_rev5_catalog.json'],
  );
  assert.equal(r.resolution?.selected, 410);
  assert.ok((r.resolution?.alters.adds ?? 0) > 400, 'the tailoring profile alterations are applied');

  const resolved = await importCatalog({ file: join(dir, 'FedRAMP_rev5_HIGH-baseline-resolved-profile_catalog.json'), store, content: c });
  assert.equal(resolved.framework, 'fedramp-high');
  assert.equal(resolved.found, resolved.total);
  const rec = await new CatalogStore(store).readRecord('fedramp-high');
  assert.equal(rec?.source.model, 'catalog');
  assert.match(rec?.controls.find((x) => x.id === 'sc-7')?.statement ?? '', /\[Selection \(one\): physically; logically\]/);
});

test('CSF 2.0 subcategories, and a baseline that lacks some indexed controls reports them', async (t) => {
  const csf = sharedData(t, ...CSF);
  const cat = sharedData(t, ...NIST_CATALOG);
  const low = sharedData(t, 'oscal', 'nist', 'sp800-53', 'rev5', 'NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json');
  if (!csf || !cat || !low) return;
  const c = await content();
  const store = tempDir(t);
  const r = await importCatalog({ file: csf, store, content: c });
  assert.equal(r.framework, 'nist-csf-2.0');
  assert.equal(r.oscalVersion, 'v1.1.3');
  assert.equal(r.found, r.total);
  const rec = await new CatalogStore(store).readRecord('nist-csf-2.0');
  assert.equal(rec?.controls.find((x) => x.id === 'PR.PS-01')?.statement, 'Configuration management practices are established and applied');
  const l = await importCatalog({ file: low, store, content: c, framework: 'nist-800-53-r5' });
  assert.ok(l.missing.length > 0 && l.missing.includes('sc-7.21'), `missing: ${l.missing.join(', ')}`);
  assert.equal(l.found + l.missing.length, l.total);
});

test('hostile input: wrong model, invalid OSCAL, oversized, duplicate keys, unresolvable imports', async (t) => {
  const ssp = sharedData(t, 'oscal', 'examples', 'nist-oscal-content', 'ssp-example.json');
  const profile = sharedData(t, ...GSA_HIGH);
  if (!ssp || !profile) return;
  const c = await content();
  const store = tempDir(t);
  const tmp = tempDir(t);
  const bad = (code: string, re: RegExp) => (e: unknown) => e instanceof AirlockError && e.code === code && re.test(e.message);

  await assert.rejects(importCatalog({ file: ssp, store, content: c }), bad('BAD_INPUT', /ssp-example\.json: is an OSCAL system-security-plan; import-catalog reads a catalog or a profile/));

  const invalid = join(tmp, 'invalid.json');
  writeFileSync(invalid, JSON.stringify({ catalog: { uuid: 'not-a-uuid', metadata: { title: 'x', 'last-modified': '2024-01-01T00:00:00Z', version: '1', 'oscal-version': '1.1.2' } } }));
  await assert.rejects(importCatalog({ file: invalid, store, content: c }), bad('BAD_INPUT', /invalid\.json: not valid OSCAL 1\.1\.3 catalog \(1 error\(s\)\); first: \/catalog\/uuid: "not-a-uuid" does not match the UUIDDatatype pattern/));

  const huge = join(tmp, 'huge.json');
  writeFileSync(huge, '{');
  truncateSync(huge, MAX_OSCAL_BYTES + 1);
  await assert.rejects(importCatalog({ file: huge, store, content: c }), bad('BAD_INPUT', new RegExp(`huge\\.json: OSCAL file of ${MAX_OSCAL_BYTES + 1} bytes exceeds the limit of ${MAX_OSCAL_BYTES}`)));

  const dup = join(tmp, 'dup.json');
  writeFileSync(dup, '{"catalog": {"uuid": "a", "uuid": "b"}}');
  await assert.rejects(importCatalog({ file: dup, store, content: c }), bad('BAD_INPUT', /dup\.json: invalid JSON: duplicate key "uuid"/));

  // The GSA profile with an empty store and no --catalog: its import cannot be found.
  await assert.rejects(importCatalog({ file: profile, store, content: c }), bad('NOT_FOUND', /imports NIST_SP-800-53_rev5_catalog\.json; give it with --catalog FILE/));
  // A catalog matching none of the index's controls, and one whose framework cannot be told.
  const other = join(tmp, 'other.json');
  writeFileSync(other, JSON.stringify({ catalog: { uuid: '11111111-1111-4111-8111-111111111111', metadata: { title: 'Other', 'last-modified': '2024-01-01T00:00:00Z', version: '1', 'oscal-version': '1.1.2' }, controls: [{ id: 'zz-1', title: 'Z' }] } }));
  await assert.rejects(importCatalog({ file: other, store, content: c }), bad('BAD_INPUT', /cannot tell which framework "Other" is; give --framework ID/));
  await assert.rejects(importCatalog({ file: other, store, content: c, framework: 'soc2' }), bad('BAD_INPUT', /none of the \d+ controls of soc2 is in this catalog/));
  await assert.rejects(importCatalog({ file: other, store, content: c, framework: 'nope' }), bad('NOT_FOUND', /unknown framework "nope"/));
  assert.equal(existsSync(join(store, 'oscal', 'catalogs')), false, 'nothing recorded by failed imports');
});

test('a damaged store is refused on read, not trusted', async (t) => {
  const csf = sharedData(t, ...CSF);
  if (!csf) return;
  const store = tempDir(t);
  await importCatalog({ file: csf, store, content: await content() });
  const s = new CatalogStore(store);
  const path = s.recordPath('nist-csf-2.0');
  const rec = JSON.parse(readFileSync(path, 'utf8')) as { controls: { title: unknown }[] };
  (rec.controls[0] as { title: unknown }).title = 7;
  writeFileSync(path, JSON.stringify(rec));
  await assert.rejects(s.readRecord('nist-csf-2.0'), /nist-csf-2\.0\.json: damaged imported catalog \(controls\.0\.title:/);
  const [entry] = await s.listSources();
  assert.ok(entry);
  writeFileSync(join(store, 'oscal', 'sources', `${entry.sha256}.json`), '{"catalog":{}}');
  await assert.rejects(s.readSource(entry), (e: unknown) => e instanceof AirlockError && e.code === 'VERIFY_FAILED' && /does not match its sha256/.test(e.message));
  assert.throws(() => s.recordPath('../x'), /is not a framework id/);
});

test('airlock oscal import-catalog through the CLI: text and --json, --store required', async (t) => {
  const csf = sharedData(t, ...CSF);
  if (!csf) return;
  const store = tempDir(t);
  const none = await runCli(['oscal', 'import-catalog', csf], { env: { AIRLOCK_STORE: '' } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give --store DIR \(or set AIRLOCK_STORE\)/);
  const r = await runCli(['oscal', 'import-catalog', csf, '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^imported NIST Cybersecurity Framework 2\.0 \(catalog, OSCAL v1\.1\.3, valid against 1\.1\.3\) for nist-csf-2\.0\n {2}controls of nist-csf-2\.0 found: (\d+) of \1\n/);
  const j = await runCli(['oscal', 'import-catalog', csf, '--framework', 'nist-csf-2.0', '--json'], { env: { AIRLOCK_STORE: store } });
  assert.equal(j.code, 0, j.stderr);
  const out = JSON.parse(j.stdout) as { framework: string; found: number; total: number; stored: string };
  assert.equal(out.framework, 'nist-csf-2.0');
  assert.equal(out.found, out.total);
  assert.equal(out.stored, join(store, 'oscal', 'catalogs', 'nist-csf-2.0.json'));
});
