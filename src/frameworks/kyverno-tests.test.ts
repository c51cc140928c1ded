/**
 * Runs every shipped policy's kyverno-test.yaml through the offline evaluator: each
 * expected pass and fail must come out as written, as `kyverno test` would report it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runKyvernoTests } from '../policy/index.ts';
import { PROJECT_ROOT } from '../../test/helpers/env.ts';
import { loadContent } from './index.ts';

test('every shipped policy passes its own kyverno test', async () => {
  const content = await loadContent(join(PROJECT_ROOT, 'content'));
  const results = await runKyvernoTests(content.policies.map((p) => join(p.dir, 'kyverno-test.yaml')));
  assert.equal(results.length, content.policies.length);
  const failures: string[] = [];
  for (const r of results) {
    assert.ok(r.rows.length >= 2, `${r.file}: no results evaluated`);
    for (const row of r.rows) if (!row.ok) failures.push(`${r.name}: ${row.rule} ${row.resource}: ${row.reason}`);
  }
  assert.deepEqual(failures, []);
});
