/** Helpers for benchmarks: time a command, and the peak RSS of a child process. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Benchmarks measure the shipped single-file build, as users run it.
if (!existsSync(join(ROOT, 'dist', 'airlock.mjs'))) {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npm run build failed');
}

export interface Timed {
  seconds: number;
  peakRssMiB: number;
  /** User + system CPU time of the process, all threads (a figure less sensitive to other load than wall time). */
  cpuSeconds: number;
  stdout: string;
}

/** Runs the airlock CLI in a child process and reports wall time and its peak RSS. */
export function airlock(args: string[], env: Record<string, string> = {}): Timed {
  const script = join(ROOT, 'bench', '_rss-child.mjs');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`airlock ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /AIRLOCK_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  const cpu = /AIRLOCK_BENCH_CPU_US=(\d+)/.exec(r.stderr);
  return { seconds, peakRssMiB: m ? Number(m[1]) / 1024 : NaN, cpuSeconds: cpu ? Number(cpu[1]) / 1e6 : NaN, stdout: r.stdout };
}

/** Runs a shell command and reports its wall time. */
export function shell(command: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${command} failed`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export const mibps = (bytes: number, s: number) => bytes / 1024 / 1024 / s;
export const fmt = (n: number, d = 2) => n.toFixed(d);
