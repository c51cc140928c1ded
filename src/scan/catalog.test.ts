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

/** An rpm header blob (as rpmdb.sqlite stores it) with name, version, release and a file list. */
function rpmHeader(name: string, files: { dir: string; base: string }[]): Buffer {
  const dirs = [...new Set(files.map((f) => f.dir))];
  const entries: { tag: number; type: number; data: Buffer; count: number }[] = [
    { tag: 1000, type: 6, data: Buffer.from(`${name}\0`), count: 1 },
    { tag: 1001, type: 6, data: Buffer.from('1.0\0'), count: 1 },
    { tag: 1002, type: 6, data: Buffer.from('1.el9\0'), count: 1 },
    { tag: 1117, type: 8, data: Buffer.from(files.map((f) => `${f.base}\0`).join('')), count: files.length },
    { tag: 1118, type: 8, data: Buffer.from(dirs.map((d) => `${d}\0`).join('')), count: dirs.length },
  ];
  const idx = Buffer.alloc(4 * files.length);
  files.forEach((f, i) => idx.writeInt32BE(dirs.indexOf(f.dir), i * 4));
  const parts: Buffer[] = [];
  const index = Buffer.alloc(16 * (entries.length + 1));
  let off = 0;
  // the int32 array first, so it is 4-byte aligned
  index.writeInt32BE(1116, 0);
  index.writeInt32BE(4, 4);
  index.writeInt32BE(0, 8);
  index.writeInt32BE(files.length, 12);
  parts.push(idx);
  off += idx.length;
  entries.forEach((e, i) => {
    index.writeInt32BE(e.tag, 16 * (i + 1));
    index.writeInt32BE(e.type, 16 * (i + 1) + 4);
    index.writeInt32BE(off, 16 * (i + 1) + 8);
    index.writeInt32BE(e.count, 16 * (i + 1) + 12);
    parts.push(e.data);
    off += e.data.length;
  });
  const head = Buffer.alloc(8);
  head.writeUInt32BE(entries.length + 1, 0);
  head.writeUInt32BE(off, 4);
  return Buffer.concat([head, index, ...parts]);
}

test('rpm-owned files hide the language packages an rpm installed (RHEL python3-* in site-packages)', async (t) => {
  const dir = tempDir(t);
  const meta = 'usr/lib/python3.9/site-packages/requests-2.25.1.dist-info/METADATA';
  tree(dir, {
    'etc/os-release': 'ID="rhel"\nVERSION_ID="9.4"\n',
    [meta]: 'Name: requests\nVersion: 2.25.1\n',
    'opt/venv/lib/python3.9/site-packages/urllib3-1.26.5.dist-info/METADATA': 'Name: urllib3\nVersion: 1.26.5\n',
  });
  mkdirSync(join(dir, 'var/lib/rpm'), { recursive: true });
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dir, 'var/lib/rpm/rpmdb.sqlite'));
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  db.prepare('INSERT INTO Packages (blob) VALUES (?)').run(rpmHeader('python3-requests', [{ dir: '/usr/lib/python3.9/site-packages/requests-2.25.1.dist-info/', base: 'METADATA' }]));
  db.close();
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.packages.map((p) => `${p.foundBy} ${p.name}@${p.version}`), ['rpm python3-requests@1.0-1.el9', 'python urllib3@1.26.5']);
  assert.equal(r.osOwned, 1);
  assert.equal(r.packages[0]!.ecosystem, 'Red Hat');
  assert.equal(r.packages[0]!.distroRelease, '9');
});
