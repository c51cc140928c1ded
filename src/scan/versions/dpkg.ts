/**
 * Debian version ordering ([epoch:]upstream[-revision]), as dpkg's verrevcmp in
 * lib/dpkg/version.c. Written by hand: no maintained npm package implements dpkg's rules
 * (tilde sorting before everything, letters before non-letters) exactly, and the
 * algorithm is a few dozen lines. Checked against `dpkg --compare-versions` in tests.
 */
import { compareDigits, invalidVersion, sign, type VersionComparator } from './comparator.ts';

export interface DebianVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

const UPSTREAM = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

/** Splits a Debian version; lenient like dpkg's comparison (which only warns on odd upstreams). */
export function parseDebianVersion(v: string): DebianVersion {
  const s = v.trim();
  if (s === '' || /\s/.test(s)) throw invalidVersion('dpkg', v, 'empty or contains blanks');
  let epoch = '0';
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    epoch = s.slice(0, colon);
    if (!/^[0-9]+$/.test(epoch)) throw invalidVersion('dpkg', v, 'epoch is not a number');
    if (epoch.replace(/^0+/, '').length > 10 || Number(epoch) > 2147483647) throw invalidVersion('dpkg', v, 'epoch is too big');
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (upstream === '') throw invalidVersion('dpkg', v, 'empty upstream version');
  if (dash >= 0 && revision === '') throw invalidVersion('dpkg', v, 'empty revision');
  return { epoch, upstream, revision };
}

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
export function verrevcmp(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

export function compareDebian(a: string, b: string): -1 | 0 | 1 {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  return compareDigits(x.epoch, y.epoch) || verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}

export const dpkgComparator: VersionComparator = {
  scheme: 'dpkg',
  compare: compareDebian,
  isValid(v) {
    try {
      const p = parseDebianVersion(v);
      return UPSTREAM.test(p.upstream) && (p.revision === '' || REVISION.test(p.revision)) && (p.revision !== '' || !p.upstream.includes('-'));
    } catch {
      return false;
    }
  },
};
