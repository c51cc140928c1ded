/**
 * OSCAL validation: schema compile time per model and version, then validation of large
 * real documents (the SP 800-53 Rev. 5 catalog, 3 MiB; FedRAMP's High resolved catalog,
 * 6 MiB) by Airlock's path (strict JSON parse with duplicate-key detection, then the
 * compiled NIST schema and error formatting) against two references measured here: the
 * same compiled Ajv function on JSON.parse output (what validation costs without the
 * hostile-input parse), and `jq empty` (a C JSON parser reading the file, parse only).
 * Also an export of one framework (three documents built and validated).
 * Run: node --import tsx bench/oscal.ts   (needs ../shared/data/oscal; jq optional)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContent } from '../src/frameworks/index.ts';
import { compiledValidator, exportFramework, OSCAL_VERSIONS, parseOscalDocument, validateOscal, type OscalModel } from '../src/oscal/index.ts';

const shared = join(import.meta.dirname, '..', '..', 'shared', 'data', 'oscal');
if (!existsSync(shared)) {
  console.log(`shared data not present (${shared}); nothing to measure`);
  process.exit(0);
}
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
const docs = [
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
