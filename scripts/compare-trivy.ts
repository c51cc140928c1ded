/**
 * Compares airlock's package inventory with Trivy's on a root file system, for the
 * dpkg, npm and Python packages, and lists every difference. Trivy is an external
 * binary; pass its path in TRIVY (see scripts/trivy.ts).
 *
 *   TRIVY=/path/to/trivy node --import tsx scripts/compare-trivy.ts [ROOT] [--skip DIR]...
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../src/scan/catalog.ts';
import { parsePurl } from '../src/scan/catalogers/purl.ts';
import { findTrivy, trivyRootfsArgs, trivyScratch } from './trivy.ts';

const args = process.argv.slice(2);
const root = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--skip') ?? '/';
const skip = args.flatMap((a, i) => (args[i - 1] === '--skip' ? [a] : []));
const trivy = findTrivy();
if (!trivy) {
  console.error('set TRIVY to the path of a trivy binary (see scripts/trivy.ts)');
  process.exit(2);
}

type Row = { type: string; name: string; version: string; location: string };
const TYPES = ['deb', 'npm', 'pypi'];

/**
 * Trivy merges the individually installed packages of one type (node-pkg, python-pkg)
 * into one application and drops repeats of the same name@version, so packages are
 * compared by type, name and version; the location shown is one of them.
 */
function key(r: Row): string {
  return `${r.type} ${r.name}@${r.version}`;
}

function fromPurl(purl: string, location: string): Row | undefined {
  const p = parsePurl(purl);
  if (!p || !TYPES.includes(p.type) || !p.name) return undefined;
  const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
  const epoch = p.qualifiers?.epoch;
  const version = `${epoch && epoch !== '0' ? `${epoch}:` : ''}${p.version ?? ''}`;
  return { type: p.type, name: p.type === 'pypi' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name, version, location };
}

const scratch = trivyScratch();
try {
  const out = join(scratch.cache, 'trivy.json');
  const t0 = performance.now();
  const r = spawnSync(trivy, trivyRootfsArgs(scratch.cache, root, out, skip), { stdio: ['ignore', 'inherit', 'inherit'] });
  const trivyMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`trivy exited with ${r.status}`);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { components?: { purl?: string; properties?: { name: string; value: string }[] }[] };
  const theirs = new Map<string, Row>();
  for (const c of doc.components ?? []) {
    const loc = c.properties?.find((p) => p.name === 'aquasecurity:trivy:FilePath')?.value ?? '';
    const row = c.purl ? fromPurl(c.purl, loc) : undefined;
    if (row) theirs.set(key(row), row);
  }
  const t1 = performance.now();
  const mine = await catalog(`rootfs:${root}`, { skip });
  const airlockMs = performance.now() - t1;
  const ours = new Map<string, Row>();
  for (const p of mine.packages) {
    const row = fromPurl(p.purl, p.foundBy === 'dpkg' ? '' : (p.locations[0] ?? ''));
    if (row) ours.set(key(row), row);
  }
  console.log(`root ${root}; skipped ${skip.join(', ') || '(nothing)'}`);
  console.log(`trivy ${(trivyMs / 1000).toFixed(1)} s (whole SBOM run), airlock ${(airlockMs / 1000).toFixed(1)} s (catalog)`);
  console.log('type   trivy  airlock  both  only-trivy  only-airlock  trivy-found-by-airlock  airlock-found-by-trivy');
  for (const type of TYPES) {
    const a = [...theirs.values()].filter((x) => x.type === type).map(key);
    const b = new Set([...ours.values()].filter((x) => x.type === type).map(key));
    const both = a.filter((k) => b.has(k)).length;
    const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(2)}%`);
    console.log(`${type.padEnd(6)} ${String(a.length).padStart(5)}  ${String(b.size).padStart(7)}  ${String(both).padStart(4)}  ${String(a.length - both).padStart(10)}  ${String(b.size - both).padStart(12)}  ${pct(both, a.length).padStart(22)}  ${pct(both, b.size).padStart(22)}`);
  }
  console.log('\ndifferences:');
  for (const [k, r] of theirs) if (!ours.has(k)) console.log(`  only trivy:   ${k} ${r.location}`);
  for (const [k, r] of ours) if (!theirs.has(k)) console.log(`  only airlock: ${k} ${r.location}`);
} finally {
  scratch.remove();
}
