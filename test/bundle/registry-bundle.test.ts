/**
 * Registry images in bundles, against real registries on loopback: an image pushed to
 * registry A is pulled into a bundle on the connected side, verified and applied on the
 * isolated side, and pushed into registry B under a prefix, where skopeo finds the same
 * digest. A second apply sends nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireTool, tempDir } from '../helpers/env.ts';
import { runCli } from '../helpers/cli.ts';
import { startRegistry } from '../registry/registry-server.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import { buildImage, tarOf } from '../../src/oci/build-image.ts';
import { gzipSync } from 'node:zlib';
import { pushImage } from '../../src/oci/registry/index.ts';
import { generateKeyPair } from '../../src/trust/keys.ts';

test('registry -> bundle -> verify -> apply -> registry, with a prefix; re-apply sends nothing', async (t) => {
  if (!requireTool(t, 'docker-registry') || !requireTool(t, 'skopeo')) return;
  const a = await startRegistry(t, 'http');
  const b = await startRegistry(t, 'http');
  if (!a || !b) return;
  const dir = tempDir(t);
  const src = await OciLayout.openOrCreate(join(dir, 'src'));
  const img = await buildImage(src, 'x', [{ 'etc/os-release': 'ID=alpine\n' }, { 'app.bin': randomBytes(200_000) }]);
  await pushImage(src, img.descriptor, `${a.host}/team/app:1.0`, { plainHttp: true });

  writeFileSync(join(dir, 'db.tar.gz'), gzipSync(await tarOf({ 'trivy.db': randomBytes(4096), 'metadata.json': '{"Version":2,"NextUpdate":"2026-11-24T00:00:00Z","UpdatedAt":"2026-11-23T00:00:00Z"}' })));
  writeFileSync(join(dir, 'airlock.yaml'), `name: mirror\nversion: "1"\nimages:\n  - ${a.host}/team/app:1.0\nfiles:\n  - ./notes.txt\ntrivy-db: ./db.tar.gz\n`);
  writeFileSync(join(dir, 'notes.txt'), 'release notes\n');
  const keys = await generateKeyPair(join(dir, 'keys'), 'k', undefined);
  const create = await runCli(['bundle', 'create', '-f', join(dir, 'airlock.yaml'), '-o', join(dir, 'bundle'), '--key', keys.privateKeyPath, '--plain-http', '--sequence', '1', '--json']);
  assert.equal(create.code, 0, create.stderr);
  const item = JSON.parse(create.stdout).descriptor.items.find((i: { type: string }) => i.type === 'image');
  assert.equal(item.name, `${a.host}/team/app:1.0`);
  assert.equal(item.source, `${a.host}/team/app:1.0@${img.descriptor.digest}`, 'the bundle records the resolved digest');

  const verify = await runCli(['bundle', 'verify', join(dir, 'bundle'), '--key', keys.publicKeyPath]);
  assert.equal(verify.code, 0, verify.stderr);
  const args = ['bundle', 'apply', join(dir, 'bundle'), '--key', keys.publicKeyPath, '--store', join(dir, 'store'), '--registry', b.host, '--prefix', 'mirror', '--plain-http', '--json'];
  const apply = await runCli(args);
  assert.equal(apply.code, 0, apply.stderr);
  const pushed = JSON.parse(apply.stdout).pushed as { target: string; uploaded: number; skipped: number }[];
  assert.deepEqual(pushed.map((p) => p.target.replace(/@sha256:[a-f0-9]+$/, '')).sort(), [
    `${b.host}/mirror/files/notes.txt:latest`,
    `${b.host}/mirror/team/app:1.0`,
    `${b.host}/mirror/trivy-db:2`,
  ]);
  // Trivy's DB is where `trivy --db-repository <registry>/mirror/trivy-db` looks, with Trivy's media types.
  const trivy = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${b.host}/mirror/trivy-db:2`], { encoding: 'utf8' });
  assert.equal(trivy.status, 0, trivy.stderr);
  const tm = JSON.parse(trivy.stdout);
  assert.equal(tm.config.mediaType, 'application/vnd.aquasec.trivy.config.v1+json');
  assert.equal(tm.layers[0].mediaType, 'application/vnd.aquasec.trivy.db.layer.v1.tar+gzip');
  assert.equal(tm.layers[0].annotations['org.opencontainers.image.title'], 'db.tar.gz');
  const inspect = spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${b.host}/mirror/team/app:1.0`], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).Digest, img.descriptor.digest, 'same digest in registry B as in registry A');

  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout);
  assert.equal(second.status, 'already-applied');
  assert.equal(second.pushed.reduce((n: number, p: { uploaded: number }) => n + p.uploaded, 0), 0, 'nothing uploaded the second time');

  // The cluster's mirror configuration, derived from the bundle's source registries.
  const mirror = await runCli(['mirror-config', '--distro', 'k3s', '--registry', b.host, '--prefix', 'mirror', '--bundle', join(dir, 'bundle')]);
  assert.equal(mirror.code, 0, mirror.stderr);
  assert.match(mirror.stdout, new RegExp(`"?${a.host.replace(/\./g, '\\.')}"?:`));
  assert.match(mirror.stdout, new RegExp(`${b.host.replace(/\./g, '\\.')}`));

  // A Trivy DB that is not one is refused by name.
  writeFileSync(join(dir, 'bad.tar.gz'), gzipSync(await tarOf({ 'other.txt': 'x' })));
  writeFileSync(join(dir, 'trivy-bad.yaml'), 'name: t\nversion: "1"\ntrivy-db: ./bad.tar.gz\n');
  const badDb = await runCli(['bundle', 'create', '-f', join(dir, 'trivy-bad.yaml'), '-o', join(dir, 'b3'), '--key', keys.privateKeyPath]);
  assert.equal(badDb.code, 2);
  assert.match(badDb.stderr, /bad\.tar\.gz: trivy-db: trivy\.db and metadata\.json missing from the archive/);

  // images-from: the images Kubernetes manifests reference are pulled too.
  writeFileSync(join(dir, 'deploy.yaml'), `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: "${a.host}/team/app:1.0"}]\n`);
  writeFileSync(join(dir, 'from.yaml'), 'name: from\nversion: "1"\nimages-from:\n  - ./deploy.yaml\n');
  const from = await runCli(['bundle', 'create', '-f', join(dir, 'from.yaml'), '-o', join(dir, 'b-from'), '--key', keys.privateKeyPath, '--plain-http', '--json']);
  assert.equal(from.code, 0, from.stderr);
  assert.deepEqual(JSON.parse(from.stdout).descriptor.items.map((i: { name: string }) => i.name), [`${a.host}/team/app:1.0`]);

  // An image name that no registry holds fails create with one line and no output.
  writeFileSync(join(dir, 'missing.yaml'), `name: mirror\nversion: "1"\nimages:\n  - ${a.host}/team/absent:9\n`);
  const missing = await runCli(['bundle', 'create', '-f', join(dir, 'missing.yaml'), '-o', join(dir, 'b2'), '--key', keys.privateKeyPath, '--plain-http']);
  assert.equal(missing.code === 1 || missing.code === 2, true, missing.stderr);
  assert.match(missing.stderr, /absent/);
});
