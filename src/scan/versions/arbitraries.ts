/**
 * fast-check generators of version strings per ecosystem, for property and differential
 * tests. They produce valid versions with the parts that make ordering hard (epochs,
 * tildes, letters, pre-releases, leading zeros).
 */
import fc from 'fast-check';

const num = fc.oneof(fc.integer({ min: 0, max: 12 }).map(String), fc.constantFrom('0', '00', '01', '10', '007', '99999999999999999999'));
const word = fc.constantFrom('a', 'b', 'rc', 'alpha', 'beta', 'pre', 'dev', 'post', 'sp', 'final', 'ga', 'snapshot', 'git', 'p', 'x');
const joined = (parts: fc.Arbitrary<string>, sep: string, min = 1, max = 4): fc.Arbitrary<string> =>
  fc.array(parts, { minLength: min, maxLength: max }).map((xs) => xs.join(sep));

/** Debian: [epoch:]upstream[-revision] with ~, +, ., letters. */
export const debianVersion: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.constantFrom('0', '1', '2', '10'), { nil: undefined }),
    num,
    fc.array(fc.oneof(fc.constantFrom('.', '~', '+', '~~', '.0'), num, word), { maxLength: 4 }),
    fc.option(joined(fc.oneof(num, word, fc.constantFrom('~', '+', '.')), '', 1, 4).filter((r) => /^[A-Za-z0-9]/.test(r)), { nil: undefined }),
  )
  .map(([epoch, first, rest, rev]) => `${epoch !== undefined ? `${epoch}:` : ''}${first}${rest.join('')}${rev !== undefined ? `-${rev}` : ''}`);

/** RPM: [epoch:]version[-release] with ~ and ^. */
export const rpmVersion: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.constantFrom('0', '1', '3'), { nil: undefined }),
    joined(fc.oneof(num, word, fc.constantFrom('~', '^', '_', '+')), '.', 1, 4).filter((v) => /^[0-9a-z]/.test(v)),
    fc.option(joined(fc.oneof(num, word, fc.constantFrom('el9', 'fc38', '~', '^')), '.', 1, 3).filter((v) => /^[0-9a-z]/.test(v)), { nil: undefined }),
  )
  .map(([e, v, r]) => `${e !== undefined ? `${e}:` : ''}${v}${r !== undefined ? `-${r}` : ''}`);

export const apkVersion: fc.Arbitrary<string> = fc
  .tuple(
    joined(fc.integer({ min: 0, max: 20 }).map(String), '.', 1, 4),
    fc.option(fc.constantFrom('a', 'b', 'z'), { nil: undefined }),
    fc.array(fc.tuple(fc.constantFrom('alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'), fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined })), { maxLength: 2 }),
    fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  )
  .map(([n, l, sufs, r]) => `${n}${l ?? ''}${sufs.map(([s, k]) => `_${s}${k ?? ''}`).join('')}${r !== undefined ? `-r${r}` : ''}`);

const smallNum = fc.integer({ min: 0, max: 20 }).map(String);
const preIdent = fc.oneof(smallNum, fc.constantFrom('alpha', 'beta', 'rc', 'Alpha', 'x-y', '0a'));

export const semverVersion: fc.Arbitrary<string> = fc
  .tuple(smallNum, smallNum, smallNum, fc.option(joined(preIdent, '.', 1, 3), { nil: undefined }), fc.option(fc.constantFrom('build.1', 'incompatible'), { nil: undefined }))
  .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre !== undefined ? `-${pre}` : ''}${build !== undefined ? `+${build}` : ''}`);

export const goVersion: fc.Arbitrary<string> = fc.oneof(
  semverVersion.map((v) => `v${v}`),
  fc.tuple(smallNum, smallNum, fc.integer({ min: 20180101000000, max: 20251231235959 })).map(([a, b, ts]) => `v${a}.${b}.0-${ts}-abcdef123456`),
);

export const pep440Version: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.constantFrom('1!', '2!'), { nil: undefined }),
    joined(smallNum, '.', 1, 4),
    fc.option(fc.tuple(fc.constantFrom('a', 'b', 'rc', 'alpha', 'c', 'pre'), smallNum), { nil: undefined }),
    fc.option(smallNum.map((n) => `.post${n}`), { nil: undefined }),
    fc.option(smallNum.map((n) => `.dev${n}`), { nil: undefined }),
    fc.option(fc.constantFrom('+local', '+ubuntu.1', '+1'), { nil: undefined }),
  )
  .map(([e, r, pre, post, dev, local]) => `${e ?? ''}${r}${pre ? pre.join('') : ''}${post ?? ''}${dev ?? ''}${local ?? ''}`);

export const mavenVersion: fc.Arbitrary<string> = fc
  .tuple(joined(smallNum, '.', 1, 4), fc.array(fc.tuple(fc.constantFrom('-', '.', ''), fc.oneof(word, smallNum, fc.constantFrom('SNAPSHOT', 'RELEASE', 'cr', 'm', 'redhat'))), { maxLength: 3 }))
  .map(([n, rest]) => `${n}${rest.map(([s, x]) => `${s}${x}`).join('')}`);

export const rubygemsVersion: fc.Arbitrary<string> = fc
  .tuple(joined(smallNum, '.', 1, 4), fc.array(fc.oneof(word, smallNum), { maxLength: 3 }), fc.option(fc.constantFrom('-pre', '-1'), { nil: undefined }))
  .map(([n, rest, dash]) => `${n}${rest.map((x) => `.${x}`).join('')}${dash ?? ''}`);

export const nugetVersion: fc.Arbitrary<string> = fc
  .tuple(joined(smallNum, '.', 1, 4), fc.option(joined(preIdent, '.', 1, 3), { nil: undefined }), fc.option(fc.constantFrom('sha.1', 'Build'), { nil: undefined }))
  .map(([n, pre, meta]) => `${n}${pre !== undefined ? `-${pre}` : ''}${meta !== undefined ? `+${meta}` : ''}`);

export const composerVersion: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', 'v'), joined(smallNum, '.', 1, 4), fc.option(fc.tuple(fc.constantFrom('-', '.', ''), fc.constantFrom('dev', 'alpha', 'a', 'beta', 'b', 'RC', 'rc', 'pl', 'p', 'patch')), { nil: undefined }), fc.option(smallNum, { nil: undefined }))
  .map(([v, n, mod, k]) => `${v}${n}${mod ? mod.join('') : ''}${mod && k !== undefined ? k : ''}`);

export const VERSION_ARBITRARIES: Record<string, fc.Arbitrary<string>> = {
  Debian: debianVersion,
  'Red Hat': rpmVersion,
  Alpine: apkVersion,
  npm: semverVersion,
  'crates.io': semverVersion,
  Go: goVersion,
  PyPI: pep440Version,
  Maven: mavenVersion,
  RubyGems: rubygemsVersion,
  NuGet: nugetVersion,
  Packagist: composerVersion,
};
