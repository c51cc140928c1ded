import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { AirlockError } from '../../common/errors.ts';
import { requireTool, tempDir } from '../../../test/helpers/env.ts';
import { bufferReader } from '../targets/vfs.ts';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip-directory.ts';

interface Member {
  name: string | Buffer;
  data: Buffer | string;
  /** 0 stored, 8 deflated (default). */
  method?: number;
  flags?: number;
  /** A size the directory declares instead of the real one (a lying zip). */
  declaredSize?: number;
}

/** A zip as the specification lays it out: local headers and data, central directory, end record. */
function zip(members: Member[], options: { prefix?: Buffer; comment?: Buffer } = {}): Buffer {
  const prefix = options.prefix ?? Buffer.alloc(0);
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  // Offsets as a plain zip tool writes them: from the start of the zip, not of the file.
  let offset = 0;
  for (const m of members) {
    const name = Buffer.isBuffer(m.name) ? m.name : Buffer.from(m.name, 'utf8');
    const raw = Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data);
    const method = m.method ?? 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const flags = m.flags ?? (Buffer.isBuffer(m.name) ? 0 : 0x800);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.declaredSize ?? raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(m.declaredSize ?? raw.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(central);
  const comment = options.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([prefix, ...locals, dir, end, comment]);
}

const all = (): boolean => true;

async function names(buf: Buffer, select: (name: string) => boolean = all): Promise<string[]> {
  return (await readZipDirectory(bufferReader(buf), 'x.zip', 1000, all, select)).entries.map((e) => e.name);
}

async function read(buf: Buffer, name: string, limit = 1 << 20): Promise<string> {
  const file = bufferReader(buf);
  const entry = (await readZipDirectory(file, 'x.zip', 1000, all, (n) => n === name)).entries[0] as ZipEntry;
  return (await readZipEntry(file, entry, limit, 'x.zip')).toString('utf8');
}

test('zip directory: entries in order, stored and deflated, names decoded as UTF-8 or CP437', async () => {
  const z = zip([
    { name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\n' },
    { name: 'a/b/pom.properties', data: 'version=1.2\n', method: 0 },
    { name: 'lib/été.jar', data: 'x' },
    { name: Buffer.from([0x80, 0x2e, 0x6a, 0x61, 0x72]), data: 'y' }, // CP437 "Ç.jar"
    { name: 'dir\\win.jar', data: 'z' },
  ]);
  assert.deepEqual(await names(z), ['META-INF/MANIFEST.MF', 'a/b/pom.properties', 'lib/été.jar', 'Ç.jar', 'dir/win.jar']);
  assert.deepEqual(await names(z, (n) => n.endsWith('.jar')), ['lib/été.jar', 'Ç.jar', 'dir/win.jar']);
  assert.equal(await read(z, 'a/b/pom.properties'), 'version=1.2\n');
  assert.equal(await read(z, 'META-INF/MANIFEST.MF'), 'Manifest-Version: 1.0\n');
  const dir = await readZipDirectory(bufferReader(z), 'x.zip', 1000, () => false, all);
  assert.deepEqual(dir, { entryCount: 5, entries: [] }, 'names the cheap test turns down are never decoded');
});

test('zip directory: a long comment, and bytes before the archive (a launcher script)', async () => {
  const members = [{ name: 'p/pom.properties', data: 'groupId=g\n' }];
  assert.deepEqual(await names(zip(members, { comment: Buffer.alloc(20_000, 0x41) })), ['p/pom.properties']);
  const prefixed = zip(members, { prefix: Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n') });
  assert.equal(await read(prefixed, 'p/pom.properties'), 'groupId=g\n');
});

test('zip directory: lying sizes, encryption, too many entries and damage are clear errors', async () => {
  const big = 'A'.repeat(10_000);
  await assert.rejects(read(zip([{ name: 'x', data: big, declaredSize: 100 }]), 'x'), /x.zip: x expands beyond its declared 100 bytes \(zip bomb\?\)/);
  await assert.rejects(read(zip([{ name: 'x', data: big }]), 'x', 1000), /x.zip: x expands to 10000 bytes, over the limit of 1000/);
  await assert.rejects(read(zip([{ name: 'x', data: 'abc', declaredSize: 9 }]), 'x'), /x.zip: x: 3 bytes where the directory declares 9/);
  await assert.rejects(read(zip([{ name: 'x', data: 'abc', method: 0, declaredSize: 2 }]), 'x'), /size mismatch for stored file/);
  await assert.rejects(read(zip([{ name: 'x', data: 'abc', flags: 1 }]), 'x'), /x.zip: x: entry is encrypted/);
  await assert.rejects(read(zip([{ name: 'x', data: 'abc', method: 14 }]), 'x'), /compression method 14 is not supported/);
  const many = zip(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: '' })));
  await assert.rejects(readZipDirectory(bufferReader(many), 'm.zip', 10, all, all), /m.zip: more than 10 zip entries/);
  await assert.rejects(names(Buffer.from('not a zip at all, just text')), /x.zip: not a readable zip archive: End of central directory record signature not found/);
  const cut = zip([{ name: 'a', data: 'b' }]);
  cut.writeUInt32LE(0xdeadbeef, cut.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])));
  await assert.rejects(names(cut), /invalid central directory file header signature at entry 0/);
});

test('zip directory: random bytes and damaged archives give an AirlockError or a result, never a crash', async () => {
  const good = zip([
    { name: 'META-INF/MANIFEST.MF', data: 'Implementation-Version: 1\n' },
    { name: 'x/pom.properties', data: 'a=b\n', method: 0 },
    { name: 'lib/n.jar', data: zip([{ name: 'pom.properties', data: 'c=d' }]) },
  ]);
  const attempt = async (buf: Buffer): Promise<void> => {
    try {
      const file = bufferReader(buf);
      for (const e of (await readZipDirectory(file, 'f.zip', 1000, all, all)).entries) await readZipEntry(file, e, 1 << 20, 'f.zip');
    } catch (e) {
      assert.ok(e instanceof AirlockError, String(e));
    }
  };
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ at: fc.nat({ max: good.length - 1 }), byte: fc.nat({ max: 255 }) }), { maxLength: 16 }), async (edits) => {
      const damaged = Buffer.from(good);
      for (const e of edits) damaged[e.at] = e.byte;
      await attempt(damaged);
    }),
    { numRuns: 400 },
  );
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => attempt(Buffer.concat([Buffer.from(bytes), good.subarray(good.length - 22)]))));
});

test('zip directory: archives written by Info-ZIP zip, ZIP64 forced, and with a script before them', async (t) => {
  if (!requireTool(t, 'zip')) return;
  const dir = tempDir(t);
  mkdirSync(join(dir, 'src/META-INF/maven/g/a'), { recursive: true });
  writeFileSync(join(dir, 'src/META-INF/maven/g/a/pom.properties'), 'groupId=g\nartifactId=a\nversion=1.0\n');
  writeFileSync(join(dir, 'src/big.txt'), 'lorem ipsum '.repeat(50_000));
  const run = (args: string[]): void => {
    const r = spawnSync('zip', args, { cwd: join(dir, 'src'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  run(['-q', '-r', '../plain.zip', '.']);
  run(['-q', '-r', '-fz', '../zip64.zip', '.']);
  const expected = ['META-INF/', 'META-INF/maven/', 'META-INF/maven/g/', 'META-INF/maven/g/a/', 'META-INF/maven/g/a/pom.properties', 'big.txt'];
  for (const file of ['plain.zip', 'zip64.zip']) {
    const buf = readFileSync(join(dir, file));
    assert.deepEqual((await names(buf)).sort(), expected, file);
    assert.equal(await read(buf, 'META-INF/maven/g/a/pom.properties'), 'groupId=g\nartifactId=a\nversion=1.0\n', file);
    assert.equal((await read(buf, 'big.txt')).length, 600_000, file);
  }
  // An executable jar: a script, then the zip, its offsets not adjusted (zip -A would adjust them).
  const exec = Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0"\n'), readFileSync(join(dir, 'plain.zip'))]);
  assert.equal(await read(exec, 'META-INF/maven/g/a/pom.properties'), 'groupId=g\nartifactId=a\nversion=1.0\n');
});
