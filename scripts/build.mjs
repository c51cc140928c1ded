#!/usr/bin/env node
// Builds dist/airlock.mjs, one self-contained file that runs with `node dist/airlock.mjs`
// on a host without npm. Native addons cannot be inlined: they are copied beside it into
// dist/node_modules, where Node's resolution finds them. Also regenerates the JSON Schema
// of airlock.yaml (schemas/airlock.schema.json).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { ESM_BUNDLE, osvParserSource, REQUIRE_SHIM, threadsBundle } from './worker-sources.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
// Native packages and what they load at run time (not their install-time helpers).
const NATIVE = { 'better-sqlite3': ['bindings'], bindings: ['file-uri-to-path'], 'file-uri-to-path': [] };

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
// Worker threads' code is inlined as strings (src/vulndb/parse-pool.ts).
const define = { AIRLOCK_OSV_PARSER_SOURCE: JSON.stringify(await osvParserSource()) };
await build({
  ...ESM_BUNDLE,
  entryPoints: [join(root, 'scripts', 'entry.ts')],
  outfile: join(dist, 'airlock.mjs'),
  define,
  banner: { js: `#!/usr/bin/env node\n${REQUIRE_SHIM}` },
});

// The threads of src/common/threads.ts, beside the bundle.
await threadsBundle(join(dist, 'threads.mjs'));

// Copy each native package and its runtime dependencies beside the bundle.
const copied = new Set();
function copyPackage(name) {
  if (copied.has(name)) return;
  const src = join(root, 'node_modules', name);
  if (!existsSync(src)) return;
  copied.add(name);
  cpSync(src, join(dist, 'node_modules', name), { recursive: true, filter: (p) => !/[/\\](src|deps|test|docs)([/\\]|$)/.test(p.slice(src.length)) });
  for (const dep of NATIVE[name] ?? []) copyPackage(dep);
}
copyPackage('better-sqlite3');
// PGlite (the embedded evidence database) loads its WebAssembly and file-system image
// from beside the module that imports it: beside the bundle.
for (const f of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) cpSync(join(root, 'node_modules', '@electric-sql', 'pglite', 'dist', f), join(dist, f));
// The compliance content (framework indexes and policies) ships beside the build.
cpSync(join(root, 'content'), join(dist, 'content'), { recursive: true });

const schema = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/bundle/spec.ts').then((m) => process.stdout.write(JSON.stringify(m.bundleSpecJsonSchema(), null, 2) + '\\n'))"], { cwd: root, encoding: 'utf8' });
if (schema.status !== 0) throw new Error(schema.stderr);
mkdirSync(join(root, 'schemas'), { recursive: true });
writeFileSync(join(root, 'schemas', 'airlock.schema.json'), schema.stdout);
console.log(`built ${join('dist', 'airlock.mjs')}`);
