import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import fc from 'fast-check';
import { tempDir } from '../helpers/env.ts';
import { makeWorkspace } from '../helpers/bundle-fixture.ts';
import { tarOf } from '../../src/oci/build-image.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { parseBundleSpec, parseImageRef, bundleSpecJsonSchema } from '../../src/bundle/spec.ts';
import { AirlockError } from '../../src/common/errors.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import { parseManifest } from '../../src/oci/manifest.ts';
import { checkEntryName } from '../../src/common/tar-names.ts';
import { readFileSync } from 'node:fs';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function dockerSave(path: string, extra: { name: string; body?: Buffer; linkname?: string; type?: 'symlink' }[] = [], manifestOverride?: unknown): Promise<{ layers: Buffer[] }> {
  const l1 = await tarOf({ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.20.0\n' });
  const l2 = await tarOf({ 'app/run': 'echo hi' });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(l1)}`, `sha256:${sha(l2)}`] } }));
  const manifest = manifestOverride ?? [{ Config: `${sha(config)}.json`, RepoTags: ['registry.example/app:2.0'], Layers: ['aaa/layer.tar', 'bbb/layer.tar', 'ccc/layer.tar'] }];
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  pack.entry({ name: `${sha(config)}.json` }, config);
  pack.entry({ name: 'aaa/layer.tar' }, l1);
  pack.entry({ name: 'bbb/layer.tar' }, l2);
  // Docker writes a repeated layer as a link to the first copy.
  pack.entry({ name: 'ccc/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' });
  for (const e of extra) pack.entry(e.type ? { name: e.name, type: e.type, linkname: e.linkname ?? '' } : { name: e.name }, e.body ?? Buffer.alloc(0));
  pack.entry({ name: 'manifest.json' }, Buffer.from(JSON.stringify(manifest)));
  pack.finalize();
  await done;
  writeFileSync(path, Buffer.concat(chunks));
  return { layers: [l1, l2] };
}

test('docker-archive images become OCI manifests whose layer digests equal the diff_ids', async (t) => {
  const dir = tempDir(t);
  const { layers } = await dockerSave(join(dir, 'app.tar'));
  const ws = await makeWorkspace(dir, { spec: 'name: imgs\nversion: "1"\nimages:\n  - docker-archive:./app.tar\n' });
  const b = await ws.create('b', { sequence: 1 });
  const item = b.descriptor.items[0];
  assert.equal(item?.name, 'registry.example/app:2.0');
  const layout = await OciLayout.open(b.out);
  const manifest = parseManifest(await layout.readBlob(item as { digest: string; size: number }), 'm');
  assert.deepEqual(manifest.layers.map((l) => l.digest), [`sha256:${sha(layers[0] as Buffer)}`, `sha256:${sha(layers[1] as Buffer)}`, `sha256:${sha(layers[0] as Buffer)}`]);
  assert.equal(manifest.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar');
  assert.equal((await verifyBundle(b.out, { trust: ws.trust })).ok, true);
});

test('hostile docker-archives are refused with the entry named', async (t) => {
  const dir = tempDir(t);
  const ws = await makeWorkspace(dir, { spec: 'name: imgs\nversion: "1"\nimages:\n  - docker-archive:./app.tar\n' });
  await dockerSave(join(dir, 'app.tar'), [{ name: '../../evil', body: Buffer.from('x') }]);
  await assert.rejects(ws.create('b1'), (e: unknown) => e instanceof AirlockError && /app\.tar: tar entry "\.\.\/\.\.\/evil": path traversal/.test(e.message));
  await dockerSave(join(dir, 'app.tar'), [{ name: 'escape', type: 'symlink', linkname: '../../../etc/passwd' }]);
  await assert.rejects(ws.create('b2'), (e: unknown) => e instanceof AirlockError && /tar entry "escape" links outside the archive/.test(e.message));
  await dockerSave(join(dir, 'app.tar'), [], [{ Config: '/etc/passwd', Layers: [] }]);
  await assert.rejects(ws.create('b3'), (e: unknown) => e instanceof AirlockError && /manifest\.json names "\/etc\/passwd": absolute path/.test(e.message));
  writeFileSync(join(dir, 'app.tar'), 'not a tar at all');
  await assert.rejects(ws.create('b4'), (e: unknown) => e instanceof AirlockError && /app\.tar: (not a docker-archive|not a readable docker-archive)/.test(e.message));
});

test('policy folders pack deterministically and refuse symbolic links', async (t) => {
  const dir = tempDir(t);
  const ws = await makeWorkspace(dir, { spec: 'name: p\nversion: "1"\npolicies:\n  - ./policies/pci-dss-4.0\n' });
  const a = await ws.create('a', { sequence: 1 });
  const b = await ws.create('b', { sequence: 2 });
  assert.equal(a.descriptor.items[0]?.digest, b.descriptor.items[0]?.digest, 'same folder, same digest');
  mkdirSync(join(dir, 'policies', 'pci-dss-4.0', 'sub'));
  symlinkSync('/etc/passwd', join(dir, 'policies', 'pci-dss-4.0', 'sub', 'link.yaml'));
  await assert.rejects(ws.create('c'), (e: unknown) => e instanceof AirlockError && /link\.yaml: policies\[0\]: symbolic links are not packed/.test(e.message));
});

test('airlock.yaml: every field is validated with the file and field named', () => {
  const ok = parseBundleSpec('name: platform-updates\nchannel: stable\nversion: 2026.11.1\nimages:\n  - oci:./layouts/app:1.0\n  - docker-archive:./app.tar\nfiles:\n  - ./patches/openssl-fix.deb\nvulndb: ./vuln.db\npolicies:\n  - ./policies/pci-dss-4.0\n', '/x/airlock.yaml');
  assert.deepEqual(ok.sources.map((s) => [s.type, s.path]), [
    ['image', '/x/layouts/app'],
    ['image', '/x/app.tar'],
    ['file', '/x/patches/openssl-fix.deb'],
    ['vulndb', '/x/vuln.db'],
    ['policy', '/x/policies/pci-dss-4.0'],
  ]);
  assert.equal(ok.sources[0]?.tag, '1.0');
  // YAML reads 1.10 as a number; the version is kept as written.
  assert.equal(parseBundleSpec('name: a\nversion: 1.10\nfiles: [x]\n', 'a.yaml').version, '1.10');
  const bad: [string, RegExp][] = [
    ['version: 1\nfiles: [x]\n', /s\.yaml: name: Invalid input: expected string/],
    ['name: Bad Name\nversion: 1\nfiles: [x]\n', /s\.yaml: name: must be lowercase/],
    ['name: a\nversion: 1\n', /s\.yaml: the bundle has no content/],
    ['name: a\nversion: 1\nfiles: [x]\nextra: 1\n', /s\.yaml: \(root\): unknown field "extra"/],
    ['name: a\nversion: 1\nimages: [{ref: "oci:./l:1.0", nam: x}]\n', /s\.yaml: images\[0\]/],
    ['name: a\nversion: 1\nfiles: [x]\nexpires: soon\n', /s\.yaml: expires: must be a duration/],
    ['- a\n- b\n', /s\.yaml: expected a mapping/],
    ['name: [unclosed\n', /s\.yaml: invalid YAML at line/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseBundleSpec(text, 's.yaml'), (e: unknown) => e instanceof AirlockError && re.test(e.message) && e.exitCode === 2, text);
  assert.throws(() => parseImageRef('oci:./l:bad tag', '/', 'f'), /is not a valid tag/);
});

test('the published JSON Schema is current', () => {
  const committed = JSON.parse(readFileSync(new URL('../../schemas/airlock.schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(bundleSpecJsonSchema())), 'run npm run build to regenerate schemas/airlock.schema.json');
});

test('tar entry names: anything that could leave the tree is refused (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', 'b', '..', '.', '', 'blobs', 'sha256'), { maxLength: 6 }), fc.boolean(), (segs, abs) => {
      const name = (abs ? '/' : '') + segs.join('/');
      const r = checkEntryName(name);
      if (r.ok) {
        assert.ok(!r.name.startsWith('/') && !r.name.split('/').includes('..'), name);
      } else {
        assert.ok(name.startsWith('/') || name.split('/').includes('..') || name === '', name);
      }
    }),
  );
});
