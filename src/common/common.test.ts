import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseJsonStrict } from './json.ts';
import { parseYaml, parseYamlAll } from './yaml.ts';
import { parseDuration, parseSize, formatSize } from './size.ts';
import { AirlockError } from './errors.ts';

test('strict JSON rejects duplicate keys, naming the source and position', () => {
  assert.throws(() => parseJsonStrict('{"a":1,\n "a":2}', 'x.json'), (e: unknown) => {
    assert.ok(e instanceof AirlockError);
    assert.equal(e.code, 'BAD_INPUT');
    assert.match(e.message, /^x\.json: invalid JSON: duplicate key "a" at line 2 column 2/);
    return true;
  });
  assert.deepEqual(parseJsonStrict('{"a":{"a":1}}', 'x'), { a: { a: 1 } });
});

test('strict JSON bounds size and depth and refuses comments and trailing commas', () => {
  assert.throws(() => parseJsonStrict('[1,2,3]', 'big.json', { maxBytes: 3 }), /big\.json: JSON document of 7 bytes exceeds/);
  assert.throws(() => parseJsonStrict('['.repeat(200) + ']'.repeat(200), 'deep.json'), /nesting deeper than 128/);
  assert.throws(() => parseJsonStrict('{"a":1,}', 't.json'), /t\.json: invalid JSON/);
  assert.throws(() => parseJsonStrict('{"a":1 /* c */}', 'c.json'), /c\.json: invalid JSON: InvalidCommentToken/);
});

test('strict JSON agrees with JSON.parse on every valid document without duplicate keys', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v);
      assert.deepEqual(parseJsonStrict(text, 'p'), JSON.parse(text));
    }),
    { numRuns: 300 },
  );
});

test('strict JSON finds a duplicate key wherever it is, however keys and strings are written', () => {
  // Keys with quotes, backslashes and colons inside, values that look like keys, whitespace
  // before the colon: the fast member count must agree with the full scanner.
  const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', '"', '\\', 'x:', '\\"', ' : ', '__proto__'));
  const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
  })).node;
  const stringify = (v: unknown, dup: { at: number; done: boolean }, ws: string): string => {
    if (Array.isArray(v)) return `[${v.map((x) => stringify(x, dup, ws)).join(',')}]`;
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws}:${ws}${stringify(x, dup, ws)}`);
      if (entries.length > 0 && !dup.done && dup.at-- <= 0) {
        dup.done = true;
        entries.push(entries[0]!);
      }
      return `{${entries.join(',')}}`;
    }
    return JSON.stringify(v);
  };
  fc.assert(
    fc.property(tree, fc.nat(6), fc.constantFrom('', ' ', '\n\t'), (v, at, ws) => {
      const dup = { at, done: false };
      const text = stringify(v, dup, ws);
      if (dup.done) assert.throws(() => parseJsonStrict(text, 'p.json'), /p\.json: invalid JSON: duplicate key/);
      else assert.deepEqual(parseJsonStrict(text, 'p.json'), JSON.parse(text));
    }),
    { numRuns: 1000 },
  );
});

/** A JSON text built from a generated tree, with object keys spelled raw (escapes kept) and decoded. */
type Node = { kind: 'object'; entries: [string, Node][] } | { kind: 'array'; items: Node[] } | { kind: 'leaf'; text: string };

function render(n: Node): string {
  if (n.kind === 'leaf') return n.text;
  if (n.kind === 'array') return `[${n.items.map(render).join(', ')}]`;
  return `{${n.entries.map(([k, v]) => `"${k}" : ${render(v)}`).join(',\n')}}`;
}

/** The oracle: does any object repeat a key once escapes are decoded, and how deep is the tree? */
function facts(n: Node): { duplicate: boolean; depth: number } {
  if (n.kind === 'leaf') return { duplicate: false, depth: n.text === '[]' || n.text === '{}' ? 1 : 0 };
  const children = n.kind === 'array' ? n.items : n.entries.map(([, v]) => v);
  const keys = n.kind === 'object' ? n.entries.map(([k]) => JSON.parse(`"${k}"`) as string) : [];
  const sub = children.map(facts);
  return { duplicate: new Set(keys).size < keys.length || sub.some((f) => f.duplicate), depth: 1 + Math.max(0, ...sub.map((f) => f.depth)) };
}

test('strict JSON finds every duplicate key, however it is spelled, and bounds depth exactly', () => {
  // Keys that collide once decoded: a, \u0061; "\"" and \u0022; é and \u00e9; strings holding braces and commas.
  const key = fc.constantFrom('a', '\\u0061', 'b', '\\"', '\\u0022', 'é', '\\u00e9', '{,}', '[:]', '\\\\');
  const leaf = fc.constantFrom('1', '"x"', '"{\\"a\\":1}"', 'null', 'true', '[]', '{}', '"a,b"').map((text): Node => ({ kind: 'leaf', text }));
  const tree = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ kind: 'array', items })),
      fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map((entries): Node => ({ kind: 'object', entries })),
    ),
  })).node;
  fc.assert(
    fc.property(tree, fc.integer({ min: 1, max: 6 }), (n, maxDepth) => {
      const text = render(n);
      const f = facts(n);
      // Both problems: the first in the document is named.
      if (f.depth > maxDepth && f.duplicate) assert.throws(() => parseJsonStrict(text, 't.json', { maxDepth }), /t\.json: invalid JSON: (nesting deeper than|duplicate key)/);
      else if (f.depth > maxDepth) assert.throws(() => parseJsonStrict(text, 't.json', { maxDepth }), /t\.json: invalid JSON: nesting deeper than/);
      else if (f.duplicate) assert.throws(() => parseJsonStrict(text, 't.json', { maxDepth }), /t\.json: invalid JSON: duplicate key ".*" at line \d+ column \d+/);
      else assert.deepEqual(parseJsonStrict(text, 't.json', { maxDepth }), JSON.parse(text));
    }),
    { numRuns: 2000 },
  );
});

test('YAML rejects duplicate keys and alias bombs, and splits documents', () => {
  assert.throws(() => parseYaml('a: 1\na: 2\n', 'dup.yaml'), /dup\.yaml: invalid YAML at line 2/);
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`);
  assert.throws(() => parseYaml(bomb.join('\n'), 'bomb.yaml'), /bomb\.yaml: invalid YAML/);
  assert.deepEqual(parseYamlAll('a: 1\n---\n---\nb: 2\n', 'm.yaml'), [{ a: 1 }, { b: 2 }]);
});

test('sizes and durations parse and refuse nonsense', () => {
  assert.equal(parseSize('4GiB'), 4 * 1024 ** 3);
  assert.equal(parseSize('700MB'), 700_000_000);
  assert.equal(parseSize('1048576'), 1048576);
  assert.throws(() => parseSize('4 parsecs', '--split'), /--split: "4 parsecs" is not a size/);
  assert.throws(() => parseSize('0'), /out of range/);
  assert.equal(parseDuration('90d'), 90 * 86_400_000);
  assert.throws(() => parseDuration('soon', '--expires'), /--expires: "soon" is not a duration/);
  assert.equal(formatSize(1536), '1.50 KiB');
});
