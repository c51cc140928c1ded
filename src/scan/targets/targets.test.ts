import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { makeTar, type TarEntry } from '../../../test/helpers/tar.ts';
import { tempDir } from '../../../test/helpers/env.ts';
import { OciLayout } from '../../oci/layout.ts';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_TAR_GZIP, OCI_MANIFEST, REF_NAME_ANNOTATION } from '../../oci/media-types.ts';
import { catalog } from '../catalog.ts';
import { DEFAULT_LIMITS } from './layers.ts';
import { openRootfs, walkRootfs } from './rootfs.ts';

const status = (...pkgs: [string, string][]): string => pkgs.map(([n, v]) => `Package: ${n}\nStatus: install ok installed\nVersion: ${v}\nArchitecture: amd64\n`).join('\n');
const pj = (name: string, version: string): string => JSON.stringify({ name, version });

const LAYER1: TarEntry[] = [
  { name: 'etc/', dir: true },
  { name: 'etc/os-release', symlink: '../usr/lib/os-release' },
  { name: 'usr/lib/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
  { name: 'var/lib/dpkg/status', content: status(['base-files', '12.4'], ['bash', '5.2-1']) },
  { name: 'usr/lib/node_modules/a/package.json', content: pj('a', '1.0.0') },
  { name: 'usr/lib/node_modules/b/package.json', content: pj('b', '2.0.0') },
  { name: 'opt/app/node_modules/c/package.json', content: pj('c', '3.0.0') },
  { name: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', content: 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nbody\n' },
];
const LAYER2: TarEntry[] = [
  { name: 'var/lib/dpkg/status', content: status(['base-files', '12.5']) },
  { name: 'usr/lib/node_modules/.wh.a', content: '' },
  { name: 'opt/app/.wh..wh..opq', content: '' },
  { name: 'opt/app/node_modules/d/package.json', content: pj('d', '4.0.0') },
];

async function ociImage(t: TestContext, layers: Buffer[], tag = 'v1'): Promise<{ dir: string; digests: string[] }> {
  const dir = tempDir(t);
  const layout = await OciLayout.init(dir);
  const config = await layout.putBytes(Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
  const descs = [];
  for (const l of layers) descs.push({ mediaType: OCI_LAYER_TAR_GZIP, ...(await layout.putBytes(l)) });
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: descs }));
  const m = await layout.putBytes(manifest);
  await layout.writeIndex({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, ...m, annotations: { [REF_NAME_ANNOTATION]: tag } }] });
  return { dir, digests: descs.map((d) => d.digest) };
}

test('oci: layers applied in order with whiteouts and opaque folders; symlinked os-release; layer attribution', async (t) => {
  const { dir, digests } = await ociImage(t, [await makeTar(LAYER1, true), await makeTar(LAYER2, true)]);
  const r = await catalog(`oci:${dir}:v1`);
  assert.deepEqual(r.os, { id: 'debian', versionId: '12' });
  assert.equal(r.target.kind, 'oci');
  assert.deepEqual(r.target.layers, digests);
  const got = r.packages.map((p) => `${p.foundBy} ${p.name}@${p.version} ${p.layer === digests[0] ? 'L1' : p.layer === digests[1] ? 'L2' : '?'}`).sort();
  assert.deepEqual(got, ['dpkg base-files@12.5 L2', 'npm b@2.0.0 L1', 'npm d@4.0.0 L2', 'python six@1.16.0 L1']);
  const bf = r.packages.find((p) => p.name === 'base-files');
  assert.equal(bf?.purl, 'pkg:deb/debian/base-files@12.5?arch=amd64&distro=debian-12');
});

test('oci: an unknown tag lists the tags; a tampered layer fails its digest', async (t) => {
  const { dir, digests } = await ociImage(t, [await makeTar(LAYER1, true)]);
  await assert.rejects(catalog(`oci:${dir}:nope`), /no image tagged "nope" \(tags: v1\)/);
  writeFileSync(join(dir, 'blobs/sha256', digests[0]!.slice(7)), await makeTar(LAYER2, true));
  await assert.rejects(catalog(`oci:${dir}:v1`), (e: Error) => /does not match its digest/.test(e.message));
});

test('oci: a layer entry with ".." is rejected as path traversal', async (t) => {
  const { dir } = await ociImage(t, [await makeTar([{ name: '../../etc/passwd', content: 'x' }], true)]);
  await assert.rejects(catalog(`oci:${dir}`), /entry "..\/..\/etc\/passwd" escapes the tree with ".." \(path traversal\)/);
});

test('oci: a decompression bomb stops at the layer size limit', async (t) => {
  const bomb = await makeTar([{ name: 'zeros', content: Buffer.alloc(4 * 1024 * 1024) }], true);
  assert.ok(bomb.length < 64 * 1024);
  const { dir } = await ociImage(t, [bomb]);
  await assert.rejects(catalog(`oci:${dir}`, { limits: { ...DEFAULT_LIMITS, maxLayerBytes: 1024 * 1024 } }), /expands beyond 1048576 bytes \(decompression bomb\?\)/);
});

test('oci: an oversized wanted file and too many entries are refused', async (t) => {
  const { dir } = await ociImage(t, [await makeTar(LAYER1, true)]);
  await assert.rejects(catalog(`oci:${dir}`, { limits: { ...DEFAULT_LIMITS, maxFileBytes: 10 } }), /over the limit of 10 for a cataloged file/);
  await assert.rejects(catalog(`oci:${dir}`, { limits: { ...DEFAULT_LIMITS, maxEntries: 3 } }), /more than 3 entries in one layer/);
});

test('docker-archive: docker save layout with uncompressed layers', async (t) => {
  const dir = tempDir(t);
  const l1 = await makeTar(LAYER1);
  const l2 = await makeTar(LAYER2);
  const manifest = JSON.stringify([{ Config: 'cfg.json', RepoTags: ['example/app:1.0'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]);
  const archive = await makeTar([
    { name: 'cfg.json', content: '{}' },
    { name: 'bbb/layer.tar', content: l2 },
    { name: 'aaa/layer.tar', content: l1 },
    { name: 'manifest.json', content: manifest },
  ]);
  const file = join(dir, 'image.tar');
  writeFileSync(file, archive);
  const r = await catalog(`docker-archive:${file}`);
  assert.deepEqual(r.packages.map((p) => `${p.name}@${p.version}`).sort(), ['b@2.0.0', 'base-files@12.5', 'd@4.0.0', 'six@1.16.0']);
  assert.deepEqual(r.target.layers, ['aaa/layer.tar', 'bbb/layer.tar']);
  await assert.rejects(catalog(`docker-archive:${file}:2.0`), /no image tagged "2.0"/);
  const noManifest = join(dir, 'bad.tar');
  writeFileSync(noManifest, await makeTar([{ name: 'x.json', content: '{}' }]));
  await assert.rejects(catalog(`docker-archive:${noManifest}`), /no manifest.json \(not a docker save archive\)/);
});

test('rootfs: a symlink pointing outside the tree resolves inside it, never to the host', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'etc'));
  symlinkSync('../../../../../../etc/os-release', join(dir, 'etc/os-release'));
  mkdirSync(join(dir, 'var/lib/dpkg'), { recursive: true });
  symlinkSync('/etc/passwd', join(dir, 'var/lib/dpkg/status'));
  const r = await catalog(`rootfs:${dir}`);
  assert.equal(r.os, undefined);
  assert.deepEqual(r.packages, []);
});

test('rootfs walk: every file in many batches, skipped folders and symlinked folders not entered', async (t) => {
  const dir = tempDir(t);
  const expected: string[] = [];
  // 30 folders of 150 files: more than one batch from the walking thread.
  for (let d = 0; d < 30; d++) {
    mkdirSync(join(dir, `d${d}`, 'sub'), { recursive: true });
    for (let f = 0; f < 150; f++) {
      const p = `d${d}/${f % 2 ? 'sub/' : ''}f${f}.json`;
      writeFileSync(join(dir, p), '');
      expected.push(p);
    }
  }
  mkdirSync(join(dir, 'cache/x'), { recursive: true });
  writeFileSync(join(dir, 'cache/x/skipped.json'), '');
  mkdirSync(join(dir, 'd1/.git'));
  writeFileSync(join(dir, 'd1/.git/config.json'), '');
  symlinkSync(join(dir, 'd2'), join(dir, 'link-to-d2'));
  symlinkSync('d3/f0.json', join(dir, 'link-to-file.json'));
  writeFileSync(join(dir, 'not-wanted.txt'), '');
  const batches: string[][] = [];
  const walk = await walkRootfs(dir, (p) => p.endsWith('.json'), { skip: new Set(['cache']), skipNames: new Set(['.git']) }, (paths) => batches.push([...paths]));
  await walk.done;
  expected.sort();
  assert.deepEqual(walk.fs.files, expected, 'sorted, complete, nothing skipped or symlinked');
  assert.ok(batches.length > 1, 'delivered while walking');
  assert.deepEqual(batches.flat().sort(), expected);
  // Files are readable while and after the walk; a symlinked file reads through the tree.
  assert.equal((await walk.fs.readFile('link-to-file.json', 10))?.length, 0);
  await assert.rejects(openRootfs(join(dir, 'not-wanted.txt'), () => true), /not a directory/);
  // A hint: only those names, extensions or parent folders reach the Want predicate.
  const hinted = await openRootfs(dir, () => true, { skip: new Set(['cache']), hint: { names: ['f2.json'], extensions: ['.TXT'.toLowerCase()], folders: ['sub'] } });
  assert.deepEqual(hinted.files, [...expected.filter((p) => p.includes('/sub/') || p.endsWith('/f2.json')), 'not-wanted.txt'].sort());
});

test('targets: unknown kinds and missing paths are usage errors', async () => {
  await assert.rejects(catalog('registry:foo'), /unknown kind "registry"/);
  await assert.rejects(catalog('rootfs:'), /missing path after "rootfs:"/);
  await assert.rejects(catalog('rootfs:/no/such/dir'), /\/no\/such\/dir: no such file or directory/);
});
