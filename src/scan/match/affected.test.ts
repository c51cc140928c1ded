import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAffected } from './affected.ts';
import { comparatorFor } from '../versions/registry.ts';
import type { AffectedPackage, RangeEvent } from '../../vulndb/types.ts';
import type { VersionComparator } from '../versions/comparator.ts';

const cmp = (eco: string): VersionComparator => {
  const c = comparatorFor(eco);
  assert.ok(c);
  return c;
};

function entry(ecosystem: string, events: RangeEvent[][], versions: string[] = [], type: 'ECOSYSTEM' | 'SEMVER' = 'ECOSYSTEM'): AffectedPackage {
  return { ecosystem, name: 'p', ranges: events.map((e) => ({ type, events: e })), versions, severity: [] };
}

const verdict = (eco: string, version: string, e: AffectedPackage): string => {
  const v = evaluateAffected(version, e, cmp(eco));
  return v.affected ? `affected fixed=[${v.fixed.join(',')}]` : 'not affected';
};

test('introduced and fixed at the same version affects nothing', () => {
  const e = entry('PyPI', [[{ introduced: '1.0' }, { fixed: '1.0' }]]);
  assert.equal(verdict('PyPI', '1.0', e), 'not affected');
  assert.equal(verdict('PyPI', '0.9', e), 'not affected');
  assert.equal(verdict('PyPI', '1.1', e), 'not affected');
});

test('adjacent intervals: a version that closes one interval and opens the next is affected', () => {
  const e = entry('PyPI', [[{ introduced: '0' }, { fixed: '1.0' }, { introduced: '1.0' }, { fixed: '2.0' }]]);
  assert.equal(verdict('PyPI', '1.0', e), 'affected fixed=[2.0]');
  assert.equal(verdict('PyPI', '0.5', e), 'affected fixed=[1.0]');
  assert.equal(verdict('PyPI', '2.0', e), 'not affected');
  const single = entry('npm', [[{ introduced: '1.2.3' }, { last_affected: '1.2.3' }]]);
  assert.equal(verdict('npm', '1.2.3', single), 'affected fixed=[]');
  assert.equal(verdict('npm', '1.2.4', single), 'not affected');
  assert.equal(verdict('npm', '1.2.2', single), 'not affected');
});

test('a version the comparator cannot read matches only an exact listed version', () => {
  const e = entry('npm', [[{ introduced: '0' }]], ['weird build']);
  assert.equal(verdict('npm', 'not a version', e), 'not affected');
  assert.equal(verdict('npm', 'weird build', e), 'affected fixed=[]');
});

test('fixed is exclusive, introduced inclusive, and the fix of the version\'s own interval is reported', () => {
  const e = entry('PyPI', [[{ introduced: '0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.3' }]]);
  assert.equal(verdict('PyPI', '1.1', e), 'affected fixed=[1.2]');
  assert.equal(verdict('PyPI', '1.2', e), 'not affected');
  assert.equal(verdict('PyPI', '1.5', e), 'not affected');
  assert.equal(verdict('PyPI', '2.0', e), 'affected fixed=[2.3]');
  assert.equal(verdict('PyPI', '2.3', e), 'not affected');
  assert.equal(verdict('PyPI', '2.0rc1', e), 'not affected');
});

test('last_affected is inclusive and leaves the vulnerability unfixed', () => {
  const e = entry('npm', [[{ introduced: '1.0.0' }, { last_affected: '1.4.2' }]]);
  assert.equal(verdict('npm', '1.4.2', e), 'affected fixed=[]');
  assert.equal(verdict('npm', '1.4.3', e), 'not affected');
  assert.equal(verdict('npm', '0.9.9', e), 'not affected');
  const open = entry('npm', [[{ introduced: '0' }]]);
  assert.equal(verdict('npm', '99.0.0', open), 'affected fixed=[]');
});

test('limit bounds a range from above', () => {
  const e = entry('Go', [[{ introduced: '0' }, { limit: '1.5.0' }]], [], 'SEMVER');
  assert.equal(verdict('Go', '1.4.9', e), 'affected fixed=[]');
  assert.equal(verdict('Go', '1.5.0', e), 'not affected');
});

test('Debian epochs: a version without epoch is older than any epoch-1 version', () => {
  const e = entry('Debian:12', [[{ introduced: '0' }, { fixed: '1:2.0-1' }]]);
  assert.equal(verdict('Debian', '2.5-1', e), 'affected fixed=[1:2.0-1]');
  assert.equal(verdict('Debian', '1:1.9-3', e), 'affected fixed=[1:2.0-1]');
  assert.equal(verdict('Debian', '1:2.0-1', e), 'not affected');
  assert.equal(verdict('Debian', '2:0.1-1', e), 'not affected');
});

test('Debian tilde versions sort before the release they precede', () => {
  const e = entry('Debian:12', [[{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }]]);
  assert.equal(verdict('Debian', '3.0.11-1~deb12u1', e), 'affected fixed=[3.0.11-1~deb12u2]');
  assert.equal(verdict('Debian', '3.0.11-1~deb12u2', e), 'not affected');
  assert.equal(verdict('Debian', '3.0.11-1', e), 'not affected');
  assert.equal(verdict('Debian', '3.0.11~rc1-1', e), 'affected fixed=[3.0.11-1~deb12u2]');
});

test('explicit versions match without ranges; unreadable event versions are ignored', () => {
  const e = entry('PyPI', [], ['1.0', '1.1']);
  assert.equal(verdict('PyPI', '1.1', e), 'affected fixed=[]');
  assert.equal(verdict('PyPI', '1.1.0', e), 'not affected'); // listed versions are exact strings
  assert.equal(verdict('PyPI', '1.2', e), 'not affected');
  const junk = entry('npm', [[{ introduced: 'not-a-version' }, { fixed: '2.0.0' }]]);
  assert.equal(verdict('npm', '1.0.0', junk), 'not affected');
});

test('Go pre-release floors and shorthand versions', () => {
  const e = entry('Go', [[{ introduced: '0' }, { fixed: '1.21.11' }, { introduced: '1.22.0-0' }, { fixed: '1.22.4' }]], [], 'SEMVER');
  assert.equal(verdict('Go', '1.22.0-rc.1', e), 'affected fixed=[1.22.4]');
  assert.equal(verdict('Go', 'v1.21.11', e), 'not affected');
  assert.equal(verdict('Go', '1.19', e), 'affected fixed=[1.21.11]');
  assert.equal(verdict('Go', 'go1.22.3', e), 'affected fixed=[1.22.4]');
});

test('Alpine and RPM ordering inside ranges', () => {
  const apk = entry('Alpine:v3.20', [[{ introduced: '0' }, { fixed: '3.3.2-r0' }]]);
  assert.equal(verdict('Alpine', '3.3.1-r3', apk), 'affected fixed=[3.3.2-r0]');
  assert.equal(verdict('Alpine', '3.3.2_rc1-r0', apk), 'affected fixed=[3.3.2-r0]');
  assert.equal(verdict('Alpine', '3.3.2-r1', apk), 'not affected');
  const rpm = entry('Red Hat', [[{ introduced: '0' }, { fixed: '1:3.0.7-25.el9_3' }]]);
  assert.equal(verdict('Red Hat', '1:3.0.7-24.el9', rpm), 'affected fixed=[1:3.0.7-25.el9_3]');
  assert.equal(verdict('Red Hat', '1:3.0.7-25.el9_3', rpm), 'not affected');
});
