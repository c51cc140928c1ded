// Sources of the worker threads of the single-file build: the small ones are inlined as
// strings (see src/vulndb/parse-pool.ts), each bundled on its own so that a thread loads
// only what it runs; the threads of src/common/threads.ts are one module beside the build.
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The OSV parser thread (src/vulndb/parse-worker.ts) as one CommonJS script, for `new Worker(source, { eval: true })`. */
export async function osvParserSource() {
  const out = await build({
    entryPoints: [join(root, 'src', 'vulndb', 'parse-worker.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return out.outputFiles[0].text;
}

/**
 * How the build's ES modules are bundled: for Node, the native SQLite addon left outside
 * (it is copied beside them), and `require` defined for the CommonJS code inside.
 */
export const ESM_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['better-sqlite3'],
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
};
export const REQUIRE_SHIM = "import { createRequire as __airlockRequire } from 'node:module';\nconst require = __airlockRequire(import.meta.url);";

/**
 * The threads of src/common/threads.ts as one ES module, written beside the build as
 * dist/threads.mjs: each thread evaluates only its own module of it. ESM, so that PGlite
 * finds its WebAssembly beside the file (import.meta.url), as it does beside the CLI.
 */
export async function threadsBundle(outfile) {
  await build({
    ...ESM_BUNDLE,
    stdin: { contents: "import { runThread } from './src/common/threads.ts';\nawait runThread();\n", resolveDir: root, sourcefile: 'threads-entry.ts', loader: 'ts' },
    outfile,
    banner: { js: REQUIRE_SHIM },
  });
}
