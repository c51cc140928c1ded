/**
 * `airlock evidence` end to end through the real command: ingest of every supported
 * input, all-or-nothing on bad input, exit codes, verification after tampering, and
 * `--follow` resuming after a stop and through a rotation without loss or duplicates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { AIRLOCK_BIN, runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/env.ts';

const TESTDATA = join(PROJECT_ROOT, 'src', 'evidence', 'importers', 'testdata');
const ENV = { AIRLOCK_EVIDENCE_PASSPHRASE: 'cli test passphrase' };
const cli = (args: string[], env: Record<string, string | undefined> = ENV) => runCli(args, { env });

test('ingest, list, show and verify; tampering makes verify exit 1 naming the record', async (t) => {
  const store = join(tempDir(t), 'ev');
  const inputs = ['falco-events.jsonl', 'wazuh-alerts.jsonl', 'kyverno-policyreports.json', 'airlock-scan-oci.json', 'airlock-policy-audit.json'].map((f) => join(TESTDATA, f));
  let r = await cli(['evidence', 'ingest', '--store', store, inputs[0]!]);
  assert.equal(r.code, 2, 'no store yet, and no --init');
  assert.match(r.stderr, /no evidence store here/);
  r = await cli(['evidence', 'ingest', '--init', '--store', store, '--json', ...inputs]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { records: number; files: { importer: string; records: number }[] };
  assert.deepEqual(report.files.map((f) => f.importer), ['falco', 'wazuh', 'kyverno', 'airlock-scan', 'airlock-policy']);
  assert.ok(report.files.every((f) => f.records > 0));

  r = await cli(['evidence', 'list', '--store', store, '--json', '--kind', 'runtime-alert'], {});
  assert.equal(r.code, 0, 'listing needs no passphrase');
  const listed = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; source: string; controls: string[] });
  assert.equal(listed.length, report.files[0]!.records);
  assert.ok(listed.every((h) => h.source === 'falco' && h.controls.some((c) => c.startsWith('nist-800-53-r5:si-4'))));

  r = await cli(['evidence', 'show', String(listed[0]!.seq), '--store', store], {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, /passphrase/);
  r = await cli(['evidence', 'show', String(listed[0]!.seq), '--store', store, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { source: string }).source, 'falco');

  r = await cli(['evidence', 'verify', '--store', store, '--payloads', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { ok: boolean; records: number }).records, report.records);

  const db = await PGlite.create(join(store, 'pgdata'));
  await db.exec("ALTER TABLE records DISABLE TRIGGER records_append_only; UPDATE records SET outcome = 'pass' WHERE seq = 3;");
  await db.close();
  r = await cli(['evidence', 'verify', '--store', store], {});
  assert.equal(r.code, 1);
  assert.match(r.stderr, /record 3 \([0-9a-f-]{36}\) does not match its hash \(altered\)/);
});

test('bad input stores nothing: a wrong document, a bad line; --skip-bad-lines stores the good lines', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, 'ev');
  let r = await cli(['evidence', 'init', '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ SchemaVersion: 2, Results: 'not a list' }));
  r = await cli(['evidence', 'ingest', '--store', store, join(TESTDATA, 'falco-events.jsonl'), wrong]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.split('\n')[0]!, /wrong\.json/);
  const dup = join(dir, 'dup.json');
  writeFileSync(dup, '{"SchemaVersion": 2, "SchemaVersion": 3}');
  r = await cli(['evidence', 'ingest', '--store', store, '--type', 'trivy', dup]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /dup\.json.*duplicate/i);

  const lines = readFileSync(join(TESTDATA, 'wazuh-alerts.jsonl'), 'utf8').trim().split('\n');
  const mixed = join(dir, 'alerts.json');
  writeFileSync(mixed, [lines[0], '{"timestamp": ', lines[1], 'x'.repeat(2 * 1024 * 1024), lines[2]].join('\n') + '\n');
  r = await cli(['evidence', 'ingest', '--store', store, '--type', 'wazuh', mixed]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /alerts\.json:2/);
  assert.match(r.stderr, /nothing was stored/);
  r = await cli(['evidence', 'status', '--store', store, '--json']);
  assert.equal((JSON.parse(r.stdout) as { records: number }).records, 0, 'nothing stored by the failed ingests');

  r = await cli(['evidence', 'ingest', '--store', store, '--type', 'wazuh', '--skip-bad-lines', '--json', mixed]);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { records: number; badLinesTotal: number };
  assert.equal(rep.records, 3);
  assert.equal(rep.badLinesTotal, 2);
  r = await cli(['evidence', 'list', '--store', store, '--kind', 'nonsense']);
  assert.equal(r.code, 2);
});

/** Runs `ingest --follow`, calls `during`, waits until `expected` records are stored, then stops it with SIGTERM. */
async function follow(store: string, file: string, during: () => void, expected: number): Promise<{ code: number; stored: number }> {
  const child = spawn(process.execPath, [AIRLOCK_BIN, 'evidence', 'ingest', '--store', store, '--type', 'wazuh', '--follow', file], {
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stored = () => [...err.matchAll(/stored (\d+) records/g)].reduce((n, m) => n + Number(m[1]), 0);
  await new Promise((r) => setTimeout(r, 2500));
  during();
  const deadline = Date.now() + 60_000;
  while (stored() < expected && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  assert.equal(stored(), expected, err);
  return { code, stored: Number(/stopped: (\d+) records stored/.exec(out)?.[1]) };
}

test('--follow resumes after a stop and follows a rotation: nothing lost, nothing twice', async (t) => {
  const dir = tempDir(t);
  const store = join(dir, 'ev');
  assert.equal((await cli(['evidence', 'init', '--store', store])).code, 0);
  const lines = readFileSync(join(TESTDATA, 'wazuh-alerts.jsonl'), 'utf8').trim().split('\n');
  const file = join(dir, 'alerts.json');
  writeFileSync(file, `${lines[0]}\n${lines[1]}\n`);
  let r = await follow(store, file, () => appendFileSync(file, `${lines[2]}\n`), 3);
  assert.equal(r.code, 0);
  assert.equal(r.stored, 3);
  // While stopped: two more lines, then a rotation and a new file.
  appendFileSync(file, `${lines[3]}\n${lines[4]}\n`);
  r = await follow(store, file, () => {
    renameSync(file, `${file}.1`);
    writeFileSync(file, `${lines[5]}\n`);
  }, 3);
  assert.equal(r.code, 0);
  const status = JSON.parse((await cli(['evidence', 'status', '--store', store, '--json'])).stdout) as { records: number };
  assert.equal(status.records, 6);
  const v = await cli(['evidence', 'verify', '--store', store, '--payloads']);
  assert.equal(v.code, 0, v.stderr);
});
