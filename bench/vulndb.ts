/**
 * Benchmark: vuln.db build throughput and peak memory, and lookup + match speed.
 * Two builds, each by the shipped CLI (`airlock vulndb build`, dist/airlock.mjs) in a child
 * process whose peak RSS is read:
 *  - mixed: the real OSV corpora in ../shared/data/vuln/osv (osv.dev zips and samples)
 *    plus generated records in a .tar.gz, RECORDS in all (default 120k);
 *  - zip: RECORDS generated records in one .zip, the layout of osv.dev's all.zip.
 * Then the time to match a few thousand packages against the mixed DB.
 * Run: npm run bench -- vulndb (RECORDS=N to change the size).
 * Targets: >= 20k records/s, peak RSS < 400 MiB (at 500k records).
 */
import { closeSync, createWriteStream, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { VulnDb } from '../src/vulndb/db.ts';
import type { BuildReport } from '../src/vulndb/build.ts';
import { ZipWriter } from '../src/vulndb/test-archives.ts';
import { matchPackages } from '../src/scan/match/matcher.ts';
import type { Package } from '../src/scan/types.ts';
import { airlock } from './_measure.ts';

const TOTAL = Number(process.env.RECORDS ?? 120_000);
const TARGET_RATE = 20_000;
const TARGET_RSS = 400;
const shared = join(import.meta.dirname, '..', '..', 'shared', 'data', 'vuln', 'osv');
const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));

function generated(i: number): string {
  const kind = i % 3;
  const ecosystem = kind === 0 ? 'Debian:12' : kind === 1 ? 'PyPI' : 'npm';
  const name = kind === 0 ? `lib${i % 2000}` : `pkg-${i % 5000}`;
  const fixed = kind === 0 ? `1.${i % 50}.${i % 7}-1~deb12u1` : `1.${i % 50}.${i % 7}`;
  return JSON.stringify({
    id: `BENCH-${i}`,
    modified: '2026-01-01T00:00:00Z',
    published: '2025-06-01T00:00:00Z',
    aliases: [`CVE-2025-${100000 + i}`],
    summary: `Generated advisory ${i} for benchmarking the importer`,
    details: 'x'.repeat(600),
    severity: i % 2 ? [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N' }] : [],
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }], versions: kind === 1 ? ['1.0', '1.1', '1.2'] : [] }],
    references: [{ type: 'ADVISORY', url: `https://security.example/advisory/${i}` }],
  });
}

async function writeTarGz(path: string, count: number): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level: 1 }), createWriteStream(path));
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => pack.entry({ name: `gen/BENCH-${i}.json` }, generated(i), (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
}

function writeZip(path: string, count: number): void {
  const fd = openSync(path, 'w');
  try {
    const zip = new ZipWriter((b) => writeSync(fd, b));
    for (let i = 0; i < count; i++) zip.add({ name: `BENCH-${i}.json`, data: generated(i) });
    zip.finish();
  } finally {
    closeSync(fd);
  }
}

interface Run {
  records: number;
  seconds: number;
  rss: number;
  report: BuildReport;
}

function build(sources: string[], out: string): Run {
  const r = airlock(['vulndb', 'build', ...sources.flatMap((s) => ['--osv', s]), '-o', out, '--json']);
  const report = JSON.parse(r.stdout) as BuildReport;
  const records = report.sources.reduce((n, s) => n + s.records + s.bad, 0);
  return { records, seconds: r.seconds, rss: r.peakRssMiB, report };
}

function print(label: string, run: Run): void {
  const rate = run.records / run.seconds;
  for (const s of run.report.sources) console.log(`  source ${s.path}: ${s.records} records, ${s.bad} bad`);
  console.log(`${label}: ${run.records} records in ${run.seconds.toFixed(1)} s = ${Math.round(rate)} records/s (target >= ${TARGET_RATE}; ratio ${(rate / TARGET_RATE).toFixed(2)})`);
  console.log(`${label}: peak RSS ${run.rss.toFixed(0)} MiB (target < ${TARGET_RSS}; ratio ${(run.rss / TARGET_RSS).toFixed(2)})`);
}

try {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (figures scale with contention)`);
  const mixed: string[] = [];
  let real = 0;
  if (existsSync(shared)) {
    mixed.push(shared);
    real = 8_200; // the real corpora: PyPI, Go, crates.io and samples
  } else console.log('(shared OSV corpora absent: generated records only)');
  const tgz = join(dir, 'generated.tar.gz');
  await writeTarGz(tgz, Math.max(0, TOTAL - real));
  mixed.push(tgz);
  const zip = join(dir, 'all.zip');
  writeZip(zip, TOTAL);

  const out = join(dir, 'vuln.db');
  print('mixed build', build(mixed, out));
  const zipOut = join(dir, 'zip.db');
  print('zip build', build([zip], zipOut));
  rmSync(zipOut, { force: true });

  const db = VulnDb.open(out);
  const pkgs: Package[] = [];
  for (let i = 0; i < 3000; i++) {
    const deb = i % 2 === 0;
    pkgs.push({
      ecosystem: deb ? 'Debian' : 'PyPI',
      name: deb ? `lib${i % 2000}-bin` : `pkg-${i % 5000}`,
      version: deb ? `1.${i % 60}.0-1` : `1.${i % 60}`,
      purl: '',
      locations: [],
      foundBy: 'bench',
      ...(deb ? { distroRelease: '12', sourceName: `lib${i % 2000}` } : {}),
    });
  }
  const m0 = process.hrtime.bigint();
  const result = matchPackages(pkgs, db);
  const ms = Number(process.hrtime.bigint() - m0) / 1e6;
  console.log(`match: ${pkgs.length} packages -> ${result.findings.length} findings in ${ms.toFixed(0)} ms`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
