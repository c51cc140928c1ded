/**
 * Ingest server figures (not a test: it prints figures and ratios). autocannon posts
 * Falco events over HTTP on loopback to `airlock serve` (the single-file build, in a
 * child process) with hash chaining and envelope encryption on, into the embedded PGlite
 * store and into a PostgreSQL server started here (fsync and synchronous_commit on, so an
 * acknowledgement is a flushed commit). Each run reports acknowledged events/s, the p99
 * latency of the answers, 429s, and the server's RSS sampled every second; then the store
 * is checked to hold exactly the acknowledged events.
 *
 * Reference, in the same script: the same autocannon load against a bare node:http
 * server that reads each body and answers 200 (the loopback HTTP ceiling of this machine).
 *
 *   npm run bench -- ingest
 *   node --import tsx bench/ingest.ts [--duration 20] [--connections 32] [--engine pglite|postgres|both] [--batch 50] [--rate 5000]
 *
 * Two kinds of run. Closed loop (the default): every connection sends its next request
 * as soon as the last is answered; the figure is the saturation throughput, and the
 * latency is the queue that connections x batch events in flight make. Open loop
 * (--rate N): N events/s are offered whatever the answers (autocannon's overallRate),
 * which is what a fleet of Falco senders does; the figure to read is the latency at
 * that rate, and whether every offered event was acknowledged.
 *
 * The flat-memory run: `node --import tsx bench/ingest.ts --duration 600 --engine pglite --batch 1 --no-reference`
 * (RSS at each minute is printed; the figure to read is the growth after the first minute).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import autocannon from 'autocannon';
import { freePort } from '../test/helpers/net.ts';
import { falcoEvent } from '../test/helpers/ingest.ts';
import { startPostgres } from '../test/helpers/postgres-server.ts';
import { fmt, ROOT } from './_measure.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const duration = Number(arg('duration', '20'));
const connections = Number(arg('connections', '32'));
const engines = arg('engine', 'both') === 'both' ? ['pglite', 'postgres'] : [arg('engine', 'pglite')];
const batches = process.argv.includes('--batch') ? [Number(arg('batch', '1'))] : [1, 50];
/**
 * Offered load in events/s (open loop: autocannon sends at this rate whatever the
 * answers, over as many connections as it needs); 0 = closed loop (each connection sends
 * its next request when the last is answered: the saturation throughput, whose latency
 * is queueing by construction, connections x batch events always in flight).
 */
const rate = Number(arg('rate', '0'));
const AIRLOCK = join(ROOT, 'dist', 'airlock.mjs');
const PASS = 'benchmark passphrase';
const ENV = { ...process.env, AIRLOCK_EVIDENCE_PASSPHRASE: PASS };

const cleanups: (() => unknown)[] = [];
// startPostgres needs only after() and skip() of a test context.
const ctx = { after: (fn: () => unknown) => cleanups.push(fn), skip: (m: string) => console.log(`skipped: ${m}`) } as unknown as TestContext;
const tmp = mkdtempSync(join(tmpdir(), 'airlock-bench-ingest-'));
cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [AIRLOCK, ...args], { env: ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`airlock ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** User + system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function waitListening(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`airlock serve exited ${code}: ${err}`)));
  });
}

interface Run {
  label: string;
  eventsPerSec: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  acked: number;
  throttled: number;
  errors: number;
  rss: number[];
  /** CPU seconds the server process used during the load. */
  cpu: number;
  stored?: number;
}

async function load(url: string, token: string | undefined, batch: number): Promise<Omit<Run, 'label' | 'rss' | 'cpu'>> {
  let n = 0;
  const body = () => {
    if (batch === 1) return JSON.stringify(falcoEvent(n++));
    const lines: string[] = [];
    for (let i = 0; i < batch; i++) lines.push(JSON.stringify(falcoEvent(n++)));
    return lines.join('\n');
  };
  const result = await autocannon({
    url,
    connections,
    duration,
    ...(rate > 0 ? { overallRate: Math.max(1, Math.round(rate / batch)) } : {}),
    requests: [
      {
        method: 'POST',
        path: '/v1/ingest/falco',
        headers: { 'content-type': batch === 1 ? 'application/json' : 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
  const ok = result['2xx'];
  const throttled = Object.entries(result.statusCodeStats ?? {}).reduce((s, [code, v]) => s + (code === '429' ? (v as { count: number }).count : 0), 0);
  return {
    eventsPerSec: (ok * batch) / duration,
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    acked: ok * batch,
    throttled,
    errors: result.errors + result.timeouts + result.non2xx - throttled,
  };
}

/** The reference: a bare node:http server reading each body and answering 200. */
async function reference(batch: number): Promise<Run> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { const c = []; q.on('data', (d) => c.push(d)); q.on('end', () => { JSON.parse(Buffer.concat(c).toString().split('\\n')[0]); s.writeHead(200, {'content-type': 'application/json'}); s.end('{"accepted":1}'); }); }).listen(${port}, '127.0.0.1', () => console.log('{"listening":1,"url":"http://127.0.0.1:${port}"}'));`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  const url = await waitListening(child);
  const rss: number[] = [];
  const timer = setInterval(() => rss.push(rssMiB(child.pid!)), 1000);
  const cpu0 = cpuSeconds(child.pid!);
  const r = await load(url, undefined, batch);
  const cpu = cpuSeconds(child.pid!) - cpu0;
  clearInterval(timer);
  child.kill('SIGKILL');
  return { label: `reference: bare node:http, ${batch === 1 ? '1 event' : `${batch} events`}/request`, ...r, rss, cpu };
}

async function serveRun(engine: string, batch: number): Promise<Run> {
  const dir = join(tmp, `${engine}-${batch}-${Date.now()}`, 'evidence');
  const storeArgs = ['--store', dir];
  if (engine === 'postgres') {
    const pg = await startPostgres(ctx);
    if (!pg) throw new Error('PostgreSQL is needed for --engine postgres');
    // The test server runs without fsync; a benchmark of acknowledged writes must not.
    pg.psql('ALTER SYSTEM SET fsync = on');
    pg.psql('ALTER SYSTEM SET synchronous_commit = on');
    pg.psql('ALTER SYSTEM SET full_page_writes = on');
    pg.psql('SELECT pg_reload_conf()');
    storeArgs.push('--db-url', pg.createDatabase(`bench_${batch}`));
  }
  cli(['evidence', 'init', ...storeArgs]);
  const token = cli(['tokens', 'create', ...storeArgs, '--name', 'bench']).trim();
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env.SERVER_NODE_FLAGS ? process.env.SERVER_NODE_FLAGS.split(' ') : []), AIRLOCK, 'serve', ...storeArgs, '--insecure-http', '--listen', `127.0.0.1:${port}`, '--json', '--quiet'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => child.kill('SIGKILL'));
  const url = await waitListening(child);
  const rss: number[] = [];
  const timer = setInterval(() => {
    rss.push(rssMiB(child.pid!));
    if (duration >= 120 && rss.length % 60 === 0) console.log(`  ${rss.length} s: RSS ${fmt(rss.at(-1)!, 0)} MiB`);
  }, 1000);
  const cpu0 = cpuSeconds(child.pid!);
  const r = await load(url, token, batch);
  const cpu = cpuSeconds(child.pid!) - cpu0;
  clearInterval(timer);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  if ((await exited) !== 0) throw new Error('airlock serve did not stop cleanly');
  const status = JSON.parse(cli(['evidence', 'status', ...storeArgs, '--json'])) as { records: number };
  return { label: `airlock serve, ${engine === 'pglite' ? 'PGlite' : 'PostgreSQL 15'}, ${batch === 1 ? '1 event' : `${batch} events`}/request`, ...r, rss, cpu, stored: status.records };
}

function print(r: Run, ref?: Run): void {
  const steady = r.rss.slice(Math.min(10, Math.floor(r.rss.length / 4)));
  const rssText = steady.length ? `RSS ${fmt(Math.min(...steady), 0)}–${fmt(Math.max(...steady), 0)} MiB (end ${fmt(r.rss.at(-1) ?? NaN, 0)})` : '';
  console.log(
    `${r.label.padEnd(48)} ${fmt(r.eventsPerSec, 0).padStart(7)} events/s ${fmt(r.requestsPerSec, 0).padStart(6)} req/s  server CPU ${fmt((r.cpu / duration) * 100, 0)}% of a core, ${fmt(r.acked / r.cpu, 0)} events per CPU-second  p50 ${fmt(r.p50, 1)} ms  p99 ${fmt(r.p99, 1)} ms  max ${fmt(r.max, 0)} ms  429s ${r.throttled}  errors ${r.errors}  ${rssText}` +
      (ref ? `  ratio ${fmt(r.eventsPerSec / ref.eventsPerSec)} of reference` : '') +
      // autocannon stops counting at the deadline: requests in flight then are stored but not counted.
      (r.stored !== undefined ? `  stored ${r.stored} >= acknowledged ${r.acked}: ${r.stored >= r.acked ? 'yes' : 'NO, ACKNOWLEDGED EVENTS MISSING'}` : ''),
  );
}

try {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average before: ${load} (${(await import('node:os')).cpus().length} cores)`);
  console.log(`${duration} s per run, ${connections} connections, ${rate > 0 ? `open loop: ${rate} events/s offered` : 'closed loop'}, loopback HTTP, chaining and encryption on`);
  for (const batch of batches) {
    // --no-reference: the long memory run needs the server's figures only.
    const ref = process.argv.includes('--no-reference') ? undefined : await reference(batch);
    if (ref) print(ref);
    for (const engine of engines) print(await serveRun(engine, batch), ref);
  }
} finally {
  for (const fn of cleanups.reverse()) await fn();
}
