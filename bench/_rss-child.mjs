// Runs the built CLI (dist/airlock.mjs) in this process, then reports the process's peak
// RSS (worker threads included) on stderr for the benchmark to read.
await import(new URL('../dist/airlock.mjs', import.meta.url).href);
process.stderr.write(`AIRLOCK_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
