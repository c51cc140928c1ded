/**
 * OSCAL validation: schema compile time per model and version, then validation of large
 * real documents (the SP 800-53 Rev. 5 catalog, 3 MiB; FedRAMP's High resolved catalog,
 * 6 MiB) by Airlock's path (strict JSON parse with duplicate-key detection, then the
 * compiled NIST schema and error formatting) against two references measured here: the
 * same compiled Ajv function on JSON.parse output (what validation costs without the
 * hostile-input parse), and `jq empty` (a C JSON parser reading the file, parse only).
 * Also an export of one framework (three documents built and validated), and the export
 * of all six documents from an evidence store of 10,000 records holding 2,000 open
 * findings, through the built CLI (wall time, CPU time, peak RSS), against two
 * references measured here: `airlock evidence verify --payloads` on the same store (reads
 * and decrypts every record: the floor of any export from it) and the content-only export.
 * Run: node --import tsx bench/oscal.ts   (the validation part needs ../shared/data/oscal;
 * jq optional; RECORDS=N FINDINGS=N change the evidence store)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadControlResolver } from '../src/evidence/controls.ts';
import { EvidenceStore } from '../src/evidence/store.ts';
import { loadContent } from '../src/frameworks/index.ts';
import { compiledValidator, exportFramework, OSCAL_VERSIONS, parseOscalDocument, validateOscal, type OscalModel } from '../src/oscal/index.ts';
import { fillStore } from './_oscal-evidence.ts';
import { ROOT } from './_measure.ts';

const shared = join(import.meta.dirname, '..', '..', 'shared', 'data', 'oscal');
const haveShared = existsSync(shared);
const ms = (t0: number) => performance.now() - t0;
const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

// 1. Compile time: each model once per version, in a fresh process state (first use).
console.log('\nschema compile (first use in the process; cached after):');
const models: OscalModel[] = ['catalog', 'profile', 'component-definition', 'system-security-plan', 'assessment-results', 'plan-of-action-and-milestones'];
for (const v of OSCAL_VERSIONS) {
  const parts: string[] = [];
  let total = 0;
  for (const m of models) {
    const c = await compiledValidator(m, v);
    total += c.compileMs;
    parts.push(`${m} ${fmt(c.compileMs, 0)} ms`);
  }
  const t0 = performance.now();
  await compiledValidator('catalog', v);
  console.log(`  ${v}: ${parts.join(', ')}; total ${fmt(total, 0)} ms; cached lookup ${fmt(ms(t0), 3)} ms`);
}

// 2. Validation throughput on large documents.
if (!haveShared) console.log(`\nshared data not present (${shared}): validation of large documents not measured`);
const docs = !haveShared ? [] : [
  join(shared, 'nist', 'sp800-53', 'rev5', 'legacy-v5.0.1-oscal-1.0.0', 'NIST_SP-800-53_rev5_catalog.json'),
  join(shared, 'fedramp', 'oscal-foundation-fedramp-resources', 'rev5', 'json', 'FedRAMP_rev5_HIGH-baseline-resolved-profile_catalog.json'),
];
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const hasJq = spawnSync('sh', ['-c', 'command -v jq'], { stdio: 'ignore' }).status === 0;
console.log(`\nvalidation (best of ${ROUNDS}), MiB/s of file:`);
for (const file of docs) {
  const bytes = readFileSync(file);
  const mib = bytes.length / 1024 / 1024;
  const { validate } = await compiledValidator('catalog', '1.1.3');
  let ours = Infinity;
  let oursParse = Infinity;
  let refParse = Infinity;
  let refValidate = Infinity;
  let jq = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = performance.now();
    const doc = parseOscalDocument(bytes, file);
    oursParse = Math.min(oursParse, ms(t0));
    const r = await validateOscal(doc.value, doc.model, '1.1.3');
    ours = Math.min(ours, ms(t0));
    if (!r.valid) throw new Error(`${file} did not validate`);

    t0 = performance.now();
    const plain = JSON.parse(bytes.toString('utf8')) as unknown;
    refParse = Math.min(refParse, ms(t0));
    if (!validate(plain)) throw new Error('reference validation failed');
    refValidate = Math.min(refValidate, ms(t0));

    if (hasJq) {
      t0 = performance.now();
      if (spawnSync('jq', ['empty', file]).status !== 0) throw new Error('jq failed');
      jq = Math.min(jq, ms(t0));
    }
  }
  const name = file.split('/').pop() as string;
  console.log(`  ${name} (${fmt(mib, 2)} MiB):`);
  console.log(`    Airlock (strict parse + validate): ${fmt(ours, 0)} ms, ${fmt(mib / (ours / 1000))} MiB/s (strict parse ${fmt(oursParse, 0)} ms)`);
  console.log(`    reference, JSON.parse + same Ajv function: ${fmt(refValidate, 0)} ms (parse ${fmt(refParse, 0)} ms); ratio Airlock / reference ${fmt(ours / refValidate, 2)}`);
  if (hasJq) console.log(`    reference, jq empty (parse only, includes process start): ${fmt(jq, 0)} ms; ratio Airlock / jq ${fmt(ours / jq, 2)}`);
}

// 3. Export of one framework: build three documents and validate them (validators warm).
const content = await loadContent();
const out = mkdtempSync(join(tmpdir(), 'airlock-bench-oscal-'));
try {
  for (const v of OSCAL_VERSIONS) {
    let best = Infinity;
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      const r = await exportFramework({ content, framework: 'nist-800-53-r5', out: join(out, v), oscalVersion: v, producer: { name: 'Airlock', version: 'bench' }, lastModified: '2025-01-01T00:00:00Z' });
      best = Math.min(best, ms(t0));
      bytes = r.files.reduce((n, f) => n + f.bytes, 0);
    }
    console.log(`\nexport nist-800-53-r5 as ${v} (3 documents, ${fmt(bytes / 1024, 0)} KiB, validated and written): ${fmt(best, 0)} ms`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

/** Runs the built CLI in a child process: wall time, CPU time and peak RSS (bench/_rss-child.mjs). */
function airlock(args: string[], env: Record<string, string> = {}): { seconds: number; cpuSeconds: number; peakRssMiB: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', '_rss-child.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  const seconds = ms(t0) / 1000;
  if (r.status !== 0) throw new Error(`airlock ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const rss = /AIRLOCK_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  const cpu = /AIRLOCK_BENCH_CPU_US=(\d+)/.exec(r.stderr);
  return { seconds, cpuSeconds: cpu ? Number(cpu[1]) / 1e6 : NaN, peakRssMiB: rss ? Number(rss[1]) / 1024 : NaN, stdout: r.stdout };
}

// 4. Export from evidence: all six documents from a store of RECORDS records holding
//    FINDINGS open findings, through the built CLI (its own process: wall, CPU, peak RSS).
const RECORDS = Number(process.env.RECORDS ?? 10_000);
const FINDINGS = Number(process.env.FINDINGS ?? 2_000);
const work = mkdtempSync(join(tmpdir(), 'airlock-bench-oscal-evidence-'));
try {
  const passphrase = 'oscal benchmark passphrase';
  const passFile = join(work, 'passphrase');
  writeFileSync(passFile, passphrase);
  const storeDir = join(work, 'ev');
  let t0 = performance.now();
  const store = await EvidenceStore.open({ dir: storeDir, passphrase, create: true });
  const n = await fillStore(store, { root: ROOT, records: RECORDS, findings: FINDINGS, controls: await loadControlResolver(join(ROOT, 'content')) });
  await store.close();
  console.log(`\nevidence store: ${n} records appended in batches of 500 in ${fmt(ms(t0) / 1000)} s (setup, not measured below)`);
  const system = join(ROOT, 'content', 'oscal', 'system.example.yaml');
  const env = { AIRLOCK_EVIDENCE_PASSPHRASE: passphrase };
  const verify = airlock(['evidence', 'verify', '--store', storeDir, '--payloads', '--json'], env);
  const contentOnly = airlock(['oscal', 'export', '--framework', 'nist-800-53-r5', '--out', join(work, 'content'), '--json']);
  const row = (label: string, x: { seconds: number; cpuSeconds: number; peakRssMiB: number }) =>
    console.log(`  ${label}: ${fmt(x.seconds)} s wall, ${fmt(x.cpuSeconds)} s CPU, peak RSS ${fmt(x.peakRssMiB, 0)} MiB`);
  console.log(`export of six documents (nist-800-53-r5, validated and written) by the built CLI; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}:`);
  row('reference: airlock evidence verify --payloads (reads and decrypts every record)', verify);
  row('reference: content-only export (three documents)', contentOnly);
  for (const v of OSCAL_VERSIONS) {
    t0 = performance.now();
    const r = airlock(['oscal', 'export', '--framework', 'nist-800-53-r5', '--out', join(work, v), '--oscal-version', v, '--evidence', storeDir, '--passphrase-file', passFile, '--system', system, '--json']);
    const out = JSON.parse(r.stdout) as { files: { name: string; bytes: number }[]; evidence: { records: number; openVulnerabilities: number } };
    row(`OSCAL ${v}, ${out.evidence.records} records, ${out.evidence.openVulnerabilities} open findings`, r);
    console.log(`    documents: ${out.files.map((f) => `${f.name} ${fmt(f.bytes / 1024 / 1024, 1)} MiB`).join(', ')}`);
    console.log(`    ratio to evidence verify: wall ${fmt(r.seconds / verify.seconds)}, CPU ${fmt(r.cpuSeconds / verify.cpuSeconds)}; target < 10 s and < 500 MiB: ${r.seconds < 10 ? 'met' : 'NOT met'} (wall), ${r.cpuSeconds < 10 ? 'met' : 'NOT met'} (CPU), ${r.peakRssMiB < 500 ? 'met' : 'NOT met'} (memory)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
