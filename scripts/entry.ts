// Entry point of the single-file build (dist/airlock.mjs).
import { main } from '../src/cli/main.ts';

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
