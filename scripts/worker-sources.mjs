// Sources of the worker threads that the single-file build inlines as strings (see
// src/vulndb/parse-pool.ts): each is bundled on its own, so that a thread loads only
// what it runs.
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
