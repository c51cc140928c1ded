import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isAirlockError } from '../../common/errors.ts';
import { sharedData, tempDir } from '../../../test/helpers/env.ts';
import { catalog } from '../catalog.ts';
import { embeddedSbomCataloger, embeddedSbomPackages, MAX_EMBEDDED_SBOM_BYTES } from './embedded-sbom.ts';

const cdx = (components: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components, ...extra });
const spdx = (packages: { name: string; purl?: string; version?: string }[]): string =>
  JSON.stringify({
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    packages: packages.map((p, i) => ({ SPDXID: `SPDXRef-${i}`, name: p.name, ...(p.version ? { versionInfo: p.version } : {}), ...(p.purl ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }] } : {}) })),
  });

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

test('embedded SBOM names: the four suffixes Trivy takes, as written', () => {
  for (const p of ['app/bom.cdx.json', 'x.spdx.json', 'a/b.cdx', 'opt/bitnami/redis/.spdx-redis.spdx']) assert.ok(embeddedSbomCataloger.matches(p), p);
  for (const p of ['bom.json', 'x.spdx.json.bak', 'a/B.CDX.JSON', 'cdx', 'spdx/x.txt']) assert.ok(!embeddedSbomCataloger.matches(p), p);
});

test('embedded SBOMs in a tree: language components found at the SBOM file; bad files are warnings naming them, never a failed scan', async (t) => {
  const root = tempDir(t);
  write(root, 'etc/os-release', 'ID=debian\nVERSION_ID="12"\n');
  write(root, 'opt/app/bom.cdx.json', cdx([
    { type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' },
    { type: 'library', name: 'requests', version: '2.31.0', purl: 'pkg:pypi/requests@2.31.0', components: [{ type: 'library', name: 'idna', purl: 'pkg:pypi/idna@3.4' }] },
    { type: 'library', name: 'no-purl' },
  ]));
  write(root, 'opt/tool/.spdx-tool.spdx', spdx([{ name: 'flask', purl: 'pkg:pypi/flask@2.0.0' }, { name: 'unversioned', purl: 'pkg:npm/unversioned' }]));
  write(root, 'srv/broken.cdx.json', '{"bomFormat": "CycloneDX", "components": [');
  write(root, 'srv/dup.spdx.json', '{"spdxVersion": "SPDX-2.3", "spdxVersion": "SPDX-2.2", "packages": []}');
  write(root, 'srv/deep.cdx.json', `{"bomFormat":"CycloneDX","components":${'['.repeat(300)}${']'.repeat(300)}}`);
  write(root, 'srv/nested.cdx.json', cdx([JSON.parse(`${'{"type":"library","name":"n","components":['.repeat(40)}${']}'.repeat(40)}`)]));
  write(root, 'srv/tags.spdx', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n');
  write(root, 'srv/bom.cdx', '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>');
  write(root, 'srv/other.cdx.json', '{"hello": "world"}');
  write(root, 'srv/huge.cdx.json', '');
  truncateSync(join(root, 'srv/huge.cdx.json'), MAX_EMBEDDED_SBOM_BYTES + 1);
  write(root, 'srv/not-an-sbom.json', cdx([{ name: 'ignored', purl: 'pkg:npm/ignored@1.0.0' }]));

  const r = await catalog(`rootfs:${root}`);
  assert.deepEqual(
    r.packages.map((p) => [p.purl, p.version, p.locations.join(','), p.foundBy]),
    [
      ['pkg:npm/left-pad@1.3.0', '1.3.0', 'opt/app/bom.cdx.json', 'embedded-sbom'],
      ['pkg:pypi/requests@2.31.0', '2.31.0', 'opt/app/bom.cdx.json', 'embedded-sbom'],
      ['pkg:pypi/idna@3.4', '3.4', 'opt/app/bom.cdx.json', 'embedded-sbom'],
      ['pkg:pypi/flask@2.0.0', '2.0.0', 'opt/tool/.spdx-tool.spdx', 'embedded-sbom'],
      ['pkg:npm/unversioned', '', 'opt/tool/.spdx-tool.spdx', 'embedded-sbom'],
    ],
  );
  const about = (file: string): string[] => r.warnings.filter((w) => w.includes(file));
  assert.equal(about('opt/app/bom.cdx.json').length, 1);
  assert.match(about('opt/app/bom.cdx.json')[0]!, /1 component\(s\) without a purl/);
  assert.match(about('srv/broken.cdx.json')[0]!, /^embedded-sbom: srv\/broken\.cdx\.json: invalid JSON/);
  assert.match(about('srv/dup.spdx.json')[0]!, /duplicate/i);
  assert.match(about('srv/deep.cdx.json')[0]!, /deep|nest/i);
  assert.match(about('srv/nested.cdx.json')[0]!, /components nested deeper than 32/);
  assert.match(about('srv/tags.spdx')[0]!, /SPDX tag-value is not read/);
  assert.match(about('srv/bom.cdx')[0]!, /XML .* is not read/);
  assert.match(about('srv/other.cdx.json')[0]!, /neither CycloneDX JSON/);
  assert.match(about('srv/huge.cdx.json')[0]!, new RegExp(`${MAX_EMBEDDED_SBOM_BYTES + 1} bytes exceeds the limit of ${MAX_EMBEDDED_SBOM_BYTES}`));
  assert.deepEqual(about('not-an-sbom.json'), [], 'other JSON files are not SBOMs to it');
  assert.equal(r.warnings.length, 9, r.warnings.join("\n"));
});

test('OS packages in an embedded SBOM are left out: silently when it describes the scanned OS, with a count otherwise', () => {
  const debian = { id: 'debian', versionId: '12' };
  const doc = (purls: string[], os?: { name: string; version: string }): Buffer =>
    Buffer.from(cdx([...(os ? [{ type: 'operating-system', ...os }] : []), ...purls.map((purl) => ({ type: 'library', name: 'x', purl }))]));
  const deb = ['pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12', 'pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12'];
  // The system's own packages, named by the document's OS, or by the purl namespace alone.
  assert.deepEqual(embeddedSbomPackages(doc([...deb, 'pkg:npm/a@1.0.0'], { name: 'debian', version: '12' }), 'a.cdx.json', debian), {
    packages: embeddedSbomPackages(doc(['pkg:npm/a@1.0.0']), 'a.cdx.json').packages,
    warnings: [],
  });
  assert.deepEqual(embeddedSbomPackages(doc(['pkg:deb/debian/libc6@2.36-9']), 'b.cdx.json', debian).warnings, []);
  assert.deepEqual(embeddedSbomPackages(doc(['pkg:rpm/redhat/bash@5.1-1']), 'r.cdx.json', { id: 'rhel' }).warnings, []);
  // Another system's packages, or no OS to compare with (a source tree).
  assert.deepEqual(embeddedSbomPackages(doc(['pkg:apk/alpine/zlib@1.2.12-r1?distro=alpine-3.20', 'pkg:apk/alpine/musl@1.2.5-r0']), 'c.cdx.json', debian), {
    packages: [],
    warnings: ['c.cdx.json: 2 OS package(s) (apk) of alpine 3.20 listed in this SBOM were left out; OS packages come from the package database of the scanned system'],
  });
  assert.deepEqual(embeddedSbomPackages(doc(deb), 'd.cdx.json').warnings, ['d.cdx.json: 2 OS package(s) (deb) of debian 12 listed in this SBOM were left out; OS packages come from the package database of the scanned system']);
});

test('embedded SBOM parser: any bytes give packages or an AirlockError naming the file (property)', () => {
  const check = (bytes: Uint8Array): void => {
    try {
      const r = embeddedSbomPackages(bytes, 'p.cdx.json', { id: 'debian' });
      for (const p of r.packages) assert.deepEqual(p.locations, ['p.cdx.json']);
      for (const w of r.warnings) assert.ok(w.startsWith('p.cdx.json: '), w);
    } catch (e) {
      assert.ok(isAirlockError(e), String(e));
      assert.match(e.message, /^p\.cdx\.json: /);
    }
  };
  const purl = fc.oneof(fc.string(), fc.constantFrom('pkg:npm/a@1', 'pkg:deb/debian/b@2?distro=debian-12', 'pkg:pypi/C_d', 'pkg:npm/%40s%2Fx@', 'pkg:/x', 'pkg:apk/alpine/z@1?epoch=1'));
  const component = fc.record({ type: fc.constantFrom('library', 'operating-system', 'application'), name: fc.string(), version: fc.oneof(fc.string(), fc.integer()), purl, licenses: fc.jsonValue() }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.array(component, { maxLength: 8 }).map((cs) => Buffer.from(cdx(cs))),
      fc.array(fc.record({ name: fc.string(), purl, version: fc.string() }), { maxLength: 8 }).map((ps) => Buffer.from(spdx(ps))),
    ), check),
    { numRuns: 2000 },
  );
});

test('embedded SBOMs in the shared fixtures: the npm package Trivy reports from an SBOM file', async (t) => {
  const dir = sharedData(t, 'vuln', 'fixtures', 'osv-scalibr', 'extractor', 'sbom', 'cdx', 'testdata');
  if (!dir) return;
  const r = await catalog(`rootfs:${dir}`, { catalogers: ['embedded-sbom'] });
  const npm = r.packages.filter((p) => p.ecosystem === 'npm');
  assert.deepEqual(npm.map((p) => [p.name, p.version, p.purl, p.locations[0]]), [['@gar/promisify', '1.1.3', 'pkg:npm/%40gar%2Fpromisify@1.1.3', 'sbom-with-locations.cdx.json']]);
});
