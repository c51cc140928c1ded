/**
 * Alpine apk version ordering, as apk-tools 2.x src/version.c (the rules Alpine's secdb
 * and Trivy use): digits, a letter, _suffixes (alpha < beta < pre < rc < release < cvs <
 * svn < git < hg < p) with numbers, and -rN. Written by hand: no npm package implements
 * apk's tokenizer; numbers are compared as bigint so long digit runs do not lose precision.
 */
import { invalidVersion, sign, type VersionComparator } from './comparator.ts';

const enum T {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const PRE = ['alpha', 'beta', 'pre', 'rc'];
const POST = ['cvs', 'svn', 'git', 'hg', 'p'];

interface Cursor {
  s: string;
  i: number;
  t: T;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

function nextToken(c: Cursor): void {
  let n: T = T.Invalid;
  const ch = c.s[c.i];
  if (c.i >= c.s.length) n = T.End;
  else if ((c.t === T.Digit || c.t === T.DigitOrZero) && isLower(ch)) n = T.Letter;
  else if (c.t === T.Letter && isDigit(ch)) n = T.Digit;
  else if (c.t === T.Suffix && isDigit(ch)) n = T.SuffixNo;
  else {
    if (ch === '.') n = T.DigitOrZero;
    else if (ch === '_') n = T.Suffix;
    else if (ch === '-') {
      if (c.s[c.i + 1] === 'r') {
        n = T.RevisionNo;
        c.i++;
      }
    }
    c.i++;
  }
  if (n < c.t) {
    if (!((n === T.DigitOrZero && c.t === T.Digit) || (n === T.Suffix && c.t === T.SuffixNo) || (n === T.Digit && c.t === T.Letter))) n = T.Invalid;
  }
  c.t = n;
}

function getToken(c: Cursor): bigint {
  if (c.i >= c.s.length) {
    c.t = T.End;
    return 0n;
  }
  let v = 0n;
  let len = 0;
  let nt: T = T.Invalid;
  const rest = c.s.slice(c.i);
  switch (c.t) {
    case T.DigitOrZero:
    case T.Digit:
    case T.SuffixNo:
    case T.RevisionNo: {
      if (c.t === T.DigitOrZero && rest[0] === '0') {
        while (rest[len] === '0') len++;
        nt = T.Digit;
        v = BigInt(-len);
        break;
      }
      while (isDigit(rest[len])) len++;
      v = len > 0 ? BigInt(rest.slice(0, len)) : 0n;
      break;
    }
    case T.Letter:
      v = BigInt(rest.charCodeAt(0));
      len = 1;
      break;
    case T.Suffix: {
      const pre = PRE.findIndex((p) => rest.startsWith(p));
      if (pre >= 0) {
        len = (PRE[pre] as string).length;
        v = BigInt(pre - PRE.length);
        nt = T.SuffixNo;
        break;
      }
      const post = POST.findIndex((p) => rest.startsWith(p));
      if (post >= 0) {
        len = (POST[post] as string).length;
        v = BigInt(post);
        nt = T.SuffixNo;
        break;
      }
      c.t = T.Invalid;
      return -1n;
    }
    default:
      c.t = T.Invalid;
      return -1n;
  }
  c.i += len;
  if (c.i >= c.s.length) c.t = T.End;
  else if (nt !== T.Invalid) c.t = nt;
  else nextToken(c);
  return v;
}

export function compareApk(a: string, b: string): -1 | 0 | 1 {
  if (a === '' || b === '') throw invalidVersion('apk', a === '' ? a : b, 'empty');
  const x: Cursor = { s: a, i: 0, t: T.Digit };
  const y: Cursor = { s: b, i: 0, t: T.Digit };
  let av = 0n;
  let bv = 0n;
  while (x.t === y.t && x.t !== T.End && x.t !== T.Invalid && av === bv) {
    av = getToken(x);
    bv = getToken(y);
  }
  if (av !== bv) return sign(av - bv);
  if (x.t === y.t) return 0;
  // A suffix right after a suffix ("_alpha_pre2"): step onto it so it is judged as a suffix.
  if (x.t === T.SuffixNo && !isDigit(x.s[x.i])) getToken(x);
  if (y.t === T.SuffixNo && !isDigit(y.s[y.i])) getToken(y);
  if (x.t === y.t) return 0;
  if (x.t === T.Suffix && getToken({ ...x }) < 0n) return -1;
  if (y.t === T.Suffix && getToken({ ...y }) < 0n) return 1;
  if (x.t > y.t) return -1;
  if (y.t > x.t) return 1;
  return 0;
}

/** apk-tools' apk_version_validate. */
export function isValidApk(v: string): boolean {
  if (v === '') return false;
  const c: Cursor = { s: v, i: 0, t: T.Digit };
  while (c.t !== T.End && c.t !== T.Invalid) getToken(c);
  return c.t === T.End;
}

export const apkComparator: VersionComparator = { scheme: 'apk', compare: compareApk, isValid: isValidApk };
