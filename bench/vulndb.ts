/**
 * Benchmark: vuln.db build throughput and peak memory, and lookup + match speed.
 * Builds from the real OSV corpora in ../shared/data/vuln/osv plus generated records
 * (a .tar.gz, streamed) to reach RECORDS (default 120k), then prints records/s, peak
 * RSS and the time to match a few thousand packages. Run: node --import tsx bench/vulndb.ts
 * Targets: >= 20k records/s, peak RSS < 400 MiB.
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { buildVulnDb } from '../src/vulndb/build.ts';
import { VulnDb } from '../src/vulndb/db.ts';
import { matchPackages } from '../src/scan/match/matcher.ts';
import type { Package } from '../src/scan/types.ts';

const TOTAL = Number(process.env.RECORDS ?? 120_000);
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

async function writeGenerated(path: string, count: number): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level: 1 }), createWriteStream(path));
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => pack.entry({ name: `gen/BENCH-${i}.json` }, generated(i), (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
}

try {
  const sources: string[] = [];
  let real = 0;
  if (existsSync(shared)) {
    sources.push(shared);
    real = 8_200; // the real corpora: PyPI, Go, crates.io and samples
  } else console.log('(shared OSV corpora absent: generated records only)');
  const genPath = join(dir, 'generated.tar.gz');
  const genCount = Math.max(0, TOTAL - real);
  await writeGenerated(genPath, genCount);
  sources.push(genPath);
  const out = join(dir, 'vuln.db');
  const t0 = process.hrtime.bigint();
  const report = await buildVulnDb({ osv: sources, output: out });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const records = report.sources.reduce((n, s) => n + s.records + s.bad, 0);
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (figures scale with contention)`);
  for (const s of report.sources) console.log(`  source ${s.path}: ${s.records} records, ${s.bad} bad`);
  console.log(`build: ${records} records in ${seconds.toFixed(1)} s = ${Math.round(records / seconds)} records/s (target >= 20000; ratio ${(records / seconds / 20000).toFixed(2)})`);
  console.log(`peak RSS: ${rss.toFixed(0)} MiB (target < 400; ratio ${(rss / 400).toFixed(2)})`);

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
