#!/usr/bin/env node
// Development entry point: runs the TypeScript sources through tsx.
// The self-contained build for hosts without npm is dist/airlock.mjs (`npm run build`).
import { register } from 'tsx/esm/api';

register();

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
