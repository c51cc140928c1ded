// Runs the built CLI (dist/airlock.mjs) in this process, then reports on stderr its peak
// RSS and its CPU time (user + system), for benchmarks that report both. Peak RSS is
// VmHWM on Linux, the peak of this process's own memory (getrusage's maxRSS would also
// count the parent's memory at the time of the fork, which Linux carries across exec).
import { readFileSync } from 'node:fs';

function peakRssKb() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

await import(new URL('../dist/airlock.mjs', import.meta.url).href);
const usage = process.resourceUsage();
process.stderr.write(`AIRLOCK_BENCH_MAXRSS_KB=${peakRssKb()}\nAIRLOCK_BENCH_CPU_US=${usage.userCPUTime + usage.systemCPUTime}\n`);
