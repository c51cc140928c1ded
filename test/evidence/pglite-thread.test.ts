/**
 * The embedded engine on a thread of its own (src/evidence/db/pglite-thread.ts): the
 * same answers as in this thread; a transaction holds the session (a statement sent
 * meanwhile waits and does not run inside it); a failed transaction is rolled back; an
 * engine error comes back as an error with the engine's message; a batch appended there
 * in one message chains as it does here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { appendChained, headersOf, type SealedRecord } from '../../src/evidence/append.ts';
import { recordHashOf } from '../../src/evidence/chain.ts';
import { migrate } from '../../src/evidence/db/migrations.ts';
import { openPglite } from '../../src/evidence/db/pglite-client.ts';
import { openPgliteThread } from '../../src/evidence/db/pglite-thread.ts';
import { asNumber } from '../../src/evidence/db/sql-client.ts';
import { tempDir } from '../helpers/env.ts';

test('statements, transactions and errors on the engine thread', async (t) => {
  const db = await openPgliteThread(join(tempDir(t), 'pgdata'));
  try {
    await db.exec('CREATE TABLE t (n integer PRIMARY KEY, b bytea, j jsonb)');
    await db.query('INSERT INTO t VALUES ($1, $2, $3)', [1, Buffer.from([0, 1, 255]), JSON.stringify({ a: 'é' })]);
    const rows = await db.query<{ n: unknown; b: Uint8Array; j: unknown }>('SELECT n, b, j FROM t');
    assert.equal(asNumber(rows[0]!.n), 1);
    assert.deepEqual([...rows[0]!.b], [0, 1, 255]);
    assert.deepEqual(rows[0]!.j, { a: 'é' });

    // A statement sent while a transaction is open waits for it, and sees only what it committed.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (x) => {
      await x.query('INSERT INTO t (n) VALUES (2)');
      await gate;
      await x.query('INSERT INTO t (n) VALUES (3)');
    });
    const outside = db.query<{ c: unknown }>('SELECT count(*) AS c FROM t');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await tx;
    assert.equal(asNumber((await outside)[0]!.c), 3);

    // A failing transaction leaves nothing behind; the engine's message comes back.
    await assert.rejects(
      db.transaction(async (x) => {
        await x.query('INSERT INTO t (n) VALUES (4)');
        await x.query('INSERT INTO t (n) VALUES (1)');
      }),
      /duplicate key/,
    );
    assert.equal(asNumber((await db.query<{ c: unknown }>('SELECT count(*) AS c FROM t'))[0]!.c), 3);
    // One line: the thread's stack travels beside the message (for --debug), not in it.
    await assert.rejects(db.query('SELECT * FROM no_such_table'), (e: Error) => /no_such_table/.test(e.message) && !e.message.includes('\n') && typeof e.stack === 'string');
    // The session is usable after the errors.
    assert.equal(asNumber((await db.query<{ n: unknown }>('SELECT max(n) AS n FROM t'))[0]!.n), 3);
  } finally {
    await db.close();
  }
  await assert.rejects(db.query('SELECT 1'), /stopped|closed/);
});

test('a batch appended on the engine thread chains exactly as one appended here', async (t) => {
  const sealed = (i: number): SealedRecord => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    kind: 'runtime-alert',
    source: 'falco',
    subject: `host:node-${i}\tтест\\`,
    observedAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
    outcome: 'alert',
    severity: 'high',
    controls: ['nist-800-53-r5:si-4', 'pci-dss-4.0:10.2.1'],
    contentHash: `sha256:${String(i).padStart(64, '0')}`,
    dekId: 1,
    iv: Buffer.alloc(12, i),
    ciphertext: Buffer.alloc(200 + i, i),
  });
  const records = Array.from({ length: 300 }, (_, i) => sealed(i + 1));
  const prepare = async (db: Awaited<ReturnType<typeof openPglite>>): Promise<void> => {
    await migrate(db, 'test');
    await db.query("INSERT INTO data_keys (id, provider, kek_id, wrapped, created_at) VALUES (1, 'file', 'k', $1, now())", [Buffer.alloc(40, 7)]);
  };
  const here = await openPglite(join(tempDir(t), 'here'));
  const there = await openPgliteThread(join(tempDir(t), 'there'));
  try {
    await prepare(here);
    await prepare(there);
    const a = headersOf(records, await appendChained(here, records));
    const b = headersOf(records, await there.appendChained!(records));
    assert.deepEqual(b.map(({ collectedAt: _, recordHash: __, prevHash: ___, ...h }) => h), a.map(({ collectedAt: _, recordHash: __, prevHash: ___, ...h }) => h));
    // Each header's hash is the chain's formula over what was stored.
    for (const [i, h] of b.entries()) {
      assert.equal(h.prevHash, i === 0 ? b[0]!.prevHash : b[i - 1]!.recordHash);
      const { recordHash, ...rest } = h;
      assert.equal(recordHash, recordHashOf(rest, { dekId: 1, iv: Buffer.from(records[i]!.iv), ciphertext: Buffer.from(records[i]!.ciphertext) }));
    }
    const stored = await there.query<{ subject: string; record_hash: string; c: string }>("SELECT subject, record_hash, encode(ciphertext, 'base64') AS c FROM records ORDER BY seq");
    assert.deepEqual(stored.map((r) => r.subject), records.map((r) => r.subject));
    assert.deepEqual(stored.map((r) => r.record_hash), b.map((h) => h.recordHash));
    assert.deepEqual(stored.map((r) => Buffer.from(r.c, 'base64').equals(Buffer.from(records[stored.indexOf(r)]!.ciphertext))), stored.map(() => true));
  } finally {
    await here.close();
    await there.close();
  }
});
