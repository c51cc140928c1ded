import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedData, tempDir } from '../../test/helpers/env.ts';
import { catalog } from './catalog.ts';
import { readJavaArchive } from './catalogers/java.ts';
import { readEggPkgInfo } from './catalogers/python.ts';

function tree(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
}

test('language packages installed by an OS package are left out (dpkg .list), and counted', async (t) => {
  const dir = tempDir(t);
  tree(dir, {
    'var/lib/dpkg/status': 'Package: nodejs\nStatus: install ok installed\nVersion: 20.1.0-1\nArchitecture: amd64\n',
    'var/lib/dpkg/info/nodejs.list': '/.\n/usr\n/usr/lib/node_modules/npm/package.json\n/usr/lib/node_modules/npm/node_modules/abbrev/package.json\n',
    'usr/lib/node_modules/npm/package.json': '{"name":"npm","version":"10.0.0"}',
    'usr/lib/node_modules/npm/node_modules/abbrev/package.json': '{"name":"abbrev","version":"2.0.0"}',
    'usr/lib/node_modules/corepack/package.json': '{"name":"corepack","version":"0.30.0"}',
  });
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.packages.map((p) => `${p.foundBy} ${p.name}`), ['dpkg nodejs', 'npm corepack']);
  assert.equal(r.osOwned, 2);
  const all = await catalog(`rootfs:${dir}`, { includeOsOwned: true });
  assert.equal(all.packages.length, 4);
});

test('npm: any package.json on an installed system, only node_modules in a source tree', async (t) => {
  const dir = tempDir(t);
  tree(dir, {
    'srv/app/package.json': '{"name":"app","version":"1.0.0"}',
    'srv/app/node_modules/dep/package.json': '{"name":"dep","version":"2.0.0"}',
    'srv/app/node_modules/nover/package.json': '{"name":"nover"}',
  });
  assert.deepEqual((await catalog(`rootfs:${dir}`)).packages.map((p) => p.name).sort(), ['app', 'dep']);
  assert.deepEqual((await catalog(`dir:${dir}`)).packages.map((p) => p.name), ['dep']);
});

test('Python: a zipped .egg is read through its EGG-INFO/PKG-INFO', async (t) => {
  const egg = sharedData(t, 'vuln', 'fixtures', 'trivy', 'analyzer', 'language', 'python', 'packaging', 'testdata', 'egg-zip', 'kitchen-1.2.6-py2.7.egg');
  if (!egg) return;
  const text = await readEggPkgInfo(readFileSync(egg), 'kitchen.egg');
  assert.match(text ?? '', /^Name: kitchen$/m);
  const dir = tempDir(t);
  mkdirSync(join(dir, 'usr/lib/python2.7/site-packages'), { recursive: true });
  copyFileSync(egg, join(dir, 'usr/lib/python2.7/site-packages/kitchen-1.2.6-py2.7.egg'));
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.packages.map((p) => p.purl), ['pkg:pypi/kitchen@1.2.6']);
});

test('Java: archives nested 10 deep are read; 100 deep stops with a clear error', async (t) => {
  const base = sharedData(t, 'vuln', 'fixtures', 'osv-scalibr', 'extractor', 'language', 'java', 'archive', 'testdata');
  if (!base) return;
  const ten = await readJavaArchive(readFileSync(join(base, 'nested_at_10.jar')), 'nested_at_10.jar');
  assert.ok(ten.length > 0);
  assert.deepEqual(ten.map((c) => c.location.split('!/').length), [10], 'the package sits nine archives deep');
  await assert.rejects(readJavaArchive(readFileSync(join(base, 'nested_at_100.jar')), 'nested_at_100.jar'), /nested_at_100.jar(!\/[^ ]+)*: archives nested deeper than 16/);
  const guava = await readJavaArchive(readFileSync(join(base, 'guava-31.1-jre.jar')), 'guava-31.1-jre.jar');
  assert.deepEqual(guava.map((c) => `${c.groupId}:${c.artifactId}@${c.version}`), ['com.google.guava:guava@31.1-jre']);
});
