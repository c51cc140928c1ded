/**
 * Images built by independent tools: umoci writes an OCI layout whose second layer
 * deletes a folder (a real whiteout), skopeo converts it to a docker-archive; airlock
 * must see the same packages in both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalog } from '../../src/scan/catalog.ts';
import { requireTool, tempDir } from '../helpers/env.ts';

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

test('umoci-built OCI image with a whiteout, and its skopeo docker-archive, catalog alike', async (t) => {
  if (!requireTool(t, 'umoci') || !requireTool(t, 'skopeo')) return;
  const dir = tempDir(t);
  run('umoci', ['init', '--layout', 'img'], dir);
  run('umoci', ['new', '--image', 'img:t'], dir);
  run('umoci', ['unpack', '--rootless', '--image', 'img:t', 'b'], dir);
  const rootfs = join(dir, 'b/rootfs');
  for (const d of ['etc', 'var/lib/dpkg', 'opt/app/node_modules/x', 'usr/lib/node_modules/y']) mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(join(rootfs, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(rootfs, 'var/lib/dpkg/status'), 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\nArchitecture: amd64\n');
  writeFileSync(join(rootfs, 'opt/app/node_modules/x/package.json'), '{"name":"x","version":"1.0.0"}');
  writeFileSync(join(rootfs, 'usr/lib/node_modules/y/package.json'), '{"name":"y","version":"2.0.0"}');
  run('umoci', ['repack', '--image', 'img:t', 'b'], dir);
  rmSync(join(dir, 'b'), { recursive: true, force: true });
  run('umoci', ['unpack', '--rootless', '--image', 'img:t', 'b'], dir);
  rmSync(join(rootfs, 'opt/app'), { recursive: true });
  writeFileSync(join(rootfs, 'var/lib/dpkg/status'), 'Package: base-files\nStatus: install ok installed\nVersion: 12.5\nArchitecture: amd64\n');
  run('umoci', ['repack', '--image', 'img:t', 'b'], dir);

  const oci = await catalog(`oci:${join(dir, 'img')}:t`);
  assert.equal(oci.target.layers?.length, 2);
  const want = ['dpkg base-files@12.5', 'npm y@2.0.0'];
  assert.deepEqual(oci.packages.map((p) => `${p.foundBy} ${p.name}@${p.version}`).sort(), want);
  assert.deepEqual(oci.os, { id: 'debian', versionId: '12' });
  assert.equal(oci.packages.find((p) => p.name === 'base-files')?.layer, oci.target.layers?.[1]);

  run('skopeo', ['copy', '--quiet', `oci:${join(dir, 'img')}:t`, `docker-archive:${join(dir, 'app.tar')}:example/app:1`], dir);
  const archive = await catalog(`docker-archive:${join(dir, 'app.tar')}`);
  assert.deepEqual(archive.packages.map((p) => `${p.foundBy} ${p.name}@${p.version}`).sort(), want);
  assert.equal(archive.target.layers?.length, 2);
  assert.ok(archive.target.digest?.startsWith('sha256:'));
});
