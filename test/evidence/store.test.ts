/**
 * The evidence store against both engines: embedded PGlite and a real PostgreSQL 15
 * server. Tampering is done the way an attacker with database access would: disable
 * the append-only trigger and rewrite rows with SQL.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { AirlockError } from '../../src/common/errors.ts';
import { EvidenceStore, type OpenStoreOptions } from '../../src/evidence/store.ts';
import type { EvidenceDraft } from '../../src/evidence/types.ts';
import { tempDir } from '../helpers/env.ts';
import { startPostgres } from '../helpers/postgres-server.ts';

const PASS = 'evidence passphrase';
const MARKER = 'PLAINTEXT-MARKER-7f3a9c';

function draft(i: number, over: Partial<EvidenceDraft> = {}): EvidenceDraft {
  return {
    kind: 'runtime-alert',
    source: 'falco',
    subject: `host:node-${i % 3}`,
    observedAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
    outcome: 'alert',
    severity: i % 2 ? 'high' : 'medium',
    controls: ['nist-800-53-r5:si-4', 'pci-dss-4.0:10.2.1'],
    title: `Terminal shell in container ${i} ${MARKER}`,
    payload: { rule: 'Terminal shell in container', n: i, output: `${MARKER} user=root shell=bash` },
    ...over,
  };
}

interface Engine {
  name: string;
  /** Options that open a new, empty store for this engine, and a raw SQL runner for tampering. */
  setup(t: TestContext): Promise<{ options: OpenStoreOptions; sql: (q: string) => Promise<void> } | undefined>;
}

const pglite: Engine = {
  name: 'PGlite',
  async setup(t) {
    const dir = join(tempDir(t), 'evidence');
    return {
      options: { dir, passphrase: PASS, create: true, checkpointEvery: 10 },
      async sql(q: string) {
        const db = await PGlite.create(join(dir, 'pgdata'));
        try {
          await db.exec(q);
        } finally {
          await db.close();
        }
      },
    };
  },
};

let dbCounter = 0;
const postgres: Engine = {
  name: 'PostgreSQL',
  async setup(t) {
    const pg = await startPostgres(t);
    if (!pg) return undefined;
    const url = pg.createDatabase(`evidence_${++dbCounter}`);
    const name = new URL(url).pathname.slice(1);
    return {
      options: { dir: join(tempDir(t), 'evidence'), dbUrl: url, passphrase: PASS, create: true, checkpointEvery: 10 },
      async sql(q: string) {
        pg.psql(q, name);
      },
    };
  },
};

/** Filled embedded stores are copies of one made per size (a new PGlite store takes seconds). */
const pgliteTemplates = new Map<number, Promise<string>>();

async function filled(t: TestContext, engine: Engine, n = 25) {
  if (engine === pglite) {
    let template = pgliteTemplates.get(n);
    if (!template) {
      template = (async () => {
        const dir = join(mkdtempSync(join(tmpdir(), 'airlock-evidence-template-')), 'evidence');
        process.on('exit', () => rmSync(dirname(dir), { recursive: true, force: true }));
        const store = await EvidenceStore.open({ dir, passphrase: PASS, create: true, checkpointEvery: 10 });
        await store.append(Array.from({ length: n }, (_, i) => draft(i + 1)));
        await store.close();
        return dir;
      })();
      pgliteTemplates.set(n, template);
    }
    const env = await pglite.setup(t);
    if (!env) return undefined;
    cpSync(await template, env.options.dir, { recursive: true });
    return env;
  }
  const env = await engine.setup(t);
  if (!env) return undefined;
  const store = await EvidenceStore.open(env.options);
  await store.append(Array.from({ length: n }, (_, i) => draft(i + 1)));
  await store.close();
  return env;
}

async function verifyReport(options: OpenStoreOptions, decrypt = false) {
  const store = await EvidenceStore.open({ ...options, create: false, passphrase: decrypt ? options.passphrase : undefined });
  try {
    return await store.verify({ verifier: await store.checkpointVerifier(), decrypt });
  } finally {
    await store.close();
  }
}

const UNLOCKED = 'ALTER TABLE records DISABLE TRIGGER records_append_only;';

for (const engine of [pglite, postgres]) {
  test(`${engine.name}: records round-trip, are chained, checkpointed and verified`, async (t) => {
    const env = await engine.setup(t);
    if (!env) return;
    const store = await EvidenceStore.open(env.options);
    const headers = await store.append(Array.from({ length: 25 }, (_, i) => draft(i + 1)));
    assert.deepEqual(headers.map((h) => h.seq), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.equal(headers[1]!.prevHash, headers[0]!.recordHash);
    const more = await store.append([draft(26, { kind: 'host-alert', source: 'wazuh', controls: ['soc2:CC7.2'] })]);
    assert.equal(more[0]!.seq, 26);
    assert.equal(more[0]!.prevHash, headers[24]!.recordHash);

    const rec = await store.get('26');
    assert.equal(rec.source, 'wazuh');
    assert.deepEqual(rec.payload, draft(26).payload);
    assert.equal((await store.get(rec.id)).seq, 26);
    assert.equal(await store.count({ control: 'soc2' }), 1);
    assert.equal(await store.count({ control: 'nist-800-53-r5:si-4' }), 25);
    assert.equal(await store.count({ kind: 'runtime-alert', from: '2026-11-01T00:00:10Z', to: '2026-11-01T00:00:19Z' }), 10);
    const listed = [];
    for await (const h of store.headers({ subject: 'host:node-1', limit: 5 })) listed.push(h.seq);
    assert.deepEqual(listed, [1, 4, 7, 10, 13]);
    const status = await store.status();
    assert.equal(status.records, 26);
    assert.equal(status.lastCheckpoint?.seq, 25, 'checkpoints are due every 10 records and taken after the batch that reaches them');
    await store.close();

    const report = await verifyReport(env.options, true);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.records, 26);
    assert.equal(report.payloadsChecked, true);
    assert.equal(report.checkpoints.latestSeq, 26, 'close signs a checkpoint of the head');
    assert.equal(report.uncheckpointed, 0);
  });

  test(`${engine.name}: an altered record is named, even with its hash recomputed`, async (t) => {
    const env = await filled(t, engine);
    if (!env) return;
    await env.sql(`${UNLOCKED} UPDATE records SET subject = 'host:elsewhere' WHERE seq = 7;`);
    let r = await verifyReport(env.options);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.kind, 'altered');
    assert.equal(r.problems[0]?.seq, 7);
    assert.match(r.problems[0]!.message, /record 7 .* does not match its hash/);

    // An attacker who also recomputes record 7's hash is caught by record 8's link.
    const env2 = await filled(t, engine);
    if (!env2) return;
    const store = await EvidenceStore.open({ ...env2.options, create: false });
    const rows = [];
    for await (const row of store.rows({ limit: 7 })) rows.push(row);
    await store.close();
    const { recordHashOf } = await import('../../src/evidence/chain.ts');
    const r7 = rows[6]!;
    const { recordHash: _, ...h } = r7.header;
    const forged = recordHashOf({ ...h, subject: 'host:elsewhere' }, r7);
    await env2.sql(`${UNLOCKED} UPDATE records SET subject = 'host:elsewhere', record_hash = '${forged}' WHERE seq = 7;`);
    r = await verifyReport(env2.options);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.kind, 'altered');
    assert.equal(r.problems[0]?.seq, 7);
    assert.match(r.problems[0]!.message, /rewritten/);
  });

  test(`${engine.name}: removed records are found, in the middle and at the tail`, async (t) => {
    const env = await filled(t, engine);
    if (!env) return;
    await env.sql(`${UNLOCKED} DELETE FROM records WHERE seq IN (12, 13);`);
    let r = await verifyReport(env.options);
    assert.equal(r.problems[0]?.kind, 'removed');
    assert.equal(r.problems[0]?.seq, 12);
    assert.match(r.problems[0]!.message, /records 12–13 are missing/);

    const env2 = await filled(t, engine);
    if (!env2) return;
    await env2.sql(`${UNLOCKED} DELETE FROM records WHERE seq > 22;`);
    r = await verifyReport(env2.options);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.kind, 'removed');
    assert.equal(r.problems[0]?.seq, 23, 'the signed checkpoint of record 25 shows the tail is gone');
  });

  test(`${engine.name}: reordered records are found`, async (t) => {
    const env = await filled(t, engine);
    if (!env) return;
    await env.sql(`${UNLOCKED} UPDATE records SET seq = -5 WHERE seq = 5; UPDATE records SET seq = 5 WHERE seq = 6; UPDATE records SET seq = 6 WHERE seq = -5;`);
    const r = await verifyReport(env.options);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.kind, 'reordered');
    assert.equal(r.problems[0]?.seq, 5);
    assert.match(r.problems[0]!.message, /belongs at position 6/);
  });

  test(`${engine.name}: a payload moved between records or altered does not open`, async (t) => {
    const env = await filled(t, engine);
    if (!env) return;
    // Swap ciphertexts and ivs and fix both records' hashes: only decryption can tell.
    await env.sql(`${UNLOCKED} UPDATE records SET ciphertext = (SELECT ciphertext FROM records WHERE seq = 4), iv = (SELECT iv FROM records WHERE seq = 4) WHERE seq = 3;`);
    const r = await verifyReport(env.options, true);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.seq, 3);
    assert.equal(r.problems[0]?.kind, 'altered');
  });

  test(`${engine.name}: a forged checkpoint is refused`, async (t) => {
    const env = await filled(t, engine);
    if (!env) return;
    await env.sql(`UPDATE checkpoints SET statement = replace(statement, '"seq":25', '"seq":24'), seq = 24, head_hash = (SELECT record_hash FROM records WHERE seq = 24) WHERE seq = 25;`);
    const r = await verifyReport(env.options);
    assert.equal(r.ok, false);
    assert.equal(r.problems.find((p) => p.kind === 'checkpoint')?.seq, 24);
    assert.match(r.problems.find((p) => p.kind === 'checkpoint')!.message, /signature does not match/);
  });
}

test('PGlite: no payload or title is written in clear text, and the files show no marker', async (t) => {
  const env = await pglite.setup(t);
  if (!env) return;
  const store = await EvidenceStore.open(env.options);
  await store.append(Array.from({ length: 200 }, (_, i) => draft(i)));
  await store.close();
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (readFileSync(p).includes(MARKER)) hits.push(p);
    }
  };
  walk(env.options.dir);
  assert.deepEqual(hits, []);
});

test('PostgreSQL: no payload or title is in the database in clear text', async (t) => {
  const pg = await startPostgres(t);
  if (!pg) return;
  const dir = join(tempDir(t), 'evidence');
  const store = await EvidenceStore.open({ dir, dbUrl: pg.url, passphrase: PASS, create: true });
  await store.append(Array.from({ length: 50 }, (_, i) => draft(i)));
  await store.close();
  const dump = pg.psql("SELECT string_agg(t::text, '\n') FROM records t");
  assert.ok(dump.includes('falco'), 'the dump has the clear header columns');
  assert.equal(dump.includes(MARKER), false);
  // The bytes on disk too: the data folder is the server's, searched through SQL for escape-encoded bytea.
  assert.equal(pg.psql(`SELECT count(*) FROM records WHERE position(convert_to('${MARKER}', 'UTF8') in ciphertext) > 0`).trim(), '0');
});

test('PostgreSQL over TLS with a private CA, and concurrent writers keep one chain', async (t) => {
  const pg = await startPostgres(t, { tls: true });
  if (!pg) return;
  const dir = join(tempDir(t), 'evidence');
  const opts: OpenStoreOptions = { dir, dbUrl: pg.url, tls: { caFile: pg.caFile }, passphrase: PASS, create: true };
  const a = await EvidenceStore.open(opts);
  const b = await EvidenceStore.open({ ...opts, create: false });
  await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => a.append(Array.from({ length: 20 }, (_, j) => draft(i * 20 + j)))),
    ...Array.from({ length: 10 }, (_, i) => b.append(Array.from({ length: 20 }, (_, j) => draft(1000 + i * 20 + j)))),
  ]);
  await a.close();
  await b.close();
  const r = await verifyReport(opts, true);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.records, 400);
  await assert.rejects(EvidenceStore.open({ ...opts, tls: {}, dbUrl: pg.url, create: false }), (e: unknown) => e instanceof AirlockError && /cannot connect/.test(e.message));
});

test('bad drafts reject the whole batch and write nothing', async (t) => {
  const env = await pglite.setup(t);
  if (!env) return;
  const store = await EvidenceStore.open(env.options);
  await store.append([draft(1)]);
  const bad: unknown[] = [
    { ...draft(2), kind: 'nonsense' },
    { ...draft(2), subject: 'x'.repeat(2000) },
    { ...draft(2), title: 'two\nlines' },
    { ...draft(2), observedAt: 'yesterday' },
    { ...draft(2), controls: ['no-colon'] },
    { ...draft(2), extra: 1 },
    { ...draft(2), payload: { big: 'x'.repeat(5 * 1024 * 1024) } },
  ];
  for (const b of bad) {
    await assert.rejects(store.append([draft(3), b], 'batch.json'), (e: unknown) => e instanceof AirlockError && e.code === 'BAD_INPUT' && /batch\.json record 2/.test(e.message));
  }
  assert.equal(await store.count(), 1);
  await store.close();
});

test('keys: a wrong passphrase is refused; without one the chain verifies but nothing is written or read', async (t) => {
  const env = await filled(t, pglite, 5);
  if (!env) return;
  await assert.rejects(EvidenceStore.open({ ...env.options, passphrase: 'not the passphrase' }), (e: unknown) => e instanceof AirlockError && e.code === 'VERIFY_FAILED' && /wrong passphrase/.test(e.message));
  const ro = await EvidenceStore.open({ ...env.options, passphrase: undefined });
  assert.equal(ro.writable, false);
  await assert.rejects(ro.append([draft(9)]), /needs the store's passphrase/);
  await assert.rejects(ro.get('1'), /needs the store's passphrase/);
  const r = await ro.verify({ verifier: await ro.checkpointVerifier() });
  assert.equal(r.ok, true);
  await ro.close();
});

test('the embedded store is locked while open, and refuses a non-store folder', async (t) => {
  const env = await pglite.setup(t);
  if (!env) return;
  const store = await EvidenceStore.open(env.options);
  await assert.rejects(EvidenceStore.open({ ...env.options, create: false }), (e: unknown) => e instanceof AirlockError && e.code === 'LOCKED');
  await store.close();
  const other = tempDir(t);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(other, 'notes.txt'), 'hello');
  await assert.rejects(EvidenceStore.open({ dir: other, passphrase: PASS, create: true }), /not an evidence store, and not empty/);
  await assert.rejects(EvidenceStore.open({ dir: join(other, 'absent'), passphrase: PASS }), (e: unknown) => e instanceof AirlockError && e.code === 'NOT_FOUND');
});
