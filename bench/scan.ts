/**
 * Benchmark: `airlock scan rootfs:ROOT --db vuln.db` against Trivy's SBOM-only run
 * (`trivy rootfs --format cyclonedx ROOT`, no vulnerability DB) on the same tree, timed
 * in the same script, alternating, after one untimed run of each (so both read from a
 * warm page cache).
 *
 * The DB is built first by the shipped CLI from the real OSV corpora in
 * ../shared/data/vuln/osv, advisories generated for the source packages installed in
 * ROOT (var/lib/dpkg/status: some fixed below the installed version, some above, some
 * unfixed) and generated filler (Debian, PyPI, npm) to reach RECORDS in all.
 *
 *   TRIVY=/path/to/trivy npm run bench -- scan
 *
 * ROOT (default /), RECORDS (default 120000), RUNS (default 3), DB (a vuln.db to use
 * instead of building one; SAVE_DB=FILE keeps the one built). Without TRIVY (see
 * scripts/trivy.ts) the ratio is skipped with a message.
 * Targets: wall time < 3 s on a host with 700+ dpkg packages, and no slower than Trivy;
 * peak RSS < 300 MiB.
 */
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { parseDpkgStatus } from '../src/scan/catalogers/dpkg.ts';
import { findTrivy, trivyRootfsArgs, trivyScratch } from '../scripts/trivy.ts';
import { spawnSync } from 'node:child_process';
import { airlock, fmt } from './_measure.ts';

const ROOT = process.env.ROOT ?? '/';
const TOTAL = Number(process.env.RECORDS ?? 120_000);
const RUNS = Math.max(1, Number(process.env.RUNS ?? 3));
const TARGET_SECONDS = 3;
const TARGET_RSS = 300;
const shared = join(import.meta.dirname, '..', '..', 'shared', 'data', 'vuln', 'osv');
const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-scan-'));

/** Installed source packages and their versions, read from ROOT's dpkg status. */
function installedSources(): { name: string; version: string }[] {
  const status = join(ROOT, 'var/lib/dpkg/status');
  if (!existsSync(status)) return [];
  const seen = new Map<string, string>();
  for (const e of parseDpkgStatus(readFileSync(status, 'utf8'), status)) seen.set(e.sourceName, e.sourceVersion);
  return [...seen].map(([name, version]) => ({ name, version }));
}

function record(id: string, ecosystem: string, name: string, events: Record<string, string>[], i: number): string {
  return JSON.stringify({
    id,
    modified: '2026-01-01T00:00:00Z',
    published: '2025-06-01T00:00:00Z',
    aliases: [`CVE-2025-${100000 + i}`],
    summary: `Generated advisory ${i} for benchmarking the scanner`,
    details: 'x'.repeat(600),
    severity: i % 2 ? [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N' }] : [],
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
    references: [{ type: 'ADVISORY', url: `https://security.example/advisory/${i}` }],
  });
}

/** Record i of `count`: the first ones for installed source packages, then filler. */
function* records(count: number, installed: { name: string; version: string }[]): Generator<string> {
  let i = 0;
  // Three per installed source package: fixed below (no finding), fixed above, unfixed.
  for (const p of installed) {
    if (i + 3 > count) break;
    yield record(`BENCH-${i}`, 'Debian:12', p.name, [{ introduced: '0' }, { fixed: '0:0.0.1-1' }], i++);
    yield record(`BENCH-${i}`, 'Debian:12', p.name, [{ introduced: '0' }, { fixed: `${p.version}+bench1` }], i++);
    yield record(`BENCH-${i}`, 'Debian:12', p.name, [{ introduced: '0' }], i++);
  }
  for (; i < count; i++) {
    const kind = i % 3;
    const ecosystem = kind === 0 ? 'Debian:12' : kind === 1 ? 'PyPI' : 'npm';
    const name = kind === 0 ? `lib${i % 2000}` : `pkg-${i % 5000}`;
    const fixed = kind === 0 ? `1.${i % 50}.${i % 7}-1~deb12u1` : `1.${i % 50}.${i % 7}`;
    yield record(`BENCH-${i}`, ecosystem, name, [{ introduced: '0' }, { fixed }], i);
  }
}

async function writeRecords(path: string, count: number, installed: { name: string; version: string }[]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level: 1 }), createWriteStream(path));
  let i = 0;
  for (const text of records(count, installed)) {
    const name = `gen/BENCH-${i++}.json`;
    await new Promise<void>((resolve, reject) => pack.entry({ name }, text, (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs Trivy and returns its wall time and CPU time (user + system, from the shell's `times`). */
function runTrivy(command: string): { seconds: number; cpuSeconds: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', `${command} >/dev/null && times`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${command} failed`);
  // times: the shell's own user/system line, then its children's ("0m12.345s 0m1.234s").
  const child = r.stdout.trim().split('\n').pop() ?? '';
  const cpuSeconds = [...child.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
  return { seconds, cpuSeconds };
}

const scratch = trivyScratch();
try {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (figures scale with contention)`);
  const db = process.env.DB ?? join(dir, 'vuln.db');
  if (process.env.DB) console.log(`DB: ${db} (given)`);
  else {
    const sources: string[] = [];
    let real = 0;
    if (existsSync(shared)) {
      sources.push(shared);
      real = 8_200; // the real corpora: PyPI, Go, crates.io and samples
    } else console.log('(shared OSV corpora absent: generated records only)');
    const installed = installedSources();
    const gen = join(dir, 'generated.tar.gz');
    await writeRecords(gen, Math.max(0, TOTAL - real), installed);
    sources.push(gen);
    const built = airlock(['vulndb', 'build', ...sources.flatMap((s) => ['--osv', s]), '-o', db, '--json']);
    const report = JSON.parse(built.stdout) as { advisories: number };
    console.log(`DB: ${report.advisories} advisories (${installed.length} installed Debian source packages with 3 each), built in ${fmt(built.seconds, 1)} s`);
    if (process.env.SAVE_DB) copyFileSync(db, process.env.SAVE_DB);
  }

  const trivy = findTrivy();
  const out = join(dir, 'report.json');
  const scanArgs = ['scan', `rootfs:${ROOT}`, '--db', db, '--format', 'json', '-o', out];
  const trivyCmd = trivy ? [trivy, ...trivyRootfsArgs(scratch.cache, ROOT, join(dir, 'trivy.cdx.json'))].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ') : undefined;
  // One untimed run of each: the page cache then holds the tree for both.
  airlock(scanArgs);
  if (trivyCmd) runTrivy(trivyCmd);
  const ours: number[] = [];
  const ourCpu: number[] = [];
  const rss: number[] = [];
  const theirs: number[] = [];
  const theirCpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const a = airlock(scanArgs);
    ours.push(a.seconds);
    ourCpu.push(a.cpuSeconds);
    rss.push(a.peakRssMiB);
    if (trivyCmd) {
      const t = runTrivy(trivyCmd);
      theirs.push(t.seconds);
      theirCpu.push(t.cpuSeconds);
    }
  }
  const result = JSON.parse(readFileSync(out, 'utf8')) as { summary: { packages: number; findings: number } };
  const a = median(ours);
  const peak = Math.max(...rss);
  console.log(`airlock scan rootfs:${ROOT}: ${result.summary.packages} packages, ${result.summary.findings} findings`);
  console.log(`  wall time: median ${fmt(a)} s of ${RUNS} (${ours.map((s) => fmt(s)).join(', ')}) (target < ${TARGET_SECONDS} s; ratio ${fmt(a / TARGET_SECONDS)})`);
  console.log(`  CPU time (user + system, all threads): median ${fmt(median(ourCpu))} s`);
  console.log(`  peak RSS: ${fmt(peak, 0)} MiB (target < ${TARGET_RSS}; ratio ${fmt(peak / TARGET_RSS)})`);
  if (trivyCmd) {
    const t = median(theirs);
    console.log(`trivy rootfs --format cyclonedx ${ROOT} (SBOM only, no DB): median ${fmt(t)} s (${theirs.map((s) => fmt(s)).join(', ')}), CPU time median ${fmt(median(theirCpu))} s`);
    console.log(`  ratio airlock / trivy: ${fmt(a / t)} wall time (target <= 1), ${fmt(median(ourCpu) / median(theirCpu))} CPU time`);
  } else {
    console.log('trivy: not found (set TRIVY to the path of a trivy binary, see scripts/trivy.ts); no ratio');
  }
} finally {
  scratch.remove();
  rmSync(dir, { recursive: true, force: true });
}
