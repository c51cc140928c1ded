// Runs the built CLI (dist/airlock.mjs) in this process, then reports the process's peak
// RSS (worker threads included) on stderr for the benchmark to read. On Linux that is
// VmHWM, the peak of this process's own memory: getrusage's maxRSS would also count the
// parent's memory at the time of the fork (Linux carries it across exec).
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
process.stderr.write(`AIRLOCK_BENCH_MAXRSS_KB=${peakRssKb()}\n`);
