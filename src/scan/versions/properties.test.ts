import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { requireTool } from '../../../test/helpers/env.ts';
import { comparatorFor } from './registry.ts';
import { VERSION_ARBITRARIES, debianVersion, rpmVersion } from './arbitraries.ts';

for (const [ecosystem, arb] of Object.entries(VERSION_ARBITRARIES)) {
  const cmp = comparatorFor(ecosystem);
  test(`${ecosystem} comparator is a total order on valid versions`, () => {
    assert.ok(cmp);
    fc.assert(
      fc.property(arb, arb, arb, (a, b, c) => {
        assert.ok(cmp.isValid(a), `generated an invalid version ${a}`);
        assert.equal(cmp.compare(a, a), 0, 'reflexive');
        const ab = cmp.compare(a, b);
        assert.equal(cmp.compare(b, a), -ab || 0, 'antisymmetric');
        const [x, y, z] = [a, b, c].sort((p, q) => cmp.compare(p, q)) as [string, string, string];
        assert.ok(cmp.compare(x, y) <= 0 && cmp.compare(y, z) <= 0 && cmp.compare(x, z) <= 0, `transitive: ${x} ${y} ${z}`);
        if (cmp.compare(x, y) === 0 && cmp.compare(y, z) === 0) assert.equal(cmp.compare(x, z), 0, 'equality is transitive');
      }),
      { numRuns: 400 },
    );
  });
}

test('comparators reject garbage with a typed error instead of guessing', () => {
  for (const eco of ['Debian', 'npm', 'PyPI', 'NuGet', 'Go']) {
    const cmp = comparatorFor(eco);
    assert.ok(cmp);
    assert.throws(() => cmp.compare('', '1.0'), /invalid/, eco);
    assert.equal(cmp.isValid('not a version at all'), false, eco);
  }
  assert.equal(comparatorFor('Debian:12'), comparatorFor('Debian'));
  assert.equal(comparatorFor('Alpine:v3.20')?.scheme, 'apk');
  assert.equal(comparatorFor('NoSuchEcosystem'), undefined);
});

/** Runs a shell script in one process; one line of output per pair. */
function runBatch(script: string): string[] {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

test('dpkg comparator agrees with dpkg --compare-versions on random versions', (t) => {
  if (!requireTool(t, 'dpkg')) return;
  const cmp = comparatorFor('Debian');
  assert.ok(cmp);
  const pairs = fc.sample(fc.tuple(debianVersion, debianVersion), { numRuns: 300, seed: 20261123 });
  // Near-equal pairs find the subtle cases: same version with one change at the end.
  pairs.push(...fc.sample(debianVersion, { numRuns: 100, seed: 7 }).map((v): [string, string] => [v, `${v}~`]));
  const script = pairs
    .map(([a, b]) => `if dpkg --compare-versions ${quote(a)} lt ${quote(b)}; then echo -1; elif dpkg --compare-versions ${quote(a)} eq ${quote(b)}; then echo 0; else echo 1; fi`)
    .join('\n');
  const answers = runBatch(script);
  pairs.forEach(([a, b], i) => assert.equal(String(cmp.compare(a, b)), answers[i], `${a} vs ${b}`));
});

test('rpm comparator agrees with rpm.vercmp on random versions', (t) => {
  if (!requireTool(t, 'rpm')) return;
  const cmp = comparatorFor('Red Hat');
  assert.ok(cmp);
  const pairs = fc.sample(fc.tuple(rpmVersion, rpmVersion), { numRuns: 400, seed: 20261123 });
  const lua = pairs.map(([a, b]) => `print(rpm.vercmp("${a}","${b}")) print("\\n")`).join(' ');
  const answers = runBatch(`rpm --eval ${quote(`%{lua: ${lua}}`)}`).filter((l) => l !== '');
  assert.equal(answers.length, pairs.length);
  pairs.forEach(([a, b], i) => assert.equal(String(cmp.compare(a, b)), answers[i], `${a} vs ${b}`));
});
