// Runs the built CLI (dist/airlock.mjs) in this process, then reports the process's peak
// RSS and CPU time (worker threads included) on stderr for the benchmark to read.
await import(new URL('../dist/airlock.mjs', import.meta.url).href);
const usage = process.resourceUsage();
process.stderr.write(`AIRLOCK_BENCH_MAXRSS_KB=${usage.maxRSS}\nAIRLOCK_BENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`);
