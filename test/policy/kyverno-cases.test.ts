/**
 * Runs every kyverno-test case under test/policy-cases through the runner; each case
 * states in comments what Kyverno returns and why (with the upstream source).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runKyvernoTests } from '../../src/policy/index.ts';
import { PROJECT_ROOT } from '../helpers/env.ts';

test('every kyverno-test case gives the results Kyverno gives', async () => {
  const results = await runKyvernoTests([join(PROJECT_ROOT, 'test', 'policy-cases')]);
  assert.ok(results.length >= 1);
  for (const r of results) {
    assert.ok(r.rows.length > 0, `${r.file} has no result rows`);
    const bad = r.rows.filter((row) => !row.ok).map((row) => `${row.policy}/${row.rule} ${row.resource}: ${row.reason}`);
    assert.deepEqual(bad, [], `${r.file}`);
  }
});
