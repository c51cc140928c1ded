/**
 * Packagist ordering as OSV defines it: PHP's version_compare (dev < alpha = a < beta = b
 * < RC = rc < number < pl = p; unknown words first) on the version with a leading "v"
 * dropped. This is what osv.dev evaluates Packagist ranges with. Written by hand: no npm
 * package implements version_compare.
 */
import { compareDigits, invalidVersion, sign, type VersionComparator } from './comparator.ts';

const SPECIAL: [string, number][] = [['dev', 0], ['alpha', 1], ['a', 1], ['beta', 2], ['b', 2], ['RC', 3], ['rc', 3], ['#', 4], ['pl', 5], ['p', 5]];

function special(form: string): number {
  for (const [name, order] of SPECIAL) if (form.startsWith(name)) return order;
  return -6;
}

/** PHP's php_canonicalize_version: separators become '.', digit/non-digit boundaries get one. */
function canonicalize(v: string): string {
  let out = '';
  let prev = '';
  for (const c of v) {
    const isSep = c === '-' || c === '_' || c === '+' || c === '.';
    if (isSep) {
      if (out !== '' && !out.endsWith('.')) out += '.';
    } else {
      const kind = (x: string): number => (x >= '0' && x <= '9' ? 1 : 2);
      if (prev !== '' && prev !== '.' && kind(prev) !== kind(c) && !out.endsWith('.')) out += '.';
      out += c;
    }
    prev = isSep ? '.' : c;
  }
  return out;
}

/** PHP's version_compare(a, b). */
export function phpVersionCompare(a: string, b: string): -1 | 0 | 1 {
  const pa = canonicalize(a).split('.').filter((p) => p !== '');
  const pb = canonicalize(b).split('.').filter((p) => p !== '');
  const isNum = (p: string): boolean => /^[0-9]/.test(p);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    let c: number;
    if (isNum(x) && isNum(y)) c = compareDigits(x, y);
    else if (!isNum(x) && !isNum(y)) c = special(x) - special(y);
    else if (isNum(x)) c = special('#N#') - special(y);
    else c = special(x) - special('#N#');
    if (c) return sign(c);
  }
  if (pa.length > n) {
    const x = pa[n] as string;
    return isNum(x) ? 1 : phpVersionCompare(pa.slice(n).join('.'), '#N#');
  }
  if (pb.length > n) {
    const y = pb[n] as string;
    return isNum(y) ? -1 : phpVersionCompare('#N#', pb.slice(n).join('.'));
  }
  return 0;
}

const VALID = /^\S+$/;
const stripV = (v: string): string => v.trim().replace(/^v(?=[0-9])/i, '');

function checked(v: string): string {
  if (!VALID.test(v.trim())) throw invalidVersion('composer', v);
  return stripV(v);
}

export const composerComparator: VersionComparator = {
  scheme: 'composer',
  compare: (a, b) => phpVersionCompare(checked(a), checked(b)),
  isValid: (v) => VALID.test(v.trim()),
};
