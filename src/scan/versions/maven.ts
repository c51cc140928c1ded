/**
 * Maven version ordering, as org.apache.maven.artifact.versioning.ComparableVersion:
 * items split on '.', '-' and digit/letter transitions, nested lists after '-', known
 * qualifiers (alpha < beta < milestone < rc < snapshot < "" (ga, final, release) < sp)
 * before unknown ones, trailing "null" items dropped. This is Maven 3.x's ordering, which
 * osv.dev and the published advisories' version lists follow; Maven 4 changed ".X" to
 * sort as "-X" (MNG-7644), which the tests list as a known difference. Written by hand: no npm package
 * implements ComparableVersion; numbers are compared as digit strings (unbounded).
 */
import { compareDigits, compareStrings, invalidVersion, type VersionComparator } from './comparator.ts';

type Item = { k: 'int'; v: string } | { k: 'str'; v: string } | { k: 'list'; v: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

function stringItem(value: string, followedByDigit: boolean): Item {
  let v = value;
  if (followedByDigit && v.length === 1) v = v === 'a' ? 'alpha' : v === 'b' ? 'beta' : v === 'm' ? 'milestone' : v;
  return { k: 'str', v: ALIASES[v] ?? v };
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i >= 0 ? String(i) : `${QUALIFIERS.length}-${q}`;
}

function parseItem(isDigit: boolean, buf: string): Item {
  return isDigit ? { k: 'int', v: buf.replace(/^0+/, '') || '0' } : stringItem(buf, false);
}

function isNull(item: Item): boolean {
  if (item.k === 'int') return item.v === '0';
  if (item.k === 'str') return comparableQualifier(item.v) === RELEASE_INDEX;
  return item.v.length === 0;
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i] as Item;
    if (isNull(last)) list.splice(i, 1);
    else if (last.k !== 'list') break;
  }
}

export function parseMaven(version: string): Item[] {
  if (version.trim() === '') throw invalidVersion('maven', version, 'empty');
  const s = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const stack: Item[][] = [root];
  let isDigit = false;
  let start = 0;
  const push = (): void => {
    const next: Item[] = [];
    list.push({ k: 'list', v: next });
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '.') {
      list.push(i === start ? { k: 'int', v: '0' } : parseItem(isDigit, s.slice(start, i)));
      start = i + 1;
    } else if (c === '-') {
      list.push(i === start ? { k: 'int', v: '0' } : parseItem(isDigit, s.slice(start, i)));
      start = i + 1;
      push();
    } else if (c >= '0' && c <= '9') {
      if (!isDigit && i > start) {
        list.push(stringItem(s.slice(start, i), true));
        start = i;
        push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, s.slice(start, i)));
        start = i;
        push();
      }
      isDigit = false;
    }
  }
  if (s.length > start) list.push(parseItem(isDigit, s.slice(start)));
  while (stack.length > 0) normalize(stack.pop() as Item[]);
  return root;
}

function cmp(a: Item | undefined, b: Item | undefined): -1 | 0 | 1 {
  if (a === undefined) {
    if (b === undefined) return 0;
    return (-cmp(b, undefined) || 0) as -1 | 0 | 1;
  }
  switch (a.k) {
    case 'int':
      if (b === undefined) return a.v === '0' ? 0 : 1;
      return b.k === 'int' ? compareDigits(a.v, b.v) : 1;
    case 'str':
      if (b === undefined) return compareStrings(comparableQualifier(a.v), RELEASE_INDEX);
      if (b.k === 'int' || b.k === 'list') return -1;
      return compareStrings(comparableQualifier(a.v), comparableQualifier(b.v));
    case 'list': {
      if (b === undefined) return a.v.length === 0 ? 0 : cmp(a.v[0], undefined);
      if (b.k === 'int') return -1;
      if (b.k === 'str') return 1;
      const n = Math.max(a.v.length, b.v.length);
      for (let i = 0; i < n; i++) {
        const c = cmp(a.v[i], b.v[i]);
        if (c) return c;
      }
      return 0;
    }
  }
}

export function compareMaven(a: string, b: string): -1 | 0 | 1 {
  return cmp({ k: 'list', v: parseMaven(a) }, { k: 'list', v: parseMaven(b) });
}

export const mavenComparator: VersionComparator = {
  scheme: 'maven',
  compare: compareMaven,
  isValid: (v) => v.trim() !== '' && !/\s/.test(v),
};
