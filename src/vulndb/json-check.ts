/**
 * A fast pre-check for JSON records before JSON.parse: duplicate keys (which JSON.parse
 * would silently resolve to the last value) and nesting depth. It exists because the
 * shared strict parser (jsonc-parser's visitor) costs about ten times JSON.parse, and the
 * importer reads hundreds of thousands of records; the checks and limits are the same.
 * Strings are skipped with indexOf; only object keys are materialized. Syntax errors are
 * left to JSON.parse, which runs after this and reports them.
 */

/** The first problem found, or undefined when the document has no duplicate key and is not too deep. */
export function findJsonProblem(text: string, maxDepth: number): string | undefined {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      while (true) {
        j = text.indexOf('"', j);
        if (j < 0) return undefined; // unterminated string: JSON.parse reports it
        let k = j - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      if (expectKey) {
        const keys = stack[stack.length - 1];
        if (keys) {
          const raw = text.slice(i + 1, j);
          let key = raw;
          if (raw.includes('\\')) {
            try {
              key = JSON.parse(`"${raw}"`) as string;
            } catch {
              return undefined; // bad escape: JSON.parse reports it
            }
          }
          if (keys.has(key)) return `duplicate key ${JSON.stringify(key)}`;
          keys.add(key);
        }
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 123 || c === 91) {
      stack.push(c === 123 ? new Set() : null);
      if (stack.length > maxDepth) return `nesting deeper than ${maxDepth}`;
      expectKey = c === 123;
    } else if (c === 125 || c === 93) {
      stack.pop();
      expectKey = false;
    } else if (c === 44) {
      expectKey = stack.length > 0 && stack[stack.length - 1] !== null;
    }
    i++;
  }
  return undefined;
}
