import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import tar from 'tar-stream';
import { requireTool, tempDir } from '../../test/helpers/env.ts';
import { TarFormatError, TarParser, type TarFile } from './tar-parser.ts';

type Item = { name: string; data: Buffer } | { name: string; type: 'directory' | 'symlink' };

/** A tar written by tar-stream, the independent writer: long names become pax headers. */
async function pack(items: Item[]): Promise<Buffer> {
  const p = tar.pack();
  for (const it of items) {
    if ('data' in it) p.entry({ name: it.name }, it.data);
    else if (it.type === 'directory') p.entry({ name: it.name, type: 'directory' });
    else p.entry({ name: it.name, type: 'symlink', linkname: '../elsewhere' });
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds `bytes` in pieces of the given sizes (cycling), then ends the stream. */
function readAll(bytes: Buffer, pieces: number[], keep: (name: string, size: number) => boolean = () => true): TarFile[] {
  const parser = new TarParser(keep);
  const out: TarFile[] = [];
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = Math.max(1, pieces[i % pieces.length] ?? bytes.length);
    for (const f of parser.push(bytes.subarray(off, off + n))) out.push(f);
    off += n;
  }
  parser.end();
  return out;
}

const segment = fc.stringMatching(/^[A-Za-z0-9._\u00e9\u4e2d-]{1,40}$/);
const fileName = fc.array(segment, { minLength: 1, maxLength: 8 }).map((s) => s.join('/'));

test('reads what tar-stream writes, in any chunking: names (long ones through pax), sizes, bytes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.record({ name: fileName, data: fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)) }) },
          { weight: 1, arbitrary: fc.record({ name: fileName.map((n) => `${n}/`), type: fc.constant('directory' as const) }) },
          { weight: 1, arbitrary: fc.record({ name: fileName, type: fc.constant('symlink' as const) }) },
        ),
        { maxLength: 12 },
      ),
      fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 5 }),
      async (items, pieces) => {
        const bytes = await pack(items);
        const files = readAll(bytes, pieces);
        const expected = items.flatMap((i) => ('data' in i ? [i] : []));
        assert.deepEqual(
          files.map((f) => [f.name, f.size, f.data?.toString('hex')]),
          expected.map((e) => [e.name, e.data.length, e.data.toString('hex')]),
        );
      },
    ),
    { numRuns: 150 },
  );
});

test('files not kept are skipped but still listed with their size', async () => {
  const bytes = await pack([
    { name: 'a.json', data: Buffer.from('{"id":"A"}') },
    { name: 'big.bin', data: Buffer.alloc(5000, 7) },
    { name: 'b.json', data: Buffer.from('{"id":"B"}') },
  ]);
  const files = readAll(bytes, [700], (name) => name.endsWith('.json'));
  assert.deepEqual(files.map((f) => [f.name, f.size, f.data?.toString()]), [['a.json', 10, '{"id":"A"}'], ['big.bin', 5000, undefined], ['b.json', 10, '{"id":"B"}']]);
});

test('reads GNU tar archives in gnu, pax and ustar formats, long names included', (t) => {
  if (!requireTool(t, 'tar')) return;
  const dir = tempDir(t);
  const deep = ['a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60)].join('/');
  mkdirSync(join(dir, 'src', deep), { recursive: true });
  writeFileSync(join(dir, 'src', deep, 'GHSA-long.json'), '{"id":"GHSA-long"}');
  writeFileSync(join(dir, 'src', 'short.json'), '{"id":"S"}');
  writeFileSync(join(dir, 'src', 'empty.json'), '');
  for (const format of ['gnu', 'pax', 'ustar']) {
    const out = join(dir, `${format}.tar`);
    const r = spawnSync('tar', ['--format', format, '--sort=name', '-cf', out, '-C', join(dir, 'src'), '.'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bytes = spawnSync('cat', [out]).stdout;
    const files = readAll(bytes, [4096]).map((f) => [f.name, f.data?.toString()]);
    assert.deepEqual(files, [
      [`./${deep}/GHSA-long.json`, '{"id":"GHSA-long"}'],
      ['./empty.json', ''],
      ['./short.json', '{"id":"S"}'],
    ], format);
  }
});

test('refuses a bad checksum, an unknown format, a truncated stream and an oversized pax header', async () => {
  const good = await pack([{ name: 'a.json', data: Buffer.from('{"id":"A"}') }]);
  const badSum = Buffer.from(good);
  badSum[0] = 0x7a;
  assert.throws(() => readAll(badSum, [512]), (e: unknown) => e instanceof TarFormatError && /checksum/.test(e.message));

  const v7 = Buffer.from(good);
  v7.fill(0, 257, 265); // no magic
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += v7[i] as number;
  v7.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  assert.throws(() => readAll(v7, [512]), /unknown format/);

  assert.throws(() => readAll(good.subarray(0, 600), [512]), /unexpected end of data/);
  assert.throws(() => readAll(good.subarray(0, 100), [512]), /unexpected end of data/);

  const huge = await pack([]);
  const header = Buffer.alloc(512);
  header.write('PaxHeaders/a', 0, 'latin1');
  header.write('0000644\0', 100, 'latin1');
  header.write(`${(2 * 1024 * 1024).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('x', 156, 'latin1');
  header.write('ustar\x0000', 257, 'latin1');
  let s = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) s += header[i] as number;
  header.write(`${s.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  assert.throws(() => readAll(Buffer.concat([header, huge]), [512]), /extended header of 2097152 bytes exceeds/);
});

test('zero blocks between entries are skipped, and a stream of only zero blocks holds nothing', async () => {
  const a = await pack([{ name: 'a.json', data: Buffer.from('1') }]);
  const b = await pack([{ name: 'b.json', data: Buffer.from('2') }]);
  assert.deepEqual(readAll(Buffer.concat([a, b]), [333]).map((f) => f.name), ['a.json', 'b.json']);
  assert.deepEqual(readAll(Buffer.alloc(10240), [1000]), []);
});
