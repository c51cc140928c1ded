// Entry point of the single-file build (dist/airlock.mjs).
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
