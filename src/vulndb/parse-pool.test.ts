import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { BatchBuilder, EntryStatus, parseBatch, SHAPE_STRIDE, type EntryBatch, type ParsedBatch } from './parse-batch.ts';
import { ParsePool } from './parse-pool.ts';
import { osvParserSource } from '../../scripts/worker-sources.mjs';

const record = (id: string, ecosystems: string[] = ['PyPI']): string =>
  JSON.stringify({
    id,
    modified: '2024-01-01T00:00:00Z',
    aliases: [`CVE-2024-${id.replace(/\D/g, '').padStart(4, '0')}`, id],
    affected: ecosystems.map((ecosystem) => ({ package: { ecosystem, name: 'Demo_Pkg' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] })),
  });

/** A batch of every kind of entry: plain, deflated, YAML, skipped, bad in several ways, corrupt. */
function mixedBatch(seq: number, prefix: string): EntryBatch {
  const b = new BatchBuilder();
  const plain = (name: string, text: string): void => b.add({ kind: 'file', name, data: Buffer.from(text) });
  plain(`${prefix}/A-1.json`, record(`${prefix}-1`, ['Debian:12', 'Debian:11', 'PyPI']));
  const z = Buffer.from(record(`${prefix}-2`));
  b.add({ kind: 'deflated', name: `${prefix}.zip!B-2.json`, data: deflateRawSync(z), size: z.length, label: `/src/${prefix}.zip!B-2.json` });
  plain(`${prefix}/C-3.yaml`, `id: ${prefix}-3\naffected:\n  - package: {ecosystem: npm, name: x}\n`);
  b.add({ kind: 'skipped', name: `${prefix}/huge.json`, reason: 'entry of 99 bytes exceeds the limit of 10' });
  plain(`${prefix}/dup.json`, `{"id": "${prefix}-D", "id": "again"}`);
  plain(`${prefix}/range.json`, JSON.stringify({ id: `${prefix}-R`, affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1' }] }] }] }));
  plain(`${prefix}/garbage.json`, '\u0000\u0001 not json');
  return b.take(seq);
}

interface Entry {
  status: number;
  values: (string | null)[];
}

/** The parsed batch, entry by entry. */
function entries(r: ParsedBatch): Entry[] {
  const out: Entry[] = [];
  let v = 0;
  for (let i = 0; i < r.shape.length / SHAPE_STRIDE; i++) {
    const [status, aliases, affected, bases] = r.shape.subarray(i * SHAPE_STRIDE, (i + 1) * SHAPE_STRIDE) as unknown as number[];
    const n = status === EntryStatus.Record ? 10 + (aliases as number) + 6 * (affected as number) + (bases as number) : status === EntryStatus.Bad ? 2 : 1;
    out.push({ status: status as number, values: r.values.slice(v, v + n) });
    v += n;
  }
  assert.equal(v, r.values.length);
  return out;
}

test('a batch: records become SQL values, bad records their id and error, skipped ones their reason', () => {
  const r = entries(parseBatch(mixedBatch(7, 'X')));
  assert.deepEqual(r.map((e) => e.status), [0, 0, 0, 1, 1, 1, 1]);
  const first = r[0] as Entry;
  assert.equal(first.values[0], 'X-1');
  assert.equal(first.values[4], '["CVE-2024-0001"]'); // the record's own id is not an alias of itself
  assert.deepEqual(first.values.slice(11, 17), ['Debian', '12', 'Demo_Pkg', 'Debian:12', 'Demo_Pkg', first.values[16]]);
  assert.deepEqual(first.values.slice(-2), ['Debian', 'PyPI']); // base ecosystems, each once
  assert.equal(r[1]?.values[0], 'X-2'); // inflated in the parser
  assert.equal(r[2]?.values[0], 'X-3');
  assert.deepEqual(r[3]?.values, [null, 'X/huge.json: entry of 99 bytes exceeds the limit of 10']);
  assert.equal(r[4]?.values[0], null);
  assert.match(r[4]?.values[1] ?? '', /X\/dup\.json: invalid JSON: duplicate key "id"/);
  assert.equal(r[5]?.values[0], 'X-R');
  assert.match(r[5]?.values[1] ?? '', /exactly one of/);
  assert.match(r[6]?.values[1] ?? '', /X\/garbage\.json: invalid JSON/);
});

test('a zip entry that does not inflate to its declared size is fatal, named by its archive label', () => {
  const b = new BatchBuilder();
  const text = Buffer.from(record('L-1'));
  b.add({ kind: 'deflated', name: 'L-1.json', data: deflateRawSync(text), size: 10, label: '/src/liar.zip!L-1.json' });
  b.add({ kind: 'deflated', name: 'junk.json', data: Buffer.from('not deflate'), size: 10, label: '/src/liar.zip!junk.json' });
  const r = entries(parseBatch(b.take(1)));
  assert.deepEqual(r.map((e) => e.status), [EntryStatus.Fatal, EntryStatus.Fatal]);
  assert.match(r[0]?.values[0] ?? '', /^\/src\/liar\.zip!L-1\.json: corrupt zip entry/);
  assert.match(r[1]?.values[0] ?? '', /^\/src\/liar\.zip!junk\.json: corrupt zip entry/);
});

async function poolAgreesInline(t: { after: (fn: () => Promise<void>) => void }, pool: ParsePool): Promise<void> {
  t.after(() => pool.close());
  const batches = Array.from({ length: 12 }, (_, i) => mixedBatch(i, `P${i}`));
  const expected = batches.map((b) => entries(parseBatch({ ...b, bytes: b.bytes.slice() })));
  // All at once: the threads answer in any order; each answer carries its batch's seq.
  const results = await Promise.all(batches.map((b) => pool.parse(b)));
  assert.deepEqual(results.map((r) => r.seq), batches.map((_, i) => i));
  assert.deepEqual(results.map(entries), expected);
  assert.equal(batches[0]?.bytes.byteLength, 0, 'the batch bytes were transferred, not copied');
}

test('parser threads (from the sources) give what parsing inline gives, bad records included', async (t) => {
  await poolAgreesInline(t, new ParsePool(2));
});

test('parser threads from the bundled source, as the single-file build runs them', async (t) => {
  await poolAgreesInline(t, new ParsePool(2, await osvParserSource()));
});

test('a parser thread that fails rejects its batch and every later one, and the pool still closes', async (t) => {
  const pool = new ParsePool(1);
  t.after(() => pool.close());
  const good = await pool.parse(mixedBatch(1, 'G'));
  assert.equal(entries(good).length, 7);
  // Not a batch: the thread's parser throws outside any record, which ends the thread.
  const broken = { seq: 2, bytes: new Uint8Array(4), ends: new Uint32Array([4]), sizes: new Int32Array([-1]), names: null, notes: [] } as unknown as EntryBatch;
  await assert.rejects(pool.parse(broken), /OSV parser thread failed/);
  await assert.rejects(pool.parse(mixedBatch(3, 'H')), /OSV parser thread failed/);
});
