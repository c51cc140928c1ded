/**
 * Unit checks of Kyverno's value semantics, each against the upstream behaviour noted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { wildcardMatch } from '../../src/policy/wildcard.ts';
import { parseDuration, parseQuantity, goFloatE } from '../../src/policy/quantity.ts';
import { validateScalar } from '../../src/policy/scalar.ts';
import { matchPattern } from '../../src/policy/pattern.ts';
import { applyOperator } from '../../src/policy/conditions.ts';
import { searchJmes, NotFoundError } from '../../src/policy/jmespath.ts';
import { substituteString } from '../../src/policy/variables.ts';
import { parseKindSelector } from '../../src/policy/match.ts';
import { parseImage } from '../../src/policy/context.ts';

function reference(pattern: string, text: string): boolean {
  const re = Array.from(pattern)
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`, 'su').test(text);
}

test('wildcard: * any run, ? one character, case-sensitive (ext/wildcard)', () => {
  assert.equal(wildcardMatch('nginx*', 'nginx:1.25'), true);
  assert.equal(wildcardMatch('?*', ''), false);
  assert.equal(wildcardMatch('a?c', 'abc'), true);
  assert.equal(wildcardMatch('ABC', 'abc'), false);
  fc.assert(
    fc.property(fc.stringMatching(/^[ab*?]{0,8}$/), fc.stringMatching(/^[ab]{0,10}$/), (p, t) => wildcardMatch(p, t) === reference(p, t)),
  );
});

test('quantities and durations parse as Kubernetes and Go do', () => {
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('10s'), undefined);
  assert.equal(parseDuration('1h30m'), 5400e9);
  assert.equal(parseDuration('80'), undefined);
  assert.equal(parseDuration('0'), 0);
  fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), (n) => parseQuantity(String(n)) === n));
  fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => parseQuantity(s) === undefined || Number.isFinite(parseQuantity(s))));
});

test('numbers are formatted with %E in wildcard comparisons (Appendix A.3)', () => {
  assert.equal(goFloatE(80), '8E+01');
  assert.equal(validateScalar(80, '8*'), true);
  assert.equal(validateScalar(80, '80*'), false);
  assert.equal(validateScalar(80, '80'), true, 'quantity comparison');
});

test('null, missing and operators (pattern.go)', () => {
  for (const v of [null, '', 0, false]) assert.equal(validateScalar(v, null), true);
  assert.equal(validateScalar('x', null), false);
  assert.equal(validateScalar(null, '<=10'), true, 'null reads as "0" for quantities');
  assert.equal(validateScalar(null, '!x'), false);
  assert.equal(validateScalar(null, '?*'), false);
  assert.equal(validateScalar('5', 5), true, 'number pattern accepts a numeric string');
  assert.equal(validateScalar(true, 'true'), true);
  assert.equal(validateScalar('2', '1-3'), true);
  assert.equal(validateScalar('5', '1!-3'), true);
  assert.equal(validateScalar('2', '1!-3'), false);
  assert.equal(validateScalar('30s', '<1m'), true);
  assert.equal(validateScalar('a', '!'), false, 'a one-character pattern is a literal');
  assert.equal(validateScalar('latest', '!latest & !dev'), false);
  assert.equal(validateScalar('1.2', '!latest & !dev'), true);
  assert.equal(validateScalar('b', 'a | b'), true);
});

test('"*" fails on an absent key; a missing conditional anchor key makes a mismatch an error', () => {
  assert.equal(matchPattern({ a: 1 }, { b: '*' }).status, 'fail');
  assert.equal(matchPattern({ a: 1 }, { a: '*' }).status, 'pass');
  assert.equal(matchPattern({ spec: {} }, { spec: { '(x)': 1 } }).status, 'skip');
  // The anchor (x) is never seen in any resource map and the pattern fails: error, not fail (Appendix A.2).
  assert.equal(matchPattern({ spec: { c: [{ name: 'b' }] } }, { spec: { '^(c)': [{ '(x)': 1, name: 'a' }] } }).status, 'error');
  assert.equal(matchPattern({ spec: { c: [{ name: 'b', x: 2 }] } }, { spec: { '^(c)': [{ '(x)': 1, name: 'a' }] } }).status, 'fail');
  assert.equal(matchPattern({ a: [] }, { a: [] }).status, 'fail', 'an empty pattern array fails');
  assert.equal(matchPattern({ a: ['x', 'y'] }, { a: 'x | y' }).status, 'pass', 'a scalar pattern applies to every element');
});

test('condition operators (variables/operator)', () => {
  assert.equal(applyOperator('Equals', '1Gi', '1024Mi'), true);
  assert.equal(applyOperator('Equals', 'nginx:1', 'nginx:*'), true);
  assert.equal(applyOperator('Equals', null, null), false, 'a nil key is false (Appendix A.5)');
  assert.equal(applyOperator('NotEquals', null, 'x'), false);
  assert.equal(applyOperator('equals', 3, '3'), true, 'operators are case-insensitive');
  assert.equal(applyOperator('AnyIn', ['a', 'b'], ['b']), true);
  assert.equal(applyOperator('AllIn', ['a', 'b'], ['b']), false);
  assert.equal(applyOperator('AnyNotIn', ['a', 'b'], ['b']), true);
  assert.equal(applyOperator('AllNotIn', ['a'], '["a","c"]'), false, 'a JSON string value is an array');
  assert.equal(applyOperator('AnyIn', 5, ['1-10']), true, 'ranges in the In family');
  assert.equal(applyOperator('GreaterThan', '2m', '90s'), true);
  assert.equal(applyOperator('LessThan', '1.2.3', '1.10.0'), true, 'semver last');
  assert.equal(applyOperator('DurationGreaterThan', '2h', '1h'), true);
  assert.throws(() => applyOperator('Roughly', 1, 1));
});

test('JMESPath: unknown keys raise NotFoundError; || and functions absorb it (Appendix A.9)', () => {
  assert.throws(() => searchJmes('a.b', { a: {} }), NotFoundError);
  assert.equal(searchJmes('a.b.c', { a: { b: null } }), null);
  assert.equal(searchJmes("a.b || 'd'", { a: {} }), 'd');
  assert.equal(searchJmes('to_upper(a)', { a: 'x' }), 'X');
  assert.equal(searchJmes("truncate('abcdef', `3`)", {}), 'abc');
  assert.deepEqual(searchJmes("split('a,b', ',')", {}), ['a', 'b']);
  assert.equal(searchJmes("label_match({a:'b'}, {a:'b', c:'d'})", {}), true);
  assert.equal(searchJmes("base64_decode('aGk=')", {}), 'hi');
  assert.equal(searchJmes("divide('10', '4')", {}), 2.5);
  assert.equal(searchJmes("time_before('2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')", {}), true);
});

test('variables keep their type when whole, interpolate when embedded, and escape', () => {
  const ctx = { a: { n: 3, s: 'x' } };
  assert.equal(substituteString('{{ a.n }}', ctx), 3);
  assert.equal(substituteString('n={{ a.n }} s={{a.s}}', ctx), 'n=3 s=x');
  assert.equal(substituteString('\\{{ a.n }}', ctx), '{{ a.n }}');
});

test('kind selectors and image references', () => {
  assert.deepEqual(parseKindSelector('apps/v1/Deployment'), { group: 'apps', version: 'v1', kind: 'Deployment', subresource: '' });
  assert.deepEqual(parseKindSelector('v1/Pod'), { group: '*', version: 'v1', kind: 'Pod', subresource: '' });
  assert.deepEqual(parseKindSelector('Pod.status'), { group: '*', version: '*', kind: 'Pod', subresource: 'status' });
  // pkg/utils/image/infos.go: library/ prefix for one-segment paths; reference prefers the digest.
  assert.deepEqual(parseImage('nginx'), {
    registry: 'docker.io', path: 'library/nginx', name: 'nginx', tag: 'latest', digest: '',
    reference: 'docker.io/library/nginx:latest', referenceWithTag: 'docker.io/nginx:latest',
  });
  const pinned = parseImage('ghcr.io/org/app:1.2@sha256:abc');
  assert.equal(pinned.tag, '1.2');
  assert.equal(pinned.reference, 'ghcr.io/org/app@sha256:abc');
  assert.equal(parseImage('team/app').registry, 'docker.io');
  assert.equal(parseImage('localhost/app').registry, 'localhost');
  assert.equal(parseImage('registry.internal:5000/team/app@sha256:ab').registry, 'registry.internal:5000');
});

test('regex_match uses RE2: Go syntax, linear time on hostile patterns', () => {
  assert.equal(searchJmes("regex_match('^(a+)+$', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab')", {}), false);
  assert.equal(searchJmes("regex_match('(?i)^abc$', 'ABC')", {}), true);
  assert.throws(() => searchJmes("regex_match('(?<=a)b', 'ab')", {}), /invalid regular expression/);
  assert.equal(searchJmes("regex_replace_all('([a-z]+)-([0-9]+)', 'app-12', '$2-$1')", {}), '12-app');
});

test('In-family operators stringify numbers as Go fmt.Sprint does (Appendix A.4)', async () => {
  const { goFloatG } = await import('../../src/policy/quantity.ts');
  assert.equal(goFloatG(3), '3');
  assert.equal(goFloatG(123456), '123456');
  assert.equal(goFloatG(1234567), '1.234567e+06');
  assert.equal(goFloatG(1e-5), '1e-05');
  assert.equal(goFloatG(0.5), '0.5');
  assert.equal(applyOperator('AnyIn', 1000000, ['1000000']), false, 'fmt.Sprint(1e6) is "1e+06"');
  assert.equal(applyOperator('AnyIn', 8080, ['8080', '9090']), true);
});
