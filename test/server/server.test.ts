/**
 * The ingest server in process, over real HTTPS (a CA made with openssl), on a real
 * evidence store: embedded PGlite and a PostgreSQL server. Authentication, hostile
 * bodies, real Falco and Wazuh bodies, back-pressure (every 200 is in the store, nothing
 * of a 429 is), a failing store (503), graceful stop, and mutual TLS.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EvidenceStore, type OpenStoreOptions } from '../../src/evidence/store.ts';
import { createLogger } from '../../src/server/log.ts';
import { IngestServer, type ServerOptions } from '../../src/server/server.ts';
import { createToken, revokeToken } from '../../src/server/tokens.ts';
import { makeCa, makeClientCert } from '../helpers/certs.ts';
import { contentResolver, testdata } from '../helpers/evidence.ts';
import { tempDir } from '../helpers/env.ts';
import { Client, falcoEvent, falcoLines, falcoNumbers, wazuhAlert, type Reply } from '../helpers/ingest.ts';
import { startPostgres } from '../helpers/postgres-server.ts';

const PASS = 'server test passphrase';

interface Engine {
  name: string;
  options(t: TestContext): Promise<OpenStoreOptions | undefined>;
}

const pglite: Engine = {
  name: 'PGlite',
  options: async (t) => ({ dir: join(tempDir(t), 'evidence'), passphrase: PASS, create: true }),
};

let dbCounter = 0;
const postgres: Engine = {
  name: 'PostgreSQL',
  async options(t) {
    const pg = await startPostgres(t);
    if (!pg) return undefined;
    return { dir: join(tempDir(t), 'evidence'), dbUrl: pg.createDatabase(`server_${++dbCounter}`), passphrase: PASS, create: true };
  },
};

interface Env {
  store: EvidenceStore;
  server: IngestServer;
  client: Client;
  ingest: string;
  read: string;
  log: string[];
  certDir: string;
}

async function start(t: TestContext, engine: Engine, extra: Partial<ServerOptions> & { mtls?: boolean } = {}): Promise<Env | undefined> {
  const options = await engine.options(t);
  if (!options) return undefined;
  const store = await EvidenceStore.open(options);
  t.after(() => store.close());
  const ingest = (await createToken(store.sql, { name: 'falco', scope: 'ingest' })).token;
  const read = (await createToken(store.sql, { name: 'auditor', scope: 'read' })).token;
  const certDir = tempDir(t, 'airlock-certs-');
  const ca = makeCa(certDir);
  const log: string[] = [];
  const server = await IngestServer.start({
    store,
    controls: await contentResolver(),
    host: '127.0.0.1',
    port: 0,
    tls: { cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile), ...(extra.mtls ? { clientCa: readFileSync(ca.caFile), clientCertScope: 'ingest' as const } : {}) },
    logger: createLogger({ write: (l) => log.push(l) }),
    statsIntervalMs: 0,
    tokenRefreshMs: 100,
    ...extra,
  });
  t.after(() => server.stop());
  const clientTls = extra.mtls ? { ca: readFileSync(ca.caFile), ...clientCert(certDir) } : { ca: readFileSync(ca.caFile) };
  const client = new Client(server.url, clientTls);
  t.after(() => client.close());
  return { store, server, client, ingest, read, log, certDir };
}

function clientCert(dir: string): { cert: Buffer; key: Buffer } {
  const c = makeClientCert(dir, 'ca');
  return { cert: readFileSync(c.certFile), key: readFileSync(c.keyFile) };
}

function errorOf(r: Reply): string {
  return r.json<{ error: string }>().error;
}

test('authentication: none, malformed, unknown, revoked, expired, wrong scope', async (t) => {
  const env = await start(t, pglite);
  if (!env) return;
  const { client, store } = env;
  const body = JSON.stringify(falcoEvent(1));

  const none = await client.post('/v1/ingest/falco', undefined, body);
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="airlock"');

  const basic = await client.send('POST', '/v1/ingest/falco', { body, type: 'application/json', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
  assert.equal(basic.status, 401);
  assert.match(String(basic.headers['www-authenticate']), /error="invalid_token"/);

  const unknown = await client.post('/v1/ingest/falco', `alk_${'A'.repeat(43)}`, body);
  assert.equal(unknown.status, 401);
  assert.equal(errorOf(unknown), 'the token is not known');

  const expired = await createToken(store.sql, { name: 'old', scope: 'ingest', expiresDays: 1, now: new Date(Date.now() - 2 * 86_400_000) });
  const doomed = await createToken(store.sql, { name: 'doomed', scope: 'ingest' });
  await new Promise((r) => setTimeout(r, 300)); // the token cache refreshes every 100 ms here
  assert.equal((await client.post('/v1/ingest/falco', doomed.token, body)).status, 200);
  await revokeToken(store.sql, 'doomed');
  await new Promise((r) => setTimeout(r, 300));
  const revoked = await client.post('/v1/ingest/falco', doomed.token, body);
  assert.equal(revoked.status, 401);
  assert.equal(errorOf(revoked), 'the token is revoked');
  const exp = await client.post('/v1/ingest/falco', expired.token, body);
  assert.equal(exp.status, 401);
  assert.equal(errorOf(exp), 'the token has expired');

  const readOnIngest = await client.post('/v1/ingest/falco', env.read, body);
  assert.equal(readOnIngest.status, 403);
  assert.match(String(readOnIngest.headers['www-authenticate']), /error="insufficient_scope", scope="ingest"/);
  assert.equal((await client.send('GET', '/v1/status', { token: env.ingest })).status, 403);
  assert.equal((await client.send('GET', '/metrics', { token: env.ingest })).status, 403);
  assert.equal((await client.send('GET', '/v1/status')).status, 401);

  const status = await client.send('GET', '/v1/status', { token: env.read });
  assert.equal(status.status, 200);
  assert.equal(status.json<{ store: { records: number } }>().store.records, 1);
  assert.equal((await client.send('GET', '/healthz')).status, 200);
  assert.equal((await client.send('GET', '/readyz')).status, 200);
  const metrics = await client.send('GET', '/metrics', { token: env.read });
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.text, /^airlock_http_auth_failures_total\{reason="revoked"\} 1$/m);
  assert.match(metrics.text, /^airlock_http_auth_failures_total\{reason="expired"\} 1$/m);
  assert.match(metrics.text, /^airlock_http_auth_failures_total\{reason="scope"\} 3$/m);
  assert.match(metrics.text, /^airlock_ingest_events_accepted_total\{endpoint="falco"\} 1$/m);
  assert.equal(await store.count(), 1, 'only the one authorised event is stored');
});

test('hostile bodies: 400 with one line, 413, 415, and nothing stored', async (t) => {
  const env = await start(t, pglite, { limits: { maxBodyBytes: 512 * 1024, maxLineBytes: 64 * 1024 } });
  if (!env) return;
  const { client, ingest, store } = env;
  const lines = (s: string) => client.post('/v1/ingest/falco', ingest, s, 'application/x-ndjson');
  const cases: [string, Promise<Reply>, number, RegExp][] = [
    ['a malformed line', lines(`${JSON.stringify(falcoEvent(1))}\n{"rule": "x",\n`), 400, /^line 2: .*invalid JSON/],
    ['a huge line', lines(`${JSON.stringify(falcoEvent(1))}\n${JSON.stringify({ ...falcoEvent(2), output: 'x'.repeat(100_000) })}\n`), 400, /^line 2: \d+ bytes exceeds the line limit of 65536 bytes/],
    ['wrong types', client.post('/v1/ingest/falco', ingest, JSON.stringify({ ...falcoEvent(1), priority: 4 })), 400, /priority/],
    ['a wrong timestamp', client.post('/v1/ingest/falco', ingest, JSON.stringify({ ...falcoEvent(1), time: 'yesterday' })), 400, /time: "yesterday" is not a timestamp/],
    ['a Wazuh alert to the Falco endpoint', client.post('/v1/ingest/falco', ingest, JSON.stringify(wazuhAlert(1))), 400, /not a Falco event/],
    ['duplicate keys', client.post('/v1/ingest/falco', ingest, '{"rule":"a","rule":"b"}'), 400, /duplicate key "rule"/],
    ['a number', client.post('/v1/ingest/wazuh', ingest, '42'), 400, /expected a JSON object/],
    ['a lone surrogate in a clear field', client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(1)).replace('"worker-0"', '"worker-\\ud800"')), 400, /subject: must be valid Unicode/],
    ['an empty body', client.post('/v1/ingest/falco', ingest, ''), 400, /empty body/],
    ['an oversized body', client.post('/v1/ingest/falco', ingest, JSON.stringify({ ...falcoEvent(1), output: 'x'.repeat(600 * 1024) })), 413, /exceeds the limit of 524288 bytes/],
    ['text/plain', client.post('/v1/ingest/falco', ingest, 'Notice A shell was spawned', 'text/plain'), 415, /json_output: true/],
    ['no content type', client.send('POST', '/v1/ingest/falco', { token: ingest, body: '{}' }), 415, /no Content-Type/],
  ];
  for (const [what, reply, status, pattern] of cases) {
    const r = await reply;
    assert.equal(r.status, status, `${what}: ${r.text}`);
    const message = errorOf(r);
    assert.match(message, pattern, what);
    assert.ok(!message.includes('\n'), `${what}: one line`);
  }
  assert.equal((await client.send('GET', '/v1/ingest/falco', { token: ingest })).status, 404);
  assert.equal(await store.count(), 0);
  // A good request afterwards still works on the same connections.
  assert.equal((await lines(falcoLines(1, 3))).status, 200);
  assert.equal(await store.count(), 3);
});

for (const engine of [pglite, postgres]) {
  test(`${engine.name}: real Falco and Wazuh bodies are stored, chained and verifiable`, async (t) => {
    const env = await start(t, engine);
    if (!env) return;
    const { client, ingest, store } = env;
    const bodies: [string, string, string][] = [
      ['/v1/ingest/falco', readFileSync(testdata('falco-http-output.json'), 'utf8'), 'application/json'],
      ['/v1/ingest/falco', readFileSync(testdata('falcosidekick-webhook.json'), 'utf8'), 'application/json'],
      ['/v1/ingest/falco', readFileSync(testdata('falco-events.jsonl'), 'utf8'), 'application/x-ndjson'],
      ['/v1/ingest/wazuh', readFileSync(testdata('wazuh-alerts.jsonl'), 'utf8'), 'application/x-ndjson'],
      ['/v1/ingest/wazuh', JSON.stringify([wazuhAlert(1), wazuhAlert(2)]), 'application/json'],
    ];
    let expected = 0;
    for (const [path, body, type] of bodies) {
      const r = await client.post(path, ingest, body, type);
      assert.equal(r.status, 200, r.text);
      const ack = r.json<{ accepted: number; firstSeq: number; lastSeq: number }>();
      assert.equal(ack.firstSeq, expected + 1);
      assert.equal(ack.lastSeq, expected + ack.accepted);
      expected += ack.accepted;
    }
    assert.equal(expected, 1 + 1 + 6 + 7 + 2);
    assert.equal(await store.count(), expected);
    assert.equal(await store.count({ source: 'wazuh', kind: 'host-alert' }), 9);
    const sidekick = await store.get('2');
    assert.equal(sidekick.subject, 'k8s:payments/Pod/web-7d9f8b6c5-x2x4q');
    assert.equal((sidekick.payload as { uuid: string }).uuid, '6c9c1f6e-2c0f-4a3d-9c55-1b7b9f6f0e11');
    const first = await store.get('1');
    assert.ok(first.controls.includes('nist-800-53-r5:cm-7'), first.controls.join(' '));
    assert.ok(first.controls.some((c) => /^fstec-239:[А-Я]/.test(c)), 'controls of every framework, Cyrillic ids included');
    const report = await store.verify({ verifier: await store.checkpointVerifier(), decrypt: true });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });

  test(`${engine.name}: back-pressure: 429 with Retry-After above the mark; every 200 is stored once, nothing of a 429`, async (t) => {
    const env = await start(t, engine, { maxQueued: 40, batchMax: 20, batchWaitMs: 40 });
    if (!env) return;
    const { client, ingest, store, server } = env;
    const per = 5;
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => client.post('/v1/ingest/falco', ingest, falcoLines(i * per, per), 'application/x-ndjson').then((r) => ({ i, r }))),
    );
    const ok = replies.filter((x) => x.r.status === 200);
    const throttled = replies.filter((x) => x.r.status === 429);
    assert.equal(ok.length + throttled.length, replies.length, replies.map((x) => `${x.r.status} ${x.r.text}`).join('\n'));
    assert.ok(throttled.length > 0, 'the queue filled');
    assert.ok(ok.length > 0);
    for (const x of throttled) {
      assert.equal(x.r.headers['retry-after'], '1');
      assert.match(errorOf(x.r), /the ingest queue is full/);
    }
    const stored = await falcoNumbers(store);
    for (const x of ok) {
      for (let n = x.i * per; n < x.i * per + per; n++) assert.equal(stored.get(n), 1, `acknowledged event ${n} is stored once`);
    }
    for (const x of throttled) {
      for (let n = x.i * per; n < x.i * per + per; n++) assert.equal(stored.has(n), false, `refused event ${n} is not stored`);
    }
    assert.equal(await store.count(), ok.length * per);
    assert.equal(server.metrics.throttled.total(), throttled.length);
    assert.ok(server.metrics.batchSize.count < ok.length, 'requests were committed in groups');
    // Once drained, requests are taken again.
    assert.equal((await client.post('/v1/ingest/falco', ingest, falcoLines(10_000, per), 'application/x-ndjson')).status, 200);
  });
}

test('a request the store refuses fails alone; the requests batched with it are committed', async (t) => {
  const env = await start(t, pglite, { batchWaitMs: 100 });
  if (!env) return;
  const { client, ingest, store, server } = env;
  // The importer keeps a lone surrogate of a pod name in the subject; the store refuses it.
  const bad = JSON.stringify(falcoEvent(100)).replace('"worker-0"', '"worker-\\udc00"');
  const replies = await Promise.all([
    ...[1, 2, 3].map((n) => client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(n)))),
    client.post('/v1/ingest/falco', ingest, bad),
    ...[4, 5].map((n) => client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(n)))),
  ]);
  assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 400, 200, 200]);
  assert.match(errorOf(replies[3]!), /subject: must be valid Unicode/);
  assert.deepEqual([...(await falcoNumbers(store)).keys()].sort((a, b) => a - b), [1, 2, 3, 4, 5]);
  assert.equal(server.metrics.commitFailures.total(), 0, 'a refused draft is not a store failure');
  assert.equal(server.queue.failing, undefined);
});

test('the counters line: received, accepted, commits, queue and RSS, every interval', async (t) => {
  const env = await start(t, pglite, { statsIntervalMs: 200 });
  if (!env) return;
  assert.equal((await env.client.post('/v1/ingest/falco', env.ingest, falcoLines(1, 3), 'application/x-ndjson')).status, 200);
  await new Promise((r) => setTimeout(r, 500));
  const line = env.log.find((l) => l.includes('counters') && l.includes('accepted=3'));
  assert.ok(line, env.log.join(''));
  assert.match(line, /^airlock serve: counters seconds=0 received=3 accepted=3 rejected=0 http429=0 http503=0 commits=1 avgCommitMs=[\d.]+ queue=0 rssMiB=\d+\n$/);
});

test('a failing store: 503 with Retry-After, readyz not ready, nothing acknowledged', async (t) => {
  const env = await start(t, pglite, { batchMax: 1 });
  if (!env) return;
  const { client, ingest, store, server } = env;
  assert.equal((await client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(1)))).status, 200);
  await store.close(); // the database goes away under the server
  const rs = await Promise.all([2, 3, 4].map((n) => client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(n)))));
  assert.deepEqual(rs.map((r) => r.status), [503, 503, 503]);
  assert.match(errorOf(rs[0]!), /did not commit the events .*closed.*retry/);
  for (const r of rs) assert.ok(Number(r.headers['retry-after']) >= 1);
  assert.equal(server.metrics.commitFailures.total(), 1, 'requests queued behind the failed commit are not tried again');
  const again = await client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(3)));
  assert.equal(again.status, 503, 'refused during the back-off, before the body is read');
  assert.match(errorOf(again), /the evidence store is failing/);
  const ready = await client.send('GET', '/readyz');
  assert.equal(ready.status, 503);
  assert.equal(server.metrics.accepted.total(), 1);
  assert.ok(env.log.some((l) => /commit failed; the batch was not acknowledged/.test(l)));
});

test('graceful stop: queued requests are answered, 200s are stored, a checkpoint covers the head', async (t) => {
  const env = await start(t, pglite, { batchWaitMs: 20, batchMax: 10 });
  if (!env) return;
  const { client, ingest, store, server } = env;
  const pending = Array.from({ length: 40 }, (_, i) =>
    client.post('/v1/ingest/falco', ingest, JSON.stringify(falcoEvent(i))).then(
      (r) => ({ i, status: r.status }),
      () => ({ i, status: 0 }),
    ),
  );
  // Stop once the first events have been acknowledged (a fixed delay is too short on a
  // loaded machine): the rest are then in flight or queued behind the writer.
  for (let waited = 0; server.metrics.accepted.total() === 0 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  const summary = await server.stop();
  const results = await Promise.all(pending);
  const ok = results.filter((r) => r.status === 200);
  assert.ok(ok.length > 0);
  for (const r of results) assert.ok([200, 503, 0].includes(r.status), `request ${r.i}: ${r.status}`);
  const stored = await falcoNumbers(store);
  for (const r of ok) assert.equal(stored.get(r.i), 1);
  assert.equal(stored.size, ok.length, 'nothing stored that was not acknowledged');
  const status = await store.status();
  assert.equal(summary.checkpoint?.seq, status.headSeq);
  assert.equal(status.lastCheckpoint?.seq, status.headSeq);
  const report = await store.verify({ verifier: await store.checkpointVerifier() });
  assert.equal(report.ok, true);
});

test('mutual TLS: no client certificate, no connection; a verified certificate stands for the ingest scope', async (t) => {
  const env = await start(t, pglite, { mtls: true });
  if (!env) return;
  const { client, server, store } = env;
  const r = await client.post('/v1/ingest/falco', undefined, JSON.stringify(falcoEvent(1)));
  assert.equal(r.status, 200, r.text);
  assert.equal((await client.send('GET', '/v1/status')).status, 401, 'the certificate stands for ingest only');
  assert.equal((await client.send('GET', '/v1/status', { token: env.read })).status, 200);
  const ca = readFileSync(join(env.certDir, 'ca.crt'));
  const anonymous = new Client(server.url, { ca });
  t.after(() => anonymous.close());
  await assert.rejects(anonymous.post('/v1/ingest/falco', env.ingest, JSON.stringify(falcoEvent(2))));
  assert.equal(await store.count(), 1);
});
