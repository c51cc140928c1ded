// Entry point of the single-file build (dist/airlock.mjs). A worker thread started by
// src/common/threads.ts runs this same file: it runs its thread's module, not the CLI.
import { isAirlockThread, runThread } from '../src/common/threads.ts';

if (isAirlockThread()) {
  await runThread();
} else {
  // Output piped into `head` and closed early is not an error.
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
