import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/env.ts';

function rootfs(dir: string): void {
  mkdirSync(join(dir, 'var/lib/dpkg'), { recursive: true });
  mkdirSync(join(dir, 'etc'));
  mkdirSync(join(dir, 'usr/lib/node_modules/left-pad'), { recursive: true });
  writeFileSync(join(dir, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(dir, 'var/lib/dpkg/status'), 'Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n');
  writeFileSync(join(dir, 'usr/lib/node_modules/left-pad/package.json'), '{"name":"left-pad","version":"1.3.0","license":"WTFPL"}');
}

test('airlock sbom: CycloneDX and SPDX end to end, and an SBOM read back as a target', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'root');
  rootfs(root);
  const cdx = await runCli(['sbom', `rootfs:${root}`, '--format', 'cyclonedx']);
  assert.equal(cdx.code, 0, cdx.stderr);
  const doc = JSON.parse(cdx.stdout) as { specVersion: string; components: { name: string; purl?: string }[] };
  assert.equal(doc.specVersion, '1.6');
  assert.deepEqual(doc.components.map((c) => c.purl ?? c.name), ['debian', 'pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1&upstream=zlib', 'pkg:npm/left-pad@1.3.0']);
  const out = join(dir, 'bom.spdx.json');
  const spdx = await runCli(['sbom', `rootfs:${root}`, '--format', 'spdx', '-o', out, '--json']);
  assert.equal(spdx.code, 0, spdx.stderr);
  assert.equal((JSON.parse(spdx.stdout) as { packages: number }).packages, 2);
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { spdxVersion: string }).spdxVersion, 'SPDX-2.3');
  const again = await runCli(['sbom', `sbom:${out}`, '--format', 'cyclonedx']);
  assert.equal(again.code, 0, again.stderr);
  const back = JSON.parse(again.stdout) as { components: { name: string; version?: string }[] };
  assert.deepEqual(back.components.map((c) => `${c.name}@${c.version}`), ['debian@12', 'zlib1g@1:1.2.13.dfsg-1', 'left-pad@1.3.0']);
});

test('airlock sbom: usage errors and bad input exit 2 with one line, no stack trace', async (t) => {
  const bad = await runCli(['sbom', 'rootfs:/no/such/place']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim(), 'airlock: /no/such/place: no such file or directory');
  const fmt = await runCli(['sbom', 'rootfs:/', '--format', 'sarif']);
  assert.equal(fmt.code, 2);
  assert.match(fmt.stderr, /unknown SBOM format "sarif"/);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'x.json'), '{"nope": true}');
  const foreign = await runCli(['sbom', `sbom:${join(dir, 'x.json')}`]);
  assert.equal(foreign.code, 2);
  assert.match(foreign.stderr, /x.json: neither CycloneDX JSON/);
  assert.doesNotMatch(foreign.stderr, /\n\s+at /);
});
