import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonReference } from './canonical.ts';

const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '7', '10', '01', '-1', '1e3', 'toJSON', 'a', 'B', 'é', '\u{1F600}'));
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string(),
    fc.constant(undefined),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(key, tie('v'), { maxKeys: 6 }),
  ),
})).v;

test('canonicalJson writes what the reference definition writes, for any JSON-like value', () => {
  fc.assert(
    fc.property(value, (v) => {
      assert.equal(canonicalJson(v), canonicalJsonReference(v));
    }),
    { numRuns: 3000 },
  );
});

test('canonicalJson also agrees on values parsed from JSON text, including __proto__ and integer keys', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const parsed: unknown = JSON.parse(JSON.stringify(v));
      assert.equal(canonicalJson(parsed), canonicalJsonReference(parsed));
    }),
    { numRuns: 2000 },
  );
  const hostile: unknown = JSON.parse('{"b":1,"__proto__":{"x":1},"10":2,"9":3,"a":[{"z":1,"y":2}]}');
  assert.equal(canonicalJson(hostile), '{"10":2,"9":3,"__proto__":{"x":1},"a":[{"y":2,"z":1}],"b":1}');
});

test('canonicalJson: keys by code unit, no whitespace, undefined members dropped, holes and odd objects as the reference', () => {
  assert.equal(canonicalJson({ b: [1, undefined, 'x'], a: { d: undefined, c: true }, B: null }), '{"B":null,"a":{"c":true},"b":[1,null,"x"]}');
  assert.equal(canonicalJson({ '\u{1F600}': 1, '\uFFFF': 2 }), canonicalJsonReference({ '\u{1F600}': 1, '\uFFFF': 2 }));
  assert.equal(canonicalJson({ '\u{1F600}': 1, '\uFFFF': 2 }), '{"\u{1F600}":1,"\uFFFF":2}');
  // eslint-disable-next-line no-sparse-arrays
  const holey = [1, , 2];
  assert.equal(canonicalJson(holey), canonicalJsonReference(holey));
  const date = new Date(0);
  assert.equal(canonicalJson({ d: date }), canonicalJsonReference({ d: date }));
  assert.equal(canonicalJson(undefined), 'null');
  assert.throws(() => canonicalJson({ a: [Number.NaN] }), /non-finite/);
  assert.throws(() => canonicalJson({ a: Number.POSITIVE_INFINITY }), /non-finite/);
});
