#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's test runner (TypeScript through tsx).
// Extra arguments are passed on, e.g. `npm test -- --test-name-pattern=verify`; a path
// argument ending in .test.ts narrows the run to those files.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function find(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const args = process.argv.slice(2);
const chosen = args.filter((a) => a.endsWith('.test.ts'));
const passOn = args.filter((a) => !a.endsWith('.test.ts'));
const files = chosen.length > 0 ? chosen : [...find(join(root, 'src'), []), ...find(join(root, 'test'), [])];
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...passOn, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
