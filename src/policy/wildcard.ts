/**
 * Kyverno's wildcard match (`ext/wildcard`, go-wildcard v1.0.3): case-sensitive, `*`
 * matches any run of characters (including none), `?` exactly one character, nothing
 * else is special. Written by hand because the glob libraries on npm treat `/`, `[`,
 * braces or dots specially, which Kyverno does not. Linear-time greedy matching with a
 * single backtrack point, so hostile patterns cannot blow up.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  const p = Array.from(pattern);
  const t = Array.from(text);
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export const hasWildcard = (s: string): boolean => s.includes('*') || s.includes('?');
