import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findJsonProblem } from './json-check.ts';
import { parseJsonStrict } from '../common/json.ts';

test('finds duplicate keys at any depth, including escaped spellings of one key', () => {
  assert.equal(findJsonProblem('{"a": 1, "a": 2}', 64), 'duplicate key "a"');
  assert.equal(findJsonProblem('{"x": [{"b": 1, "c": {"d": 1, "d": 2}}]}', 64), 'duplicate key "d"');
  assert.equal(findJsonProblem('{"id": 1, "\\u0069d": 2}', 64), 'duplicate key "id"');
  assert.equal(findJsonProblem('{"a": "x\\"a\\\\", "b": "\\\\"}', 64), undefined);
  assert.equal(findJsonProblem('[{"a": 1}, {"a": 1}]', 64), undefined);
  assert.equal(findJsonProblem('{"a": {"a": 1}}', 64), undefined);
  assert.equal(findJsonProblem('{"a": ["a", "a"]}', 64), undefined);
});

test('bounds nesting depth', () => {
  assert.equal(findJsonProblem(`${'['.repeat(65)}${']'.repeat(65)}`, 64), 'nesting deeper than 64');
  assert.equal(findJsonProblem(`${'['.repeat(64)}${']'.repeat(64)}`, 64), undefined);
  assert.equal(findJsonProblem(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`, 64), 'nesting deeper than 64');
});

test('agrees with the shared strict parser on random documents', () => {
  const key = fc.constantFrom('a', 'b', 'id', 'x"y', 'a\\b', '\u00e9', 'id ');
  const doc = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.constant(null), tie('obj'), tie('arr')),
    arr: fc.array(tie('value'), { maxLength: 4 }),
    obj: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }),
  }));
  const render = (v: unknown): string => {
    if (Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')) {
      return `{${(v as [string, unknown][]).map(([k, x]) => `${JSON.stringify(k)}:${render(x)}`).join(',')}}`;
    }
    if (Array.isArray(v)) return `[${v.map(render).join(',')}]`;
    return JSON.stringify(v);
  };
  fc.assert(
    fc.property(doc.obj, (o) => {
      const text = render(o);
      let strictSays: string | undefined;
      try {
        parseJsonStrict(text, 'doc', { maxDepth: 64 });
      } catch (e) {
        strictSays = (e as Error).message;
      }
      const ours = findJsonProblem(text, 64);
      assert.equal(ours !== undefined, strictSays !== undefined, `${text}: ours=${ours} strict=${strictSays}`);
    }),
    { numRuns: 500 },
  );
});
