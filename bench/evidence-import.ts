/**
 * Import throughput of JSON-lines evidence (Wazuh alerts.json, Falco events): 50,000
 * lines made from the importer fixtures (ids and times varied), read three ways in the
 * same process:
 *   reference  node:readline + JSON.parse (no size bound, no duplicate-key check, no validation)
 *   reader     readJsonLinesFile (bounded lines, strict JSON)
 *   import     importFile (reader + zod validation + bounded payload + control resolution)
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadControlResolver } from '../src/evidence/controls.ts';
import { importFile } from '../src/evidence/readers/import-file.ts';
import { readJsonLinesFile } from '../src/evidence/readers/json-lines.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LINES = 50_000;
const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-evidence-'));
const controls = await loadControlResolver(join(ROOT, 'content'));

function fixtureLines(name: string): Record<string, unknown>[] {
  return readFileSync(join(ROOT, 'src/evidence/importers/testdata', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function makeFile(name: string, vary: (base: Record<string, unknown>, i: number) => Record<string, unknown>): string {
  const base = fixtureLines(name);
  const out: string[] = [];
  for (let i = 0; i < LINES; i++) out.push(JSON.stringify(vary(base[i % base.length]!, i)));
  const path = join(dir, name);
  writeFileSync(path, out.join('\n') + '\n');
  return path;
}

const t = (ms: number): string => new Date(Date.UTC(2026, 10, 20, 0, 0, 0, 0) + ms).toISOString();
const wazuh = makeFile('wazuh-alerts.jsonl', (a, i) => ({ ...a, id: `1795174532.${i}`, timestamp: t(i * 10).replace('Z', '+0000') }));
const falco = makeFile('falco-events.jsonl', (e, i) => ({ ...e, time: t(i * 10) }));

async function time(fn: () => Promise<number>): Promise<{ s: number; n: number }> {
  const t0 = process.hrtime.bigint();
  const n = await fn();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, n };
}

async function reference(path: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.trim() !== '') {
      JSON.parse(line);
      n++;
    }
  }
  return n;
}

async function reader(path: string): Promise<number> {
  let n = 0;
  for await (const l of readJsonLinesFile(path)) if ('value' in l) n++;
  return n;
}

async function imported(path: string, type: string): Promise<number> {
  let n = 0;
  for await (const e of importFile(path, type, { now: () => new Date(), controls })) {
    if ('error' in e) throw e.error;
    n += e.drafts.length;
  }
  return n;
}

for (const [path, type] of [
  [wazuh, 'wazuh'],
  [falco, 'falco'],
] as const) {
  const mib = statSync(path).size / 1024 / 1024;
  await reference(path); // warm the page cache and the JIT
  const ref = await time(() => reference(path));
  const rd = await time(() => reader(path));
  const im = await time(() => imported(path, type));
  for (const r of [ref, rd, im]) if (r.n !== LINES) throw new Error(`${type}: ${r.n} of ${LINES} lines`);
  const row = (label: string, r: { s: number }): string =>
    `  ${label.padEnd(10)} ${(LINES / r.s).toFixed(0).padStart(8)} lines/s  ${(mib / r.s).toFixed(1).padStart(6)} MiB/s  ${(r.s / ref.s).toFixed(2)}x reference time`;
  console.log(`${type}: ${LINES} lines, ${mib.toFixed(1)} MiB`);
  console.log(row('reference', ref));
  console.log(row('reader', rd));
  console.log(row('import', im));
}
rmSync(dir, { recursive: true, force: true });
