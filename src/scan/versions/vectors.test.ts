import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData } from '../../../test/helpers/env.ts';
import { isAirlockError } from '../../common/errors.ts';
import { agrees, readOpVectors, readTsvVectors, type Vector } from './vectors.ts';
import { comparatorFor } from './registry.ts';
import { rpmvercmp } from './rpm.ts';

type Cmp = (a: string, b: string) => -1 | 0 | 1;

interface Case {
  file: string;
  compare: Cmp;
  /** Rows the comparator rejects as invalid input (exact count), and why. */
  rejects?: { count: number; why: string };
  /** Rows where the reference's answer differs from ours on purpose, and why. */
  differs?: { pairs: string[]; why: string };
  filter?: (v: Vector, cols: string) => boolean;
}

const by = (eco: string): Cmp => {
  const c = comparatorFor(eco);
  assert.ok(c, eco);
  return (a, b) => c.compare(a, b);
};

const MNG_7644 = ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC'].flatMap((x) => [
  `1.0.0.${x}1 1.0.0-${x}2`,
  `2-${x} 2.0.${x}`,
  `2-${x} 2.0.0.${x}`,
  `2.0.${x} 2.0.0.${x}`,
]);

const CASES: Case[] = [
  { file: 'deb/dpkg.Dpkg_Version.t.tsv', compare: by('Debian') },
  { file: 'deb/go-deb-version.tsv', compare: by('Debian'), rejects: { count: 2, why: 'empty versions, which dpkg rejects too' } },
  { file: 'osv-scalibr-semantic/debian-versions.txt', compare: by('Debian') },
  { file: 'osv-scalibr-semantic/debian-versions-generated.txt', compare: by('Debian') },
  { file: 'apk/go-apk-version.version.compare.tsv', compare: by('Alpine') },
  {
    file: 'apk/apk-tools.version.compare.tsv',
    compare: by('Alpine'),
    differs: {
      why: 'apk-tools 3 changed leading-zero and "~" handling; Alpine secdb and the 2.x tools that built the advisories use the 2.x rules',
      pairs: ['6.0_pre1 6.0', '8.2.0 8.2.001', '8.2.0015 8.2.002', '1.0~1234 1.0~2345', '1.0~1234-r1 1.0~2345-r0', '1.0~1234-r1 1.0~1234-r0'],
    },
  },
  { file: 'osv-scalibr-semantic/alpine-versions-generated.txt', compare: by('Alpine') },
  {
    file: 'osv-scalibr-semantic/alpine-versions.txt',
    compare: by('Alpine'),
    differs: {
      why: 'invalid apk versions, which osv-scalibr orders by its own fallback and apk 2.x by its tokenizer',
      pairs: ['1-r-0 1-r0', '1-r-1 1-r0', '0.r1 0r2', '0.8.21.r2 0.8.21r2', '1.2.0A 1.2.0d', '1.2.0D 1.2.0d', '1 1-ruff', '1-ruff2 1--ruff1'],
    },
  },
  { file: 'rpm/rpm.rpmvercmp.at.tsv', compare: rpmvercmp },
  { file: 'rpm/go-rpm-version.tsv', compare: rpmvercmp, filter: (_v, cols) => !cols.includes('\terror\t') },
  {
    file: 'osv-scalibr-semantic/redhat-versions.txt',
    compare: by('Red Hat'),
    differs: { why: '"1-" has an empty release, which rpm rejects; osv-scalibr orders it after "1"', pairs: ['1 1-', '1 1-'] },
  },
  { file: 'pypi/packaging.VERSIONS.pairs.tsv', compare: by('PyPI') },
  { file: 'osv-scalibr-semantic/pypi-versions.txt', compare: by('PyPI'), rejects: { count: 11, why: 'not PEP 440 versions (packaging raises InvalidVersion)' } },
  {
    file: 'osv-scalibr-semantic/pypi-versions-generated.txt',
    compare: by('PyPI'),
    rejects: { count: 69, why: 'legacy, non-PEP 440 versions found on PyPI (packaging raises InvalidVersion)' },
  },
  {
    file: 'maven/maven.ComparableVersionTest.tsv',
    compare: by('Maven'),
    differs: {
      why: 'Maven 4 (MNG-7644) sorts ".X" like "-X"; advisories follow Maven 3, as the generated vectors below confirm',
      pairs: ['2.0.a 2-1', '1-0.alpha 1', '1-0.beta 1', ...MNG_7644, '1.0.final-redhat 1.0-sp1-redhat', '1.0.final-redhat 1.0-sp-1-redhat', '1.0.final-redhat 1.0-sp.1-redhat'],
    },
  },
  { file: 'osv-scalibr-semantic/maven-versions.txt', compare: by('Maven'), differs: { why: 'Maven 4 drops "ga" inside a sub-list', pairs: ['1-1 1-ga-1'] } },
  { file: 'osv-scalibr-semantic/maven-versions-generated.txt', compare: by('Maven') },
  { file: 'osv-scalibr-semantic/nuget-versions.txt', compare: by('NuGet') },
  { file: 'osv-scalibr-semantic/packagist-versions.txt', compare: by('Packagist') },
  { file: 'osv-scalibr-semantic/packagist-versions-generated.txt', compare: by('Packagist') },
  { file: 'osv-scalibr-semantic/rubygems-versions.txt', compare: by('RubyGems') },
  { file: 'osv-scalibr-semantic/rubygems-versions-generated.txt', compare: by('RubyGems') },
  {
    file: 'osv-scalibr-semantic/semver-versions.txt',
    compare: by('npm'),
    rejects: { count: 3, why: 'numbers beyond 2^53 and five-part versions, which npm\'s semver rejects' },
  },
];

for (const c of CASES) {
  test(`version vectors: ${c.file}`, (t) => {
    const path = sharedData(t, 'vuln', 'versions', c.file);
    if (!path) return;
    const text = readFileSync(path, 'utf8');
    const rawLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).slice(1);
    let vectors = c.file.endsWith('.tsv') ? readTsvVectors(text, c.file) : readOpVectors(text, c.file);
    if (c.filter) {
      const f = c.filter;
      vectors = vectors.filter((v, i) => f(v, `${rawLines[i] ?? ''}\t`));
    }
    assert.ok(vectors.length > 0, 'no vectors read');
    let rejected = 0;
    const differs: string[] = [];
    for (const v of vectors) {
      let got: -1 | 0 | 1;
      try {
        got = c.compare(v.a, v.b);
      } catch (e) {
        assert.ok(isAirlockError(e), `${v.where}: ${String(e)}`);
        rejected++;
        continue;
      }
      if (!agrees(got, v.expected)) differs.push(`${v.a} ${v.b}`);
      // Antisymmetry on every vector: swapping the sides flips the answer.
      assert.equal(c.compare(v.b, v.a), -got || 0, `${v.where}: ${v.b} vs ${v.a}`);
    }
    assert.equal(rejected, c.rejects?.count ?? 0, `rejected rows (${c.rejects?.why ?? 'none expected'})`);
    assert.deepEqual(differs, c.differs?.pairs ?? [], c.differs?.why ?? 'no differences expected');
  });
}

test('vector files are where the cases say', (t) => {
  const root = sharedData(t, 'vuln', 'versions');
  if (!root) return;
  for (const c of CASES) assert.ok(readFileSync(join(root, c.file)).length > 0, c.file);
});
