/**
 * RPM version ordering: [epoch:]version[-release], segments compared by rpmvercmp
 * (rpmio/rpmvercmp.c) with '~' (sorts before anything) and '^' (sorts after the base,
 * before any further segment). Written by hand: the npm packages for this are
 * unmaintained or miss '^'; the algorithm is short and checked against rpm in tests.
 */
import { compareDigits, compareStrings, invalidVersion, type VersionComparator } from './comparator.ts';

export interface RpmVersion {
  epoch: string;
  version: string;
  release: string;
}

export function parseRpmVersion(v: string): RpmVersion {
  const s = v.trim();
  if (s === '') throw invalidVersion('rpm', v, 'empty');
  let epoch = '0';
  let rest = s;
  const m = /^([0-9]*):(.*)$/s.exec(s);
  if (m) {
    epoch = m[1] || '0';
    rest = m[2] ?? '';
  }
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: '' };
}

const isAlnum = (c: string): boolean => /[A-Za-z0-9]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => /[A-Za-z]/.test(c);

export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i] as string) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j] as string) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const si = i;
    const sj = j;
    const numeric = isDigit(a[i] as string);
    const test = numeric ? isDigit : isAlpha;
    while (i < a.length && test(a[i] as string)) i++;
    while (j < b.length && test(b[j] as string)) j++;
    const x = a.slice(si, i);
    const y = b.slice(sj, j);
    if (y === '') return numeric ? 1 : -1;
    const rc = numeric ? compareDigits(x, y) : compareStrings(x, y);
    if (rc) return rc;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export function compareRpm(a: string, b: string): -1 | 0 | 1 {
  const x = parseRpmVersion(a);
  const y = parseRpmVersion(b);
  // A missing release sorts before any release (a total order; rpm's dependency matching,
  // where a missing release matches any, is a range question, not an ordering one).
  return compareDigits(x.epoch, y.epoch) || rpmvercmp(x.version, y.version) || rpmvercmp(x.release, y.release);
}

export const rpmComparator: VersionComparator = {
  scheme: 'rpm',
  compare: compareRpm,
  isValid(v) {
    return /^([0-9]+:)?[A-Za-z0-9._+~^]+(-[A-Za-z0-9._+~^]+)?$/.test(v.trim());
  },
};
