/**
 * Readers for the version-comparison vector tables used in tests and benchmarks: TSV with
 * `a b expected` columns (expected -1/0/1 or lt/not_lt), and "a OP b" lines.
 */
export interface Vector {
  a: string;
  b: string;
  /** -1, 0, 1; or 'lt' / 'not_lt' where only that much is asserted. */
  expected: -1 | 0 | 1 | 'lt' | 'not_lt';
  where: string;
}

export function readTsvVectors(text: string, source: string, expectedColumn = 'expected'): Vector[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const header = (lines.shift() ?? '').split('\t');
  const ai = header.indexOf('a');
  const bi = header.indexOf('b');
  const ei = header.indexOf(expectedColumn);
  const out: Vector[] = [];
  lines.forEach((line, n) => {
    const cols = line.split('\t');
    const e = cols[ei] ?? '';
    let expected: Vector['expected'];
    if (e === '-1' || e === '0' || e === '1') expected = Number(e) as -1 | 0 | 1;
    else if (e === 'lt' || e === 'not_lt') expected = e;
    else return;
    out.push({ a: cols[ai] ?? '', b: cols[bi] ?? '', expected, where: `${source}:${n + 2}` });
  });
  return out;
}

export function readOpVectors(text: string, source: string): Vector[] {
  const out: Vector[] = [];
  text.split('\n').forEach((line, n) => {
    const m = /^(\S+) ([<>=]) (\S+)$/.exec(line.trim());
    if (!m || line.startsWith('#') || line.startsWith('//')) return;
    const expected = m[2] === '<' ? -1 : m[2] === '>' ? 1 : 0;
    out.push({ a: m[1] as string, b: m[3] as string, expected, where: `${source}:${n + 1}` });
  });
  return out;
}

export function agrees(actual: -1 | 0 | 1, expected: Vector['expected']): boolean {
  if (expected === 'lt') return actual === -1;
  if (expected === 'not_lt') return actual !== -1;
  return actual === expected;
}
