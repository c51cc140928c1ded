/**
 * The crash test: `airlock serve` as a child process takes events from concurrent
 * clients and is killed with SIGKILL mid-ingest; restarted on the same store, it must
 * come up, and every event that had been answered 200 must be in the store (matched by
 * its unique output_fields["evt.num"]), once; `airlock evidence verify` must pass.
 * Run on the embedded PGlite store (its data folder must survive the kill) and on a
 * PostgreSQL server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EvidenceStore, type OpenStoreOptions } from '../../src/evidence/store.ts';
import { createToken } from '../../src/server/tokens.ts';
import { AIRLOCK_BIN, runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/env.ts';
import { Client, falcoEvent, falcoNumbers } from '../helpers/ingest.ts';
import { freePort } from '../helpers/net.ts';
import { startPostgres } from '../helpers/postgres-server.ts';

const PASS = 'crash test passphrase';
const ENV = { AIRLOCK_EVIDENCE_PASSPHRASE: PASS, NO_COLOR: '1' };

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function serve(t: TestContext, args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [AIRLOCK_BIN, 'serve', ...args, '--insecure-http', '--json', '--quiet'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`airlock serve did not start in 90 s: ${err}`)), 90_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`airlock serve exited (${code ?? signal}) before listening: ${err}`));
    });
  });
  return { child, url, stderr: () => err, exit };
}

async function crashRun(t: TestContext, options: OpenStoreOptions, storeArgs: string[], rounds: number): Promise<void> {
  const setup = await EvidenceStore.open(options);
  const token = (await createToken(setup.sql, { name: 'falco', scope: 'ingest' })).token;
  await setup.close();
  const port = await freePort();
  const args = [...storeArgs, '--listen', `127.0.0.1:${port}`, '--batch-wait', '2'];

  const acked = new Set<number>();
  let next = 0;
  for (let round = 1; round <= rounds; round++) {
    const server = await serve(t, args);
    const client = new Client(server.url, {}, 16);
    let killed = false;
    const before = acked.size;
    // Twelve clients: single events (Falco's http_output) and batches of 20 (JSON lines).
    const workers = Array.from({ length: 12 }, async (_, w) => {
      for (;;) {
        if (killed) return;
        const size = w % 3 === 0 ? 20 : 1;
        const nums = Array.from({ length: size }, () => next++);
        try {
          const r = size === 1
            ? await client.post('/v1/ingest/falco', token, JSON.stringify(falcoEvent(nums[0]!)))
            : await client.post('/v1/ingest/falco', token, nums.map((n) => JSON.stringify(falcoEvent(n))).join('\n'), 'application/x-ndjson');
          if (r.status === 200) for (const n of nums) acked.add(n);
          else if (r.status !== 429) throw new Error(`unexpected ${r.status}: ${r.text}`);
        } catch (e) {
          if (killed) return; // the server died under this request: not acknowledged
          throw e;
        }
      }
    });
    const started = Date.now();
    const target = 300 + Math.floor(Math.random() * 300);
    while (acked.size - before < target && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    server.child.kill('SIGKILL');
    const died = await server.exit;
    assert.equal(died.signal, 'SIGKILL');
    await Promise.all(workers);
    await client.close();
    assert.ok(acked.size - before >= target, `round ${round}: only ${acked.size - before} events were acknowledged before the kill`);
  }
  const sent = next;

  // Restart on the same store: it must open (recovery), and take events again.
  const second = await serve(t, args);
  const client2 = new Client(second.url, {}, 4);
  for (let n = 1_000_000; n < 1_000_010; n++) {
    const r = await client2.post('/v1/ingest/falco', token, JSON.stringify(falcoEvent(n)));
    assert.equal(r.status, 200, r.text);
    acked.add(n);
  }
  await client2.close();
  second.child.kill('SIGTERM');
  const stopped = await second.exit;
  assert.equal(stopped.code, 0, `graceful stop after restart: ${second.stderr()}`);

  const store = await EvidenceStore.open({ ...options, create: false });
  try {
    const stored = await falcoNumbers(store);
    const missing = [...acked].filter((n) => !stored.has(n));
    assert.deepEqual(missing, [], `acknowledged events missing after SIGKILL (${acked.size} acknowledged, ${sent} sent)`);
    for (const [n, times] of stored) assert.equal(times, 1, `event ${n} stored ${times} times`);
    t.diagnostic(`${rounds} SIGKILLs: ${sent} events sent, ${acked.size - 10} acknowledged before the kills, ${stored.size - 10} stored (the rest died in flight)`);
  } finally {
    await store.close();
  }
  const verify = await runCli(['evidence', 'verify', '--store', options.dir, ...storeArgs.filter((a, i) => a === '--db-url' || storeArgs[i - 1] === '--db-url'), '--payloads'], { env: ENV });
  assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  assert.match(verify.stdout, /^OK: /);
}

test('PGlite: three SIGKILLs mid-ingest lose no acknowledged event, and the store restarts and verifies', { timeout: 600_000 }, async (t) => {
  const dir = join(tempDir(t), 'evidence');
  await crashRun(t, { dir, passphrase: PASS, create: true }, ['--store', dir], 3);
});

test('PostgreSQL: SIGKILL mid-ingest loses no acknowledged event, and the store restarts and verifies', { timeout: 600_000 }, async (t) => {
  const pg = await startPostgres(t);
  if (!pg) return;
  const dir = join(tempDir(t), 'evidence');
  const url = pg.createDatabase('crash');
  await crashRun(t, { dir, dbUrl: url, passphrase: PASS, create: true }, ['--store', dir, '--db-url', url], 1);
});
