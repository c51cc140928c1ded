import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparatorFor, knownEcosystems } from './registry.ts';

/** [a, b, expected] per ecosystem: hand-checked against each ecosystem's documentation. */
const CASES: Record<string, [string, string, -1 | 0 | 1][]> = {
  Go: [
    ['v2.0.0+incompatible', 'v2.0.1', -1],
    ['v2.0.0+incompatible', 'v2.0.0', 0], // build metadata does not order
    ['v0.0.0-20191109021931-daa7c04131f5', 'v0.1.0', -1],
    ['v0.0.0-20180101000000-aaaaaaaaaaaa', 'v0.0.0-20191109021931-daa7c04131f5', -1],
    ['v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.3', 1], // pseudo-version after v1.2.3
    ['v1.2.4-0.20191109021931-daa7c04131f5', 'v1.2.4', -1],
    ['1.22.0-0', '1.22.0-rc.1', -1], // vulndb's pre-release floor
    ['go1.21', '1.21.0', 0],
  ],
  'crates.io': [
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['0.9.99', '0.10.0', -1],
    ['1.0.0+build.5', '1.0.0', 0],
  ],
  npm: [
    ['v1.2.3', '1.2.3', 0],
    ['1.2.3-beta.2', '1.2.3-beta.11', -1],
  ],
  NuGet: [
    ['1.0', '1.0.0.0', 0],
    ['1.0.0-Beta', '1.0.0-beta', 0],
    ['1.0.0-beta.2', '1.0.0-beta.10', -1],
    ['1.0.0-rc', '1.0.0', -1],
    ['1.0.0.1', '1.0.0', 1],
  ],
  RubyGems: [
    ['1.0.a', '1.0', -1],
    ['1.0.0', '1', 0],
    ['1.2-1', '1.2.pre.1', 0], // "-" reads as ".pre."
    ['1.2.pre.1', '1.2-pre.1', 1], // "1.2.pre.pre.1": a string sorts before a number
    ['2.0.0.rc1', '2.0.0.beta2', 1],
  ],
  Packagist: [
    ['1.0.0-dev', '1.0.0-alpha', -1],
    ['1.0.0-RC1', '1.0.0', -1],
    ['1.0.0', '1.0.0-pl1', -1],
    ['v2.3.4', '2.3.4', 0],
  ],
  Maven: [
    ['1.0-SNAPSHOT', '1.0', -1],
    ['1.0-RC1', '1.0-SNAPSHOT', -1],
    ['1.0.Final', '1.0', 0],
    ['1.0-sp1', '1.0', 1],
    ['2.0.0.RELEASE', '2.0.0', 0],
  ],
  PyPI: [
    ['1.0a1', '1.0.alpha1', 0],
    ['1!0.5', '2.0', 1],
    ['1.0.post1', '1.0', 1],
    ['1.0.dev1', '1.0a1', -1],
    ['1.0+local.1', '1.0', 1],
  ],
  Debian: [
    ['1:1.0', '2.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0-1+deb12u1', '1.0-1', 1],
    ['1.0-1~bpo12+1', '1.0-1', -1],
  ],
  Alpine: [
    ['1.2.3_rc1-r0', '1.2.3-r0', -1],
    ['1.2.3_p1-r0', '1.2.3-r0', 1],
    ['1.2.3-r10', '1.2.3-r9', 1],
    ['1.2.3a-r0', '1.2.3-r0', 1],
  ],
  'Red Hat': [
    ['1:1.0-1.el9', '2.0-1.el9', 1],
    ['1.0~rc1-1', '1.0-1', -1],
    ['1.0^git1-1', '1.0-1', 1],
    ['1.0^git1-1', '1.0.1-1', -1],
  ],
};

for (const [ecosystem, cases] of Object.entries(CASES)) {
  test(`${ecosystem} ordering: hand-checked cases`, () => {
    const cmp = comparatorFor(ecosystem);
    assert.ok(cmp, ecosystem);
    for (const [a, b, expected] of cases) {
      assert.equal(cmp.compare(a, b), expected, `${a} vs ${b}`);
      assert.equal(cmp.compare(b, a), -expected || 0, `${b} vs ${a}`);
    }
  });
}

test('every registered ecosystem has a comparator and hand-checked cases cover each scheme', () => {
  const schemes = new Set(knownEcosystems().map((e) => comparatorFor(e)?.scheme));
  const covered = new Set(Object.keys(CASES).map((e) => comparatorFor(e)?.scheme));
  assert.deepEqual([...schemes].filter((s) => !covered.has(s)), []);
});
