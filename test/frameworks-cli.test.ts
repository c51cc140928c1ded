/** The `airlock frameworks` commands through the real CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/env.ts';

test('frameworks list prints every framework with counts; --json is machine-readable', async () => {
  const text = await runCli(['frameworks', 'list']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ID\s+NAME\s+VERSION\s+CONTROLS\s+POLICIES\s+MAPPINGS\s+COVERAGE/);
  assert.match(text.stdout, /pci-dss-4\.0\s+PCI DSS\s+4\.0/);
  const json = await runCli(['frameworks', 'list', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout) as { id: string; mappings: number; minimumMappings: number }[];
  assert.equal(list.length, 10);
  for (const f of list) assert.ok(f.mappings >= f.minimumMappings, f.id);
});

test('frameworks show lists controls, policies and coverage', async () => {
  const r = await runCli(['frameworks', 'show', 'fz-152']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Russia 152-FZ/);
  assert.match(r.stdout, /mappings:\s+\d+ \(minimum 25\)/);
  assert.match(r.stdout, /УПД\.5/);
  const j = await runCli(['frameworks', 'show', 'nist-800-53-r5', '--json']);
  assert.equal(j.code, 0, j.stderr);
  const d = JSON.parse(j.stdout) as { controlList: { id: string; policies: string[] }[]; policyList: { name: string }[] };
  assert.ok(d.controlList.find((c) => c.id === 'sc-7.5')?.policies.includes('require-default-deny-networkpolicy'));
  assert.ok(d.policyList.length > 10);
});

test('an unknown framework is a usage error with one clear line', async () => {
  const r = await runCli(['frameworks', 'show', 'no-such']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^airlock: unknown framework "no-such"; known: cmmc-l3, /);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('frameworks pack writes a bundle item with a manifest', async (t) => {
  const out = join(tempDir(t), 'soc2');
  const r = await runCli(['frameworks', 'pack', 'soc2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { framework: { id: string }; policies: string[] };
  assert.equal(m.framework.id, 'soc2');
  assert.ok(existsSync(join(out, 'manifest.json')));
  assert.ok(existsSync(join(out, 'policies', m.policies[0] ?? 'x', 'policy.yaml')));
});

test('a broken content folder is reported with the file at fault', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['frameworks', 'list', '--content', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /frameworks: list: no such file or directory/);
});
