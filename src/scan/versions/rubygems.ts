/**
 * RubyGems ordering (Gem::Version#<=>): "-" means ".pre.", segments are runs of digits or
 * letters, trailing zeros of the numeric part and of the string part are dropped, a
 * string segment sorts before a number (1.0.a < 1.0). Written by hand: no npm package
 * implements Gem::Version.
 */
import { compareDigits, compareStrings, invalidVersion, type VersionComparator } from './comparator.ts';

const GEM = /^\s*[0-9][0-9A-Za-z.-]*\s*$/;

type Segment = string | { n: string };

function segments(v: string): Segment[] {
  const m = GEM.exec(v);
  if (!m || v.trim() === '') throw invalidVersion('rubygems', v);
  const s = v.trim().replace(/-/g, '.pre.');
  const segs: Segment[] = (s.match(/[0-9]+|[a-z]+/gi) ?? []).map((p) => (/^[0-9]+$/.test(p) ? { n: p } : p));
  const firstString = segs.findIndex((x) => typeof x === 'string');
  const numeric = firstString < 0 ? segs : segs.slice(0, firstString);
  const strings = firstString < 0 ? [] : segs.slice(firstString);
  const trim = (xs: Segment[]): Segment[] => {
    let end = xs.length;
    while (end > 0) {
      const last = xs[end - 1];
      if (typeof last === 'object' && /^0+$/.test(last.n)) end--;
      else break;
    }
    return xs.slice(0, end);
  };
  return [...trim(numeric), ...trim(strings)];
}

export function compareGem(a: string, b: string): -1 | 0 | 1 {
  const x = segments(a);
  const y = segments(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const l = x[i] ?? { n: '0' };
    const r = y[i] ?? { n: '0' };
    if (typeof l === 'string' && typeof r === 'string') {
      const c = compareStrings(l, r);
      if (c) return c;
    } else if (typeof l === 'string') return -1;
    else if (typeof r === 'string') return 1;
    else {
      const c = compareDigits(l.n, r.n);
      if (c) return c;
    }
  }
  return 0;
}

export const rubygemsComparator: VersionComparator = {
  scheme: 'rubygems',
  compare: compareGem,
  isValid: (v) => v.trim() !== '' && GEM.test(v),
};
