import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../test/helpers/cli.ts';
import { tempDir } from '../../test/helpers/env.ts';
import { makeZip } from '../vulndb/test-archives.ts';

test('airlock vulndb build, info and lookup', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(join(src, 'GHSA-1.json'), JSON.stringify({
    id: 'GHSA-1111-2222-3333',
    modified: '2024-01-01T00:00:00Z',
    aliases: ['CVE-2024-9999'],
    summary: 'demo flaw',
    affected: [{ package: { ecosystem: 'npm', name: 'demo' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.3' }] }] }],
  }));
  writeFileSync(join(src, 'bad.json'), '{"id": "BAD-1", "affected": 7}');
  const out = join(dir, 'vuln.db');

  const built = await runCli(['vulndb', 'build', '--osv', src, '-o', out, '--json']);
  assert.equal(built.code, 0, built.stderr);
  const report = JSON.parse(built.stdout) as { advisories: number; badCount: number; bad: { id?: string; error: string }[] };
  assert.equal(report.advisories, 1);
  assert.equal(report.badCount, 1);
  assert.equal(report.bad[0]?.id, 'BAD-1');
  assert.match(report.bad[0]?.error ?? '', /affected is not an array/);

  const human = await runCli(['vulndb', 'build', '--osv', src, '-o', out]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /1 advisories/);
  assert.match(human.stderr, /1 bad records skipped:\n {2}BAD-1: bad\.json: affected is not an array/);

  const info = await runCli(['vulndb', 'info', out, '--json']);
  assert.equal(info.code, 0, info.stderr);
  const i = JSON.parse(info.stdout) as { schemaVersion: number; advisories: number; ecosystems: Record<string, number>; builtAt: string };
  assert.equal(i.schemaVersion, 1);
  assert.deepEqual(i.ecosystems, { npm: 1 });
  assert.ok(Date.parse(i.builtAt) > 0);
  const infoText = await runCli(['vulndb', 'info', out]);
  assert.match(infoText.stdout, /advisories: 1 \(0 withdrawn, 1 bad records skipped\)/);

  const lookup = await runCli(['vulndb', 'lookup', out, 'npm', 'demo']);
  assert.equal(lookup.stdout.trim(), 'GHSA-1111-2222-3333 (CVE-2024-9999): demo flaw');
});

test('airlock vulndb errors are one line naming the file', async (t) => {
  const dir = tempDir(t);
  const missing = await runCli(['vulndb', 'info', join(dir, 'nope.db')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^airlock: .*nope\.db.*\n$/);
  const notZip = join(dir, 'x.zip');
  writeFileSync(notZip, 'garbage');
  const out = join(dir, 'v.db');
  const bad = await runCli(['vulndb', 'build', '--osv', notZip, '-o', out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^airlock: .*x\.zip: not a readable zip archive.*\n$/);
  assert.equal(existsSync(out), false);
  const usage = await runCli(['vulndb', 'build', '-o', out]);
  assert.equal(usage.code, 2);
});

test('airlock vulndb build --threads: parser threads from the development entry point; a bad count is a usage error', async (t) => {
  const dir = tempDir(t);
  const records = Array.from({ length: 1200 }, (_, i) => ({
    name: `GHSA-${i}.json`,
    data: i === 700 ? `{"id": "GHSA-${i}", "affected": 7}` : JSON.stringify({ id: `GHSA-${i}`, affected: [{ package: { ecosystem: 'npm', name: `p${i % 10}` }, versions: ['1.0.0'] }] }),
  }));
  const zip = join(dir, 'all.zip');
  writeFileSync(zip, makeZip(records));
  const out = join(dir, 'vuln.db');
  // More records than one batch: the parser threads start (bin/airlock.mjs registers tsx for them).
  const built = await runCli(['vulndb', 'build', '--osv', zip, '-o', out, '--threads', '2', '--json']);
  assert.equal(built.code, 0, built.stderr);
  const report = JSON.parse(built.stdout) as { advisories: number; bad: { id?: string }[] };
  assert.equal(report.advisories, 1199);
  assert.deepEqual(report.bad.map((b) => b.id), ['GHSA-700']);
  const usage = await runCli(['vulndb', 'build', '--osv', zip, '-o', out, '--threads', 'many']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--threads: "many" must be an integer from 0 to 64/);
});
