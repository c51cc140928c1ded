import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { sharedData, tempDir } from '../../test/helpers/env.ts';
import { buildVulnDb } from './build.ts';
import { VulnDb } from './db.ts';
import { makeTarGz, makeZip } from './test-archives.ts';

const record = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id,
    modified: '2024-01-01T00:00:00Z',
    aliases: [`CVE-2024-${id.replace(/\D/g, '').padStart(4, '0')}`],
    affected: [{ package: { ecosystem: 'PyPI', name: 'Demo_Pkg' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] }],
    ...extra,
  });

test('builds from a directory, a .zip and a .tar.gz; lookups, aliases, info', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'osv');
  mkdirSync(join(src, 'nested'), { recursive: true });
  writeFileSync(join(src, 'A-1.json'), record('A-1'));
  writeFileSync(join(src, 'nested', 'A-2.yaml'), `id: A-2\nmodified: "2024-01-01T00:00:00Z"\naffected:\n  - package: {ecosystem: "Debian:12", name: openssl}\n    ranges: [{type: ECOSYSTEM, events: [{introduced: "0"}, {fixed: "3.0.11-1~deb12u2"}]}]\n`);
  writeFileSync(join(src, 'ignored.txt'), 'not a record');
  const zip = join(dir, 'z.zip');
  writeFileSync(zip, makeZip([{ name: 'Z-1.json', data: record('Z-1') }, { name: 'dir/', data: '' }]));
  const tgz = join(dir, 't.tar.gz');
  writeFileSync(tgz, await makeTarGz([{ name: 'T-1.json', data: record('T-1', { withdrawn: '2024-02-01T00:00:00Z' }) }]));
  const out = join(dir, 'vuln.db');
  const report = await buildVulnDb({ osv: [src, zip, tgz], output: out, now: new Date('2026-01-02T03:04:05Z') });
  assert.equal(report.advisories, 4);
  assert.equal(report.withdrawn, 1);
  assert.equal(report.badCount, 0);
  assert.deepEqual(report.sources.map((s) => [s.records, s.ecosystems]), [[2, { PyPI: 1, Debian: 1 }], [1, { PyPI: 1 }], [1, { PyPI: 1 }]]);

  const db = VulnDb.open(out);
  t.after(() => db.close());
  // PEP 503 name normalization: Demo_Pkg, demo-pkg and DEMO.pkg are one package.
  assert.deepEqual(db.lookup('PyPI', 'demo.PKG').map((a) => a.id), ['A-1', 'T-1', 'Z-1']);
  assert.deepEqual(db.lookup('PyPI', 'demo-pkg')[0]?.aliases, ['CVE-2024-0001']);
  assert.deepEqual(db.idsAliasing('CVE-2024-0001'), ['A-1', 'T-1', 'Z-1']);
  assert.deepEqual(db.idsAliasing('CVE-1999-0001'), []);
  assert.equal(db.lookup('PyPI', 'demo-pkg')[1]?.withdrawn, '2024-02-01T00:00:00Z');
  assert.deepEqual(db.lookup('Debian:12', 'openssl').map((a) => a.id), ['A-2']);
  assert.deepEqual(db.lookup('Debian:11', 'openssl'), []);
  assert.equal(db.get('A-2')?.affected[0]?.ranges[0]?.events[1] && 'fixed' in (db.get('A-2')?.affected[0]?.ranges[0]?.events[1] ?? {}), true);
  const info = db.info();
  assert.equal(info.schemaVersion, 1);
  assert.equal(info.builtAt, '2026-01-02T03:04:05.000Z');
  assert.deepEqual(info.ecosystems, { Debian: 1, PyPI: 3 });
  assert.equal(info.advisories, 4);
});

test('bad records are counted and listed by id; the build goes on', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(join(src, 'good.json'), record('G-1'));
  writeFileSync(join(src, 'dup-keys.json'), '{"id": "D-1", "id": "D-2"}');
  writeFileSync(join(src, 'broken.json'), '{"id": "B-1", ');
  writeFileSync(join(src, 'bad-range.json'), JSON.stringify({ id: 'R-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1' }] }] }] }));
  writeFileSync(join(src, 'deep.json'), `${'['.repeat(200)}${']'.repeat(200)}`);
  writeFileSync(join(src, 'bad-id.json'), JSON.stringify({ id: '../../etc/passwd' }));
  const levels = Array.from({ length: 9 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
  writeFileSync(join(src, 'bomb.yaml'), `id: Y-1\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n${levels.join('\n')}\n`);
  const out = join(dir, 'vuln.db');
  const report = await buildVulnDb({ osv: [src], output: out });
  assert.equal(report.advisories, 1);
  assert.deepEqual(report.bad.map((b) => b.entry).sort(), ['bad-id.json', 'bad-range.json', 'bomb.yaml', 'broken.json', 'deep.json', 'dup-keys.json']);
  assert.equal(report.badCount, 6);
  const byEntry = Object.fromEntries(report.bad.map((b) => [b.entry, b]));
  assert.match(byEntry['dup-keys.json']?.error ?? '', /duplicate/i);
  assert.match(byEntry['broken.json']?.error ?? '', /broken\.json/);
  assert.equal(byEntry['bad-range.json']?.id, 'R-1');
  assert.match(byEntry['bad-range.json']?.error ?? '', /exactly one of/);
  assert.match(byEntry['deep.json']?.error ?? '', /nesting deeper/);
  assert.match(byEntry['bad-id.json']?.error ?? '', /characters outside/);
  assert.match(byEntry['bomb.yaml']?.error ?? '', /alias|YAML/i);
  assert.equal(VulnDb.open(out).info().bad, 6);
});

test('oversized entries are skipped as bad, symlinks are not followed, entry names are only labels', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(join(src, 'big.json'), record('BIG-1', { summary: 'x'.repeat(5000) }));
  writeFileSync(join(dir, 'outside.json'), record('OUT-1'));
  symlinkSync(join(dir, 'outside.json'), join(src, 'link.json'));
  symlinkSync(dir, join(src, 'loop'));
  writeFileSync(join(src, 'archive.zip'), makeZip([{ name: '../../escape.json', data: record('ZIP-1') }, { name: 'huge.json', data: record('HUGE-1', { summary: 'y'.repeat(5000) }) }]));
  const out = join(dir, 'vuln.db');
  const report = await buildVulnDb({ osv: [src], output: out, limits: { maxEntryBytes: 4096, maxArchiveBytes: 1 << 20 } });
  const db = VulnDb.open(out);
  t.after(() => db.close());
  assert.deepEqual(db.lookup('PyPI', 'demo-pkg').map((a) => a.id), ['ZIP-1']);
  assert.deepEqual(report.bad.map((b) => b.entry).sort(), ['archive.zip!huge.json', 'big.json']);
  assert.ok(report.bad.every((b) => /exceeds the limit/.test(b.error)));
  assert.equal(existsSync(join(dir, '..', 'escape.json')), false);
});

test('an archive that inflates beyond its limit stops the build and leaves no file at the output', async (t) => {
  const dir = tempDir(t);
  const bomb = join(dir, 'bomb.tar.gz');
  // Ten 64 KiB records of zeros compress to almost nothing.
  writeFileSync(bomb, await makeTarGz(Array.from({ length: 10 }, (_, i) => ({ name: `r${i}.json`, data: Buffer.alloc(65536, 0x20) }))));
  const out = join(dir, 'vuln.db');
  await assert.rejects(buildVulnDb({ osv: [bomb], output: out, limits: { maxEntryBytes: 1 << 20, maxArchiveBytes: 200_000 } }), /inflates beyond the limit/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir), ['bomb.tar.gz']);
});

test('corrupt archives fail with a message naming the file; an existing DB is left untouched', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'vuln.db');
  const good = join(dir, 'good.zip');
  writeFileSync(good, makeZip([{ name: 'A-1.json', data: record('A-1') }]));
  await buildVulnDb({ osv: [good], output: out });
  const bad = join(dir, 'bad.zip');
  writeFileSync(bad, Buffer.from('PK\u0003\u0004 this is not really a zip'));
  await assert.rejects(buildVulnDb({ osv: [bad], output: out }), /bad\.zip: not a readable zip archive/);
  const badGz = join(dir, 'bad.tar.gz');
  writeFileSync(badGz, gzipSync(Buffer.from('x')).subarray(0, 8));
  await assert.rejects(buildVulnDb({ osv: [badGz], output: out }), /bad\.tar\.gz: corrupt/);
  await assert.rejects(buildVulnDb({ osv: [join(dir, 'missing')], output: out }), /missing: open source: no such file/);
  const db = VulnDb.open(out);
  assert.deepEqual(db.lookup('PyPI', 'demo-pkg').map((a) => a.id), ['A-1']);
  db.close();
  assert.deepEqual(readdirSync(dir).sort(), ['bad.tar.gz', 'bad.zip', 'good.zip', 'vuln.db']);
});

test('a zip entry that inflates to more than its directory says is refused', async (t) => {
  const dir = tempDir(t);
  const zip = makeZip([{ name: 'A-1.json', data: record('A-1', { summary: 'z'.repeat(3000) }) }]);
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(100, central + 24); // claims 100 bytes uncompressed
  const path = join(dir, 'liar.zip');
  writeFileSync(path, zip);
  const out = join(dir, 'vuln.db');
  await assert.rejects(buildVulnDb({ osv: [path], output: out }), /liar\.zip!A-1\.json: (corrupt zip entry|entry size does not match)/);
  assert.equal(existsSync(out), false);
});

test('a duplicate id keeps the newer record', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'old.zip'), makeZip([{ name: 'A-1.json', data: record('A-1', { summary: 'old' }) }]));
  writeFileSync(join(dir, 'new.zip'), makeZip([{ name: 'A-1.json', data: record('A-1', { summary: 'new', modified: '2025-01-01T00:00:00Z' }) }]));
  const out = join(dir, 'vuln.db');
  const report = await buildVulnDb({ osv: [join(dir, 'new.zip'), join(dir, 'old.zip')], output: out });
  assert.equal(report.duplicates, 1);
  const db = VulnDb.open(out);
  t.after(() => db.close());
  assert.equal(db.get('A-1')?.summary, 'new');
  assert.equal(db.lookup('PyPI', 'demo-pkg').length, 1);
});

test('NVD CVE JSON 2.0 vectors are imported for CVSS fallback', async (t) => {
  const nvd = sharedData(t, 'vuln', 'distro-feeds', 'vunnel-fixtures', 'nvd', 'test-fixtures', 'single-entry.json');
  if (!nvd) return;
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.json'), record('A-1'));
  const out = join(dir, 'vuln.db');
  const report = await buildVulnDb({ osv: [join(dir, 'a.json')], nvd: [nvd], output: out });
  assert.equal(report.nvdCves, 1);
  const db = VulnDb.open(out);
  t.after(() => db.close());
  assert.deepEqual(db.nvdVectors('CVE-2022-1576'), [
    { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N' },
    { type: 'CVSS_V2', score: 'AV:N/AC:M/Au:N/C:N/I:P/A:N' },
  ]);
  assert.deepEqual(db.nvdVectors('CVE-1999-0001'), []);
});

test('opening something that is not a vuln.db fails clearly', (t) => {
  const dir = tempDir(t);
  const p = join(dir, 'x.db');
  writeFileSync(p, 'hello');
  assert.throws(() => VulnDb.open(p), /x\.db: not an airlock vulnerability DB/);
  assert.throws(() => VulnDb.open(join(dir, 'none.db')), /none\.db/);
});

/** Every table of a built DB, as rows (build time aside), to compare two builds. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of ['advisory', 'alias', 'affected', 'nvd_cvss', 'bad_record']) out[table] = db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
    out.meta = db.prepare("SELECT * FROM meta WHERE key <> 'sources' ORDER BY key").all();
    return out;
  } finally {
    db.close();
  }
}

test('parser threads: bad records are counted and listed by id, never fatal, and the DB is the one an inline parse builds', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'osv');
  mkdirSync(src);
  const entries: { name: string; data: string }[] = [];
  for (let i = 0; i < 60; i++) {
    const id = `T-${i}`;
    if (i % 7 === 3) entries.push({ name: `${id}.json`, data: JSON.stringify({ id, affected: 'nope' }) });
    else if (i % 11 === 5) entries.push({ name: `${id}.json`, data: `{"id": "${id}", "id": "twice"}` });
    else if (i % 13 === 6) entries.push({ name: `${id}.yaml`, data: `id: ${id}\nsummary: [unclosed\n` });
    else entries.push({ name: `${id}.json`, data: record(id, { summary: `s${i}` }) });
  }
  // The same ids again, later in the stream: equal `modified` keeps the first, newer replaces it.
  entries.push({ name: 'again-1.json', data: record('T-1', { summary: 'second, same modified' }) });
  entries.push({ name: 'again-2.json', data: record('T-2', { summary: 'newer', modified: '2025-01-01T00:00:00Z' }) });
  writeFileSync(join(src, 'a.zip'), makeZip(entries));
  writeFileSync(join(src, 'b.tar.gz'), await makeTarGz(entries.slice(0, 30).map((e) => ({ ...e, name: `tgz/${e.name}` }))));
  const now = new Date('2026-01-02T03:04:05Z');
  const threaded = await buildVulnDb({ osv: [src], output: join(dir, 'threads.db'), parserThreads: 2, batchSize: 4, now });
  const inline = await buildVulnDb({ osv: [src], output: join(dir, 'inline.db'), parserThreads: 0, now });
  const strip = (r: typeof threaded) => ({ ...r, output: '', durationMs: 0 });
  assert.deepEqual(strip(threaded), strip(inline));
  assert.equal(threaded.badCount, threaded.bad.length);
  const byEntry = Object.fromEntries(threaded.bad.map((b) => [b.entry, b]));
  assert.equal(byEntry['a.zip!T-3.json']?.id, 'T-3');
  assert.match(byEntry['a.zip!T-3.json']?.error ?? '', /affected is not an array/);
  assert.match(byEntry['a.zip!T-5.json']?.error ?? '', /duplicate key "id"/);
  assert.match(byEntry['b.tar.gz!tgz/T-6.yaml']?.error ?? '', /invalid YAML/);
  // Duplicates: the two later copies, and every good record of the .tar.gz (a copy of the zip's first 30 entries).
  assert.equal(threaded.duplicates, 2 + 30 - threaded.bad.filter((b) => b.entry.startsWith('b.tar.gz!')).length);
  assert.deepEqual(dump(join(dir, 'threads.db')), dump(join(dir, 'inline.db')));
  const db = VulnDb.open(join(dir, 'threads.db'));
  t.after(() => db.close());
  assert.equal(db.get('T-1')?.summary, 's1');
  assert.equal(db.get('T-2')?.summary, 'newer');
  assert.equal(db.info().bad, threaded.badCount);
});

test('a zip of many small records (more than 65,535 entries: zip64) through the parser threads', async (t) => {
  const dir = tempDir(t);
  const count = 66_000;
  const zip = join(dir, 'all.zip');
  const ecosystems = ['Go', 'npm', 'Debian:12'];
  writeFileSync(
    zip,
    makeZip(Array.from({ length: count }, (_, i) => ({
      name: `M-${i}.json`,
      data: i === 4242 ? '{"id": "M-4242", "affected": {}}' : `{"id":"M-${i}","affected":[{"package":{"ecosystem":"${ecosystems[i % 3]}","name":"p${i % 100}"},"versions":["1.${i}"]}]}`,
    })), { store: true }),
  );
  const out = join(dir, 'vuln.db');
  const report = await buildVulnDb({ osv: [zip], output: out, parserThreads: 2 });
  assert.equal(report.advisories, count - 1);
  assert.deepEqual(report.bad.map((b) => [b.entry, b.id]), [['M-4242.json', 'M-4242']]);
  assert.deepEqual(report.sources[0]?.ecosystems, { Go: 21999, npm: 22000, Debian: 22000 });
  const db = VulnDb.open(out);
  t.after(() => db.close());
  assert.equal(db.lookup('Go', 'p0').length, Math.ceil(count / 300));
  assert.deepEqual(db.get('M-65999')?.affected[0]?.versions, ['1.65999']);
});

test('a corrupt zip entry met by a parser thread stops the build; nothing is left at the output', async (t) => {
  const dir = tempDir(t);
  const zip = makeZip(Array.from({ length: 40 }, (_, i) => ({ name: `C-${i}.json`, data: record(`C-${i}`, { summary: 'w'.repeat(200 + i) }) })));
  // Entry 30 claims fewer bytes in the central directory than it inflates to.
  let at = -1;
  for (let i = 0; i <= 30; i++) at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 1);
  zip.writeUInt32LE(50, at + 24);
  const path = join(dir, 'liar.zip');
  writeFileSync(path, zip);
  const out = join(dir, 'vuln.db');
  await assert.rejects(buildVulnDb({ osv: [path], output: out, parserThreads: 2, batchSize: 4 }), /liar\.zip!C-30\.json: (corrupt zip entry|entry size does not match)/);
  assert.deepEqual(readdirSync(dir), ['liar.zip']);
});
