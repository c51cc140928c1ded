/**
 * The line splitter and the JSON-lines reader: property tests against a plain
 * split-on-newline reference for any content cut into any chunks, line numbers and
 * offsets, long lines skipped without being held, bad lines reported without stopping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { tempDir } from '../../../test/helpers/env.ts';
import { LineSplitter, type SplitLine } from './line-splitter.ts';
import { readJsonLines, readJsonLinesFile, type JsonLine } from './json-lines.ts';

/** Cuts bytes at the given points (sorted, deduplicated, within range). */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

function splitAll(chunks: Buffer[], max: number): SplitLine[] {
  const s = new LineSplitter(max);
  return [...chunks.flatMap((c) => s.push(c)), ...s.end()];
}

/** The reference: split the whole text on newlines. */
function reference(bytes: Buffer, max: number): { line: number; text?: string; length: number; end: number }[] {
  const out: { line: number; text?: string; length: number; end: number }[] = [];
  let start = 0;
  let n = 1;
  while (start < bytes.length) {
    const nl = bytes.indexOf(10, start);
    const stop = nl === -1 ? bytes.length : nl;
    const piece = bytes.subarray(start, stop);
    const end = nl === -1 ? stop : nl + 1;
    out.push(piece.length > max ? { line: n, length: piece.length, end } : { line: n, text: piece.toString('latin1'), length: piece.length, end });
    n++;
    start = end;
  }
  return out;
}

const lineText = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '\r', '{"a":1}', 'x'.repeat(70)));

test('LineSplitter: any content in any chunks gives the reference lines, numbers and offsets', () => {
  fc.assert(
    fc.property(fc.array(lineText, { maxLength: 30 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (ls, trailing, points, max) => {
      const bytes = Buffer.from(ls.join('\n') + (trailing && ls.length > 0 ? '\n' : ''), 'utf8');
      const got = splitAll(cut(bytes, points), max).map((l) =>
        l.kind === 'line' ? { line: l.line, text: l.bytes.toString('latin1'), length: l.bytes.length, end: l.end } : { line: l.line, length: l.length, end: l.end },
      );
      assert.deepEqual(got, reference(bytes, max));
    }),
    { numRuns: 400 },
  );
});

test('LineSplitter: an overlong line is dropped as it arrives, never buffered whole', () => {
  const s = new LineSplitter(1024);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let peak = 0;
  for (let i = 0; i < 64; i++) {
    assert.deepEqual(s.push(chunk), []);
    peak = Math.max(peak, (s as unknown as { pendingBytes: number }).pendingBytes);
  }
  assert.equal(peak, 0);
  const out = s.push(Buffer.from('\n{"ok":true}\n'));
  assert.deepEqual(
    out.map((l) => (l.kind === 'line' ? ['line', l.line, l.bytes.toString()] : ['too-long', l.line, l.length])),
    [
      ['too-long', 1, 64 * 64 * 1024],
      ['line', 2, '{"ok":true}'],
    ],
  );
  assert.equal(s.position, 64 * 64 * 1024 + 13);
});

async function collect(chunks: (string | Buffer)[], max?: number): Promise<JsonLine[]> {
  const out: JsonLine[] = [];
  async function* gen(): AsyncGenerator<string | Buffer> {
    yield* chunks;
  }
  for await (const l of readJsonLines(gen(), { source: 'in.jsonl', ...(max ? { maxLineBytes: max } : {}) })) out.push(l);
  return out;
}

const show = (ls: JsonLine[]): unknown[] => ls.map((l) => ('error' in l ? [l.line, l.error.message] : [l.line, l.value]));

test('readJsonLines: values and errors by line number; nothing stops the rest', async () => {
  const big = `{"big":"${'x'.repeat(200)}"}`;
  const text = [
    '\ufeff{"a":1}',
    '',
    '{"a":1,"a":2}',
    'not json',
    '   ',
    big,
    '[1,2]\r',
    '{"last":true}',
  ].join('\n');
  const got = show(await collect([text], 64));
  assert.deepEqual(got, [
    [1, { a: 1 }],
    [3, 'in.jsonl:3: invalid JSON: duplicate key "a" at line 1 column 8'],
    [4, 'in.jsonl:4: invalid JSON: InvalidSymbol at line 1 column 1'],
    [6, `in.jsonl:6: line of ${Buffer.byteLength(big)} bytes exceeds the limit of 64 bytes; skipped`],
    [7, [1, 2]],
    [8, { last: true }],
  ]);
});

test('readJsonLines: the same results for any chunking of JSON lines with bad and long lines among them', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.constantFrom('{', '{"k":1,"k":2}', '', 'x'.repeat(300))), { maxLength: 15 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      async (ls, points) => {
        const bytes = Buffer.from(ls.join('\n'), 'utf8');
        const whole = show(await collect([bytes], 256));
        const pieces = show(await collect(cut(bytes, points), 256));
        assert.deepEqual(pieces, whole);
        // Every line either yields a value equal to JSON.parse, an error, or nothing (blank).
        for (const [i, l] of ls.entries()) {
          const r = whole.find((x) => (x as [number])[0] === i + 1) as [number, unknown] | undefined;
          if (l.trim() === '') assert.equal(r, undefined);
          else if (Buffer.byteLength(l) > 256) assert.match(String(r?.[1]), /exceeds the limit/);
          else if (l === '{' || l === '{"k":1,"k":2}') assert.match(String(r?.[1]), /^in\.jsonl:\d+: invalid JSON/);
          else assert.deepEqual(r?.[1], JSON.parse(l));
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('readJsonLinesFile: a file with a 3 MiB line among small ones', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'alerts.json');
  writeFileSync(path, `{"n":1}\n{"blob":"${'z'.repeat(3 * 1024 * 1024)}"}\n{"n":3}`);
  const got = [];
  for await (const l of readJsonLinesFile(path)) got.push('error' in l ? [l.line, l.error.message] : [l.line, l.value]);
  assert.deepEqual(got, [
    [1, { n: 1 }],
    [2, `${path}:2: line of ${3 * 1024 * 1024 + 11} bytes exceeds the limit of 1048576 bytes; skipped`],
    [3, { n: 3 }],
  ]);
  await assert.rejects(async () => {
    for await (const _ of readJsonLinesFile(join(dir, 'missing.json'))) void _;
  }, /missing\.json: read: no such file or directory/);
});
