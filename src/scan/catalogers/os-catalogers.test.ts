import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { AirlockError } from '../../common/errors.ts';
import { requireTool, sharedData, tempDir } from '../../../test/helpers/env.ts';
import { catalog } from '../catalog.ts';
import { parseApkInstalled } from './apk.ts';
import { parseDpkgList } from './ownership.ts';
import { parseControlParagraphs, parseDpkgStatus } from './dpkg.ts';
import { parseRpmHeader, splitSourceRpm } from './rpm-header.ts';
import { readRpmSqlite } from './rpm.ts';

const tsvRows = (path: string): string[][] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .slice(1)
    .map((l) => l.split('\t'));

test('dpkg: a real Debian 12 status file matches dpkg-query, including source packages', async (t) => {
  const root = sharedData(t, 'vuln', 'fixtures', 'local-debian12');
  if (!root) return;
  const expected = tsvRows(join(root, 'expected.dpkg-query.tsv')).map(([name, version, , src, srcVersion]) => `${name} ${version} ${src} ${srcVersion}`);
  const r = await catalog(`rootfs:${root}`);
  const got = r.packages.filter((p) => p.foundBy === 'dpkg').map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion}`);
  assert.equal(got.length, 745);
  assert.deepEqual(got.sort(), expected.sort());
  const openssl = r.packages.find((p) => p.name === 'libssl3');
  assert.ok(openssl);
  assert.equal(openssl.sourceName, 'openssl');
  assert.match(openssl.purl, /^pkg:deb\/debian\/libssl3@[^?]+\?arch=amd64&upstream=openssl$/);
});

test('dpkg: distroless status.d files are cataloged, .md5sums and maintainer scripts are not', async (t) => {
  const root = sharedData(t, 'vuln', 'fixtures', 'syft', 'cataloger', 'debian', 'testdata', 'image-distroless-deb');
  if (!root) return;
  const r = await catalog(`rootfs:${root}`);
  const dpkg = r.packages.filter((p) => p.foundBy === 'dpkg');
  assert.deepEqual(
    dpkg.map((p) => [p.name, p.version, p.sourceName, p.locations[0]]),
    [['libsqlite3-0', '3.34.1-3', 'sqlite3', 'var/lib/dpkg/status.d/libsqlite3-0']],
  );
});

test('dpkg: removed packages are left out, Source with a version is split, epochs go to the purl qualifier', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'var/lib/dpkg'), { recursive: true });
  mkdirSync(join(dir, 'usr/lib'), { recursive: true });
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/os-release'), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
  // /etc/os-release is an absolute symlink that must resolve inside the scanned tree
  const { symlinkSync } = await import('node:fs');
  symlinkSync('/usr/lib/os-release', join(dir, 'etc/os-release'));
  writeFileSync(
    join(dir, 'var/lib/dpkg/status'),
    [
      'Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nSource: foo (1:2.0-1)\nVersion: 1:2.0-1+b1\nDescription: x\n long text\n',
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n',
      'Package: never\nStatus: purge ok not-installed\nVersion: 1.0\n',
    ].join('\n'),
  );
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.os, { id: 'debian', versionId: '12', versionCodename: 'bookworm' });
  assert.equal(r.packages.length, 1);
  const p = r.packages[0]!;
  assert.equal(p.version, '1:2.0-1+b1');
  assert.equal(p.sourceName, 'foo');
  assert.equal(p.sourceVersion, '1:2.0-1');
  assert.equal(p.distroRelease, '12');
  assert.equal(p.purl, 'pkg:deb/debian/libfoo1@2.0-1%2Bb1?arch=amd64&distro=debian-12&epoch=1&upstream=foo%401%3A2.0-1');
});

test('dpkg: a malformed Status names the file and the package', () => {
  assert.throws(() => parseDpkgStatus('Package: x\nVersion: 1\nStatus: broken\n', 'var/lib/dpkg/status'), /var\/lib\/dpkg\/status: package x: malformed Status/);
});

test('dpkg: the paragraph parser never throws and keeps every field of generated paragraphs', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      parseControlParagraphs(s);
    }),
  );
  const field = fc.stringMatching(/^[A-Z][A-Za-z-]{0,10}$/);
  const value = fc.stringMatching(/^[a-z0-9.+~:-]{1,20}$/);
  fc.assert(
    fc.property(fc.array(fc.dictionary(field, value, { minKeys: 1, maxKeys: 5 }), { maxLength: 5 }), (paras) => {
      const text = paras.map((p) => Object.entries(p).map(([k, v]) => `${k}: ${v}`).join('\n')).join('\n\n');
      assert.deepEqual(parseControlParagraphs(text).map((p) => ({ ...p })), paras.map((p) => ({ ...p })));
    }),
  );
});

test('apk: a real Alpine 3.21 installed database', (t) => {
  const file = sharedData(t, 'vuln', 'fixtures', 'apk-tools', 'query-installed.data');
  if (!file) return;
  const text = readFileSync(file, 'utf8');
  const entries = parseApkInstalled(text);
  assert.equal(entries.length, (text.match(/^P:/gm) ?? []).length);
  assert.equal(entries.length, 39);
  assert.deepEqual(entries[0], { name: 'alpine-base', version: '3.21.3-r0', arch: 'x86_64', origin: 'alpine-base', license: 'MIT' });
  assert.ok(entries.every((e) => e.origin !== undefined));
});

test('apk: cataloged with the Alpine release key and origin as source', async (t) => {
  const file = sharedData(t, 'vuln', 'fixtures', 'apk-tools', 'query-installed.data');
  if (!file) return;
  const dir = tempDir(t);
  mkdirSync(join(dir, 'lib/apk/db'), { recursive: true });
  mkdirSync(join(dir, 'etc'));
  copyFileSync(file, join(dir, 'lib/apk/db/installed'));
  writeFileSync(join(dir, 'etc/os-release'), 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.21.3\n');
  const r = await catalog(`rootfs:${dir}`);
  assert.equal(r.packages.length, 39);
  const musl = r.packages.find((p) => p.name === 'musl');
  assert.ok(musl);
  assert.equal(musl.ecosystem, 'Alpine');
  assert.equal(musl.distroRelease, 'v3.21');
  assert.match(musl.purl, /^pkg:apk\/alpine\/musl@[^?]+\?arch=x86_64&distro=alpine-3\.21\.3$/);
});

test('rpm: a real SQLite rpmdb matches rpm -qa; Berkeley DB and NDB are reported as unsupported by name', async (t) => {
  const base = sharedData(t, 'vuln', 'fixtures', 'go-rpmdb');
  if (!base) return;
  const dir = tempDir(t);
  mkdirSync(join(dir, 'var/lib/rpm'), { recursive: true });
  mkdirSync(join(dir, 'usr/lib/sysimage/rpm'), { recursive: true });
  mkdirSync(join(dir, 'etc'));
  copyFileSync(join(base, 'cbl-mariner-2.0/rpmdb.sqlite'), join(dir, 'var/lib/rpm/rpmdb.sqlite'));
  copyFileSync(join(base, 'libuuid/Packages'), join(dir, 'var/lib/rpm/Packages'));
  copyFileSync(join(base, 'sle15-bci/Packages.db'), join(dir, 'usr/lib/sysimage/rpm/Packages.db'));
  writeFileSync(join(dir, 'etc/os-release'), 'ID="mariner"\nVERSION_ID="2.0"\n');
  const r = await catalog(`rootfs:${dir}`);
  const expected = tsvRows(join(base, 'cbl-mariner-2.0/expected.rpm-qa.tsv'))
    .filter(([name]) => name !== 'gpg-pubkey')
    .map(([name, epoch, version, release, , sourcerpm]) => `${name} ${epoch === '(none)' ? '' : `${epoch}:`}${version}-${release} ${splitSourceRpm(sourcerpm!)?.name}`);
  const got = r.packages.map((p) => `${p.name} ${p.version} ${p.sourceName}`);
  assert.deepEqual(got.sort(), expected.sort());
  assert.ok(r.warnings.some((w) => w.includes('var/lib/rpm/Packages: Berkeley DB rpm databases are not supported')));
  assert.ok(r.warnings.some((w) => w.includes('usr/lib/sysimage/rpm/Packages.db: NDB rpm databases are not supported')));
  const ca = r.packages.find((p) => p.name === 'ca-certificates-base');
  assert.equal(ca?.purl, 'pkg:rpm/mariner/ca-certificates-base@2.0.0-1.cm2?arch=noarch&distro=mariner-2.0&epoch=1&upstream=ca-certificates');
  assert.equal(ca?.sourceVersion, '1:2.0.0-1.cm2');
});

test('rpm: hostile headers give a clear error, never a crash', () => {
  const header = (il: number, dl: number, entries: number[][], data: Buffer): Buffer => {
    const b = Buffer.alloc(8 + entries.length * 16);
    b.writeUInt32BE(il, 0);
    b.writeUInt32BE(dl, 4);
    entries.forEach((e, i) => e.forEach((v, j) => b.writeInt32BE(v, 8 + i * 16 + j * 4)));
    return Buffer.concat([b, data]);
  };
  assert.throws(() => parseRpmHeader(header(5_000_000, 0, [], Buffer.alloc(0)), 'db'), /db: malformed rpm header: 5000000 index entries/);
  assert.throws(() => parseRpmHeader(header(1, 1000, [[1000, 6, 0, 1]], Buffer.from('x\0')), 'db'), /exceed the blob/);
  assert.throws(() => parseRpmHeader(header(1, 2, [[1000, 6, 99, 1]], Buffer.from('x\0')), 'db'), /offset 99 outside/);
  assert.throws(() => parseRpmHeader(header(1, 2, [[1000, 6, 0, 1]], Buffer.from('xy')), 'db'), /not terminated/);
  const ok = header(3, 6, [[1000, 6, 0, 1], [1001, 6, 2, 1], [1002, 6, 4, 1]], Buffer.from('a\0b\0c\0'));
  assert.deepEqual(parseRpmHeader(ok, 'db'), { name: 'a', version: 'b', release: 'c' });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        parseRpmHeader(bytes, 'db');
      } catch (e) {
        assert.ok(e instanceof AirlockError);
      }
    }),
  );
});

test('rpm: file lists from the SQLite rpmdb (used for OS ownership) match rpm -qal exactly', async (t) => {
  const base = sharedData(t, 'vuln', 'fixtures', 'go-rpmdb', 'cbl-mariner-2.0');
  if (!base || !requireTool(t, 'rpm')) return;
  const dir = tempDir(t);
  copyFileSync(join(base, 'rpmdb.sqlite'), join(dir, 'rpmdb.sqlite'));
  const q = spawnSync('rpm', ['--dbpath', dir, '--define', '_db_backend sqlite', '-qal'], { encoding: 'utf8' });
  assert.equal(q.status, 0, q.stderr);
  const theirs = q.stdout.split('\n').filter((l) => l !== '' && l !== '(contains no files)').sort();
  const mine = readRpmSqlite(readFileSync(join(base, 'rpmdb.sqlite')), 'rpmdb.sqlite', true).flatMap((h) => h.files ?? []).sort();
  assert.equal(mine.length, 7269);
  assert.deepEqual(mine, theirs);
});

test('dpkg .list files: paths without leading slashes, blank lines and "/." left out, for any text', () => {
  assert.deepEqual(parseDpkgList('/.\n/usr\n/usr/bin/tool\r\n\n  /etc/x y \n//opt/z\n'), ['usr', 'usr/bin/tool', 'etc/x y', 'opt/z']);
  // The plain definition: trim each line, drop leading slashes, keep what is not empty or ".".
  const reference = (text: string): string[] =>
    text
      .split('\n')
      .map((l) => l.trim().replace(/^\/+/, ''))
      .filter((l) => l !== '' && l !== '.');
  const piece = fc.constantFrom('/', '.', ' ', '\t', '\r', '\n', '\u00a0', '\u2028', 'a', 'é', 'usr/', '//');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
      const text = pieces.join('');
      assert.deepEqual(parseDpkgList(text), reference(text));
    }),
    { numRuns: 2000 },
  );
});
