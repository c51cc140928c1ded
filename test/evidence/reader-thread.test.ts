/**
 * Reading the evidence store on a thread of its own (src/evidence/reader-thread.ts): the
 * records arrive in chain order, identical to reading in this thread; the store's own
 * errors (wrong passphrase, held lock) come back as the same typed one-line errors; a
 * reader stopped early leaves the thread able to read again and close; closing releases
 * the store's lock.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AirlockError } from '../../src/common/errors.ts';
import { EvidenceReaderThread } from '../../src/evidence/reader-thread.ts';
import { EvidenceStore } from '../../src/evidence/store.ts';
import type { EvidenceDraft, EvidenceRecord } from '../../src/evidence/types.ts';
import { tempDir } from '../helpers/env.ts';

const PASS = 'reader passphrase';

function draft(i: number): EvidenceDraft {
  return {
    kind: 'policy-result',
    source: 'kyverno',
    subject: `k8s:default/Pod/app-${i % 7}`,
    observedAt: new Date(Date.UTC(2026, 10, 1, 0, 0, i)).toISOString(),
    outcome: i % 3 === 0 ? 'fail' : 'pass',
    severity: 'medium',
    controls: ['nist-800-53-r5:cm-7'],
    title: `require-run-as-non-root on app-${i % 7}`,
    payload: { policy: 'require-run-as-non-root', rule: 'check', n: i, text: 'é€𝄞'.repeat(i % 5) },
  };
}

async function storeWith(dir: string, n: number): Promise<EvidenceRecord[]> {
  const store = await EvidenceStore.open({ dir, passphrase: PASS, create: true });
  try {
    for (let i = 0; i < n; i += 400) await store.append(Array.from({ length: Math.min(400, n - i) }, (_, k) => draft(i + k)));
    const all: EvidenceRecord[] = [];
    for await (const r of store.records()) all.push(r);
    return all;
  } finally {
    await store.close();
  }
}

test('records read on the thread are the records read here, in chain order, across batches', async (t) => {
  const dir = join(tempDir(t), 'ev');
  const expected = await storeWith(dir, 1234);
  const reader = await EvidenceReaderThread.open({ dir, passphrase: PASS });
  try {
    const got: EvidenceRecord[] = [];
    for await (const r of reader.records()) got.push(r);
    assert.deepEqual(got, expected);
    const window: EvidenceRecord[] = [];
    for await (const r of reader.records({ from: expected[100]!.observedAt, to: expected[109]!.observedAt })) window.push(r);
    assert.deepEqual(window.map((r) => r.seq), expected.slice(100, 110).map((r) => r.seq));
  } finally {
    await reader.close();
  }
  // Closed: the lock is released and the store opens here again.
  const again = await EvidenceStore.open({ dir, passphrase: PASS });
  assert.equal(await again.count(), 1234);
  await again.close();
});

test('a read stopped early leaves the thread able to read again', async (t) => {
  const dir = join(tempDir(t), 'ev');
  await storeWith(dir, 1600);
  const reader = await EvidenceReaderThread.open({ dir, passphrase: PASS });
  try {
    let n = 0;
    for await (const _ of reader.records()) if (++n === 3) break;
    let all = 0;
    for await (const _ of reader.records()) all++;
    assert.equal(all, 1600);
  } finally {
    await reader.close();
  }
});

test("the store's errors come back typed: wrong passphrase, held lock, no store", async (t) => {
  const dir = join(tempDir(t), 'ev');
  await storeWith(dir, 3);
  await assert.rejects(EvidenceReaderThread.open({ dir, passphrase: 'not the passphrase' }), (e: unknown) => {
    assert.ok(e instanceof AirlockError, String(e));
    assert.equal(e.code, 'VERIFY_FAILED');
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  const holder = await EvidenceStore.open({ dir, passphrase: PASS });
  try {
    await assert.rejects(EvidenceReaderThread.open({ dir, passphrase: PASS }), (e: unknown) => e instanceof AirlockError && e.code === 'LOCKED');
  } finally {
    await holder.close();
  }
  await assert.rejects(EvidenceReaderThread.open({ dir: join(dir, 'absent'), passphrase: PASS }), (e: unknown) => e instanceof AirlockError && e.code === 'NOT_FOUND');
});
