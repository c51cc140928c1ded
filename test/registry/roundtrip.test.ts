/**
 * Cross-check with skopeo: skopeo pushes a generated image to registry A, airlock pulls
 * it into a layout and pushes it to registry B, skopeo reads B and sees the same digests.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { OciLayout } from '../../src/oci/layout.ts';
import { parseIndex } from '../../src/oci/manifest.ts';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from '../../src/oci/media-types.ts';
import { BlobLocations, ClientPool, pullImage, pushImage } from '../../src/oci/registry/index.ts';
import { requireTool, tempDir } from '../helpers/env.ts';
import { makeImage, skopeo } from './images.ts';
import { type RegistryMode, sha256, startRegistry } from './registry-server.ts';

async function rawDigest(ref: string, flags: string[]): Promise<string> {
  return sha256(Buffer.from(await skopeo(['inspect', '--raw', ...flags, `docker://${ref}`]), 'utf8'));
}

for (const mode of ['http', 'tls', 'basic', 'token'] as RegistryMode[]) {
  test(`skopeo -> registry A -> airlock pull -> airlock push -> registry B (${mode})`, async (t) => {
    if (!requireTool(t, 'skopeo')) return;
    const a = await startRegistry(t, mode);
    const b = await startRegistry(t, mode);
    if (!a || !b) return;
    const dir = tempDir(t);
    const src = await makeImage(join(dir, 'src'), 'v1', { sizes: [3000, 5000, 7000] });
    await skopeo(['copy', ...a.skopeoFlags('dest'), `oci:${join(dir, 'src')}:v1`, `docker://${a.host}/team/app:v1`]);
    const atA = await rawDigest(`${a.host}/team/app:v1`, a.skopeoFlags('inspect'));

    const layout = await OciLayout.openOrCreate(join(dir, 'pulled'));
    const pool = new ClientPool(a.options);
    t.after(() => pool.close());
    const client = await pool.get(a.host);
    assert.equal(await pool.get(a.host), client);
    const pulled = await pullImage(`${a.host}/team/app:v1`, layout, { ...a.options, client });
    assert.equal(pulled.descriptor.digest, atA);
    assert.equal(pulled.ref, `${a.host}/team/app:v1@${atA}`);
    assert.equal(pulled.downloaded, 4);

    const pushed = await pushImage(layout, pulled.descriptor, `${b.host}/mirror/team/app:v1`, b.options);
    assert.equal(pushed.digest, atA);
    assert.equal(pushed.uploaded, 4);
    assert.equal(await rawDigest(`${b.host}/mirror/team/app:v1`, b.skopeoFlags('inspect')), atA);
    // skopeo can copy the pushed image back out, reading every blob.
    await skopeo(['copy', ...b.skopeoFlags('src'), `docker://${b.host}/mirror/team/app:v1`, `oci:${join(dir, 'check')}:v1`]);
    assert.equal(src.root.size > 0, true);

    // A second push is a no-op; a push to another repository mounts every blob.
    const again = await pushImage(layout, pulled.descriptor, `${b.host}/mirror/team/app:v1`, b.options);
    assert.equal(again.upToDate, true);
    assert.equal(again.uploaded, 0);
    const locations = new BlobLocations();
    await pushImage(layout, pulled.descriptor, `${b.host}/one/app:v1`, { ...b.options, locations });
    const mounted = await pushImage(layout, pulled.descriptor, `${b.host}/two/app:v1`, { ...b.options, locations });
    assert.equal(mounted.mounted, 4);
    assert.equal(mounted.uploaded, 0);
    assert.equal(await rawDigest(`${b.host}/two/app:v1`, b.skopeoFlags('inspect')), atA);
  });
}

test('a multi-arch index keeps only the requested platforms, and all of them otherwise', async (t) => {
  if (!requireTool(t, 'skopeo')) return;
  const a = await startRegistry(t, 'http');
  const b = await startRegistry(t, 'http');
  if (!a || !b) return;
  const dir = tempDir(t);
  await makeImage(join(dir, 'src'), 'multi', { arches: ['amd64', 'arm64'] });
  await skopeo(['copy', '--all', ...a.skopeoFlags('dest'), `oci:${join(dir, 'src')}:multi`, `docker://${a.host}/lib/multi:1`]);
  const atA = await rawDigest(`${a.host}/lib/multi:1`, a.skopeoFlags('inspect'));

  const all = await OciLayout.openOrCreate(join(dir, 'all'));
  const full = await pullImage(`${a.host}/lib/multi:1`, all, { ...a.options, platforms: 'all' });
  assert.equal(full.descriptor.digest, atA);
  assert.equal(full.filtered, false);

  const one = await OciLayout.openOrCreate(join(dir, 'one'));
  const arm = await pullImage(`${a.host}/lib/multi:1`, one, { ...a.options, platforms: ['linux/arm64'] });
  assert.equal(arm.filtered, true);
  assert.equal(arm.sourceDigest, atA);
  assert.notEqual(arm.descriptor.digest, atA);
  const index = parseIndex(await one.readBlob(arm.descriptor), 'filtered');
  assert.deepEqual(index.manifests.map((d) => d.platform?.architecture), ['arm64']);

  await pushImage(one, arm.descriptor, `${b.host}/lib/multi:1`, b.options);
  const raw = await skopeo(['inspect', '--raw', ...b.skopeoFlags('inspect'), `docker://${b.host}/lib/multi:1`]);
  assert.equal(sha256(Buffer.from(raw)), arm.descriptor.digest);
  assert.deepEqual(parseIndex(Buffer.from(raw), 'b').manifests.map((d) => d.platform?.architecture), ['arm64']);
  // The arm64 image is complete at B: skopeo copies it out.
  await skopeo(['copy', '--override-arch', 'arm64', ...b.skopeoFlags('src'), `docker://${b.host}/lib/multi:1`, `oci:${join(dir, 'check')}:x`]);

  await assert.rejects(pullImage(`${a.host}/lib/multi:1`, one, { ...a.options, platforms: ['linux/s390x'] }), /no manifest for linux\/s390x \(the index has linux\/amd64, linux\/arm64\)/);
});

test('Docker v2 schema 2 manifests and manifest lists round-trip with their digests', async (t) => {
  if (!requireTool(t, 'skopeo')) return;
  const a = await startRegistry(t, 'http');
  const b = await startRegistry(t, 'http');
  if (!a || !b) return;
  const dir = tempDir(t);
  await makeImage(join(dir, 'single'), 'v1');
  await makeImage(join(dir, 'multi'), 'v1', { arches: ['amd64', 'arm64'] });
  await skopeo(['copy', '--format', 'v2s2', ...a.skopeoFlags('dest'), `oci:${join(dir, 'single')}:v1`, `docker://${a.host}/d/single:v1`]);
  await skopeo(['copy', '--all', '--format', 'v2s2', ...a.skopeoFlags('dest'), `oci:${join(dir, 'multi')}:v1`, `docker://${a.host}/d/multi:v1`]);
  const layout = await OciLayout.openOrCreate(join(dir, 'pulled'));
  for (const [name, mediaType] of [
    ['single', DOCKER_MANIFEST],
    ['multi', DOCKER_MANIFEST_LIST],
  ] as const) {
    const atA = await rawDigest(`${a.host}/d/${name}:v1`, a.skopeoFlags('inspect'));
    const pulled = await pullImage(`${a.host}/d/${name}:v1`, layout, a.options);
    assert.equal(pulled.descriptor.mediaType, mediaType);
    assert.equal(pulled.descriptor.digest, atA);
    await pushImage(layout, pulled.descriptor, `${b.host}/d/${name}:v1`, b.options);
    assert.equal(await rawDigest(`${b.host}/d/${name}:v1`, b.skopeoFlags('inspect')), atA);
  }
  const amd = await pullImage(`${a.host}/d/multi:v1`, await OciLayout.openOrCreate(join(dir, 'amd')), { ...a.options, platforms: ['linux/amd64'] });
  assert.equal(amd.descriptor.mediaType, DOCKER_MANIFEST_LIST);
  await pushImage(await OciLayout.open(join(dir, 'amd')), amd.descriptor, `${b.host}/d/amd:v1`, b.options);
  await skopeo(['copy', ...b.skopeoFlags('src'), `docker://${b.host}/d/amd:v1`, `oci:${join(dir, 'check')}:x`]);
});
