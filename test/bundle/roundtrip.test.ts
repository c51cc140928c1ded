import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/env.ts';
import { makeWorkspace } from '../helpers/bundle-fixture.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { applyBundle } from '../../src/bundle/apply.ts';
import { diffBundles, inspectBundle } from '../../src/bundle/inspect.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import { PARTS_FILE } from '../../src/bundle/parts.ts';

test('a folder bundle verifies, applies into a store, and re-applies as a no-op', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const created = await ws.create('b1', { sequence: 10 });
  assert.equal(created.descriptor.items.length, 3);
  assert.deepEqual(created.descriptor.items.map((i) => i.type).sort(), ['file', 'image', 'policy']);
  const report = await verifyBundle(created.out, { trust: ws.trust });
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, true);
  assert.equal(report.blobsChecked, created.descriptor.blobs.length);

  const store = join(ws.dir, 'store');
  const applied = await applyBundle(created.out, { trust: ws.trust, store });
  assert.equal(applied.status, 'applied');
  assert.equal(applied.blobsWritten, created.descriptor.blobs.length);
  const layout = await OciLayout.open(store);
  const index = await layout.readIndex();
  assert.deepEqual(index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']).sort(), ['app:1.0', 'files/openssl-fix.deb', 'policies/pci-dss-4.0']);
  for (const b of created.descriptor.blobs) assert.ok(await layout.hasBlob(b.digest, b.size), `store holds ${b.digest}`);
  const state = JSON.parse(readFileSync(join(store, 'airlock-state.json'), 'utf8'));
  assert.equal(state.channels.stable.sequence, 10);

  const again = await applyBundle(created.out, { trust: ws.trust, store });
  assert.equal(again.status, 'already-applied');
  assert.equal(again.blobsWritten, 0);
  assert.deepEqual(readdirSync(store).sort(), ['airlock-state.json', 'blobs', 'index.json', 'oci-layout']);
});

test('tar and split bundles verify and apply the same content as the folder form', async (t) => {
  const ws = await makeWorkspace(tempDir(t), { layers: [{ 'big.bin': randomBytes(3 * 1024 * 1024) }, { 'small.txt': 'x' }] });
  const tarred = await ws.create('b.tar', { sequence: 1, format: 'tar' });
  assert.ok(statSync(tarred.out).isFile());
  assert.equal((await verifyBundle(tarred.out, { trust: ws.trust })).ok, true);

  const split = await ws.create('parts', { sequence: 2, split: 1024 * 1024 });
  assert.ok(split.parts && split.parts.length >= 4, 'a 3 MiB blob spans several 1 MiB parts');
  for (const p of split.parts ?? []) assert.ok(p.size <= 1024 * 1024);
  for (const name of readdirSync(split.out)) assert.ok(statSync(join(split.out, name)).size <= 1024 * 1024, `${name} fits the part size`);
  const r = await verifyBundle(split.out, { trust: ws.trust });
  assert.deepEqual(r.problems, []);
  // The parts list file itself can be named too.
  assert.equal((await verifyBundle(join(split.out, PARTS_FILE), { trust: ws.trust })).ok, true);

  const store = join(ws.dir, 'store');
  const a = await applyBundle(split.out, { trust: ws.trust, store });
  assert.equal(a.status, 'applied');
  const layout = await OciLayout.open(store);
  for (const b of split.descriptor.blobs) assert.ok(await layout.hasBlob(b.digest, b.size));
});

test('a delta leaves out what the base holds, names it, and applies on top of the base', async (t) => {
  const base = randomBytes(512 * 1024);
  const lib = randomBytes(256 * 1024);
  const ws = await makeWorkspace(tempDir(t), { layers: [{ 'base.bin': base }, { 'lib.bin': lib }, { 'app.bin': randomBytes(64 * 1024) }] });
  const full = await ws.create('full', { sequence: 1 });
  await ws.rebuildApp([{ 'base.bin': base }, { 'lib.bin': lib }, { 'app.bin': randomBytes(64 * 1024) }]);
  const delta = await ws.create('delta', { sequence: 2, base: join(ws.dir, 'full') });
  assert.ok(delta.descriptor.base, 'the delta names its base');
  assert.ok(delta.omittedBytes > 700 * 1024, 'unchanged layers are left out');
  assert.ok(delta.bytes < 100 * 1024, `delta carries only what changed (${delta.bytes} bytes)`);
  assert.equal((await verifyBundle(delta.out, { trust: ws.trust })).ok, true);

  const diff = await diffBundles(full.out, delta.out);
  assert.equal(diff.deltaOfOld, true);
  assert.deepEqual(diff.items.changed.map((i) => i.name), ['app:1.0']);
  assert.equal(diff.items.unchanged, 2);

  // Applying the delta to an empty store is refused with the list of what is missing.
  const empty = join(ws.dir, 'empty-store');
  await assert.rejects(applyBundle(delta.out, { trust: ws.trust, store: empty }), (e: Error & { code?: string; details?: string[] }) => {
    assert.equal(e.code, 'INCOMPLETE');
    assert.match(e.message, /delta needs \d+ blob\(s\) from platform-updates 2026\.11\.1 \(sequence 1\)/);
    assert.ok((e.details ?? []).length > 0);
    return true;
  });
  const store = join(ws.dir, 'store');
  await applyBundle(full.out, { trust: ws.trust, store });
  const a = await applyBundle(delta.out, { trust: ws.trust, store });
  assert.equal(a.status, 'applied');
  assert.equal(a.previous?.sequence, 1);
  const index = await (await OciLayout.open(store)).readIndex();
  const app = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'app:1.0');
  assert.equal(app?.digest, delta.descriptor.items.find((i) => i.name === 'app:1.0')?.digest, 'the store now points at the new image');
  const info = await inspectBundle(delta.out);
  assert.ok(info.descriptor.omitted.length > 0);
});
