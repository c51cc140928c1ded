/**
 * Referrers travel with their image. The Debian registry (distribution 2.8) has no
 * referrers API, so this exercises the spec's `sha256-<hex>` tag fallback for real.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonBytes } from '../../src/common/json.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import { parseIndex } from '../../src/oci/manifest.ts';
import { EMPTY_JSON, OCI_EMPTY, OCI_MANIFEST } from '../../src/oci/media-types.ts';
import { getReferrers } from '../../src/oci/registry/api.ts';
import { pullImage, pushImage, RegistryClient } from '../../src/oci/registry/index.ts';
import { requireTool, tempDir } from '../helpers/env.ts';
import { makeImage, skopeo } from './images.ts';
import { startRegistry } from './registry-server.ts';

const SIGSTORE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

test('a signature referrer is pushed with the fallback tag, pulled with its image, and pushed on', async (t) => {
  if (!requireTool(t, 'skopeo')) return;
  const a = await startRegistry(t, 'http');
  const b = await startRegistry(t, 'token');
  if (!a || !b) return;
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1');
  await pushImage(img.layout, img.root, `${a.host}/app:v1`, a.options);

  const empty = await img.layout.putBytes(EMPTY_JSON);
  const sig = await img.layout.putBytes(Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'));
  const manifest = jsonBytes({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE,
    config: { mediaType: OCI_EMPTY, ...empty },
    layers: [{ mediaType: SIGSTORE, ...sig }],
    subject: img.root,
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
  });
  const m = await img.layout.putBytes(manifest);
  const referrer = { mediaType: OCI_MANIFEST, ...m };
  await pushImage(img.layout, referrer, `${a.host}/app@${m.digest}`, a.options);
  // Pushing it again neither fails nor lists it twice.
  const again = await pushImage(img.layout, referrer, `${a.host}/app@${m.digest}`, a.options);
  assert.equal(again.upToDate, true);

  // skopeo, which knows nothing of referrers, sees the fallback tag's index.
  const tag = img.root.digest.replace(':', '-');
  const raw = await skopeo(['inspect', '--raw', ...a.skopeoFlags('inspect'), `docker://${a.host}/app:${tag}`]);
  const listed = parseIndex(Buffer.from(raw), 'fallback tag').manifests;
  assert.deepEqual(listed.map((d) => [d.digest, d.artifactType]), [[m.digest, SIGSTORE]]);

  const layout = await OciLayout.openOrCreate(join(dir, 'pulled'));
  const pulled = await pullImage(`${a.host}/app:v1`, layout, { ...a.options, referrers: true });
  assert.equal(pulled.referrers.length, 1);
  assert.equal(pulled.referrers[0]?.subject, img.root.digest);
  assert.equal(pulled.referrers[0]?.descriptor.artifactType, SIGSTORE);
  assert.equal(await layout.hasBlob(sig.digest, sig.size), true);

  await pushImage(layout, pulled.descriptor, `${b.host}/mirror/app:v1`, b.options);
  const r = pulled.referrers[0]?.descriptor;
  assert.ok(r);
  await pushImage(layout, r, `${b.host}/mirror/app@${r.digest}`, b.options);
  const client = await RegistryClient.create(b.host, b.options);
  t.after(() => client.close());
  const atB = await getReferrers(client, 'mirror/app', img.root.digest);
  assert.equal(atB.via, 'tag');
  assert.deepEqual(atB.manifests.map((d) => d.digest), [m.digest]);
  const none = await getReferrers(client, 'mirror/app', m.digest);
  assert.deepEqual(none, { manifests: [], via: 'none' });
});
