/**
 * Hostile and malformed input: each gives one clear error naming the file and the problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicies, loadResources, parseManifestBytes, parsePolicy, evaluate, runKyvernoTests, policyReports } from '../../src/policy/index.ts';
import { AirlockError } from '../../src/common/errors.ts';
import { tempDir } from '../helpers/env.ts';
import { runCli } from '../helpers/cli.ts';

const rejects = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
  await assert.rejects(p, (e: unknown) => e instanceof AirlockError && re.test(e.message));
};

test('a malformed policy names the file and the field', () => {
  const doc = { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' }, spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: 'Pod' } }] } }] } };
  assert.throws(() => parsePolicy(doc, 'p.yaml'), /p\.yaml: policy p: field spec\.rules\[0\]\.match\.any\[0\]\.resources\.kinds/);
  const dup = { ...doc, spec: { rules: [{ name: 'r', match: {} }, { name: 'r', match: {} }] } };
  assert.throws(() => parsePolicy(dup, 'd.yaml'), /duplicate rule name "r"/);
});

test('YAML alias bombs, duplicate keys, deep nesting and huge documents are refused', async (t) => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  assert.throws(() => parseManifestBytes(bomb, 'bomb.yaml'), /bomb\.yaml/);
  assert.throws(() => parseManifestBytes('a: 1\na: 2\n', 'dup.yaml'), /dup\.yaml.*(duplicate|unique)/i);
  const deep = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
  assert.throws(() => parseManifestBytes(deep, 'deep.json'), /deep\.json.*nesting/);
  const deepYaml = 'a:\n' + Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i + 1)}b:`).join('\n') + ' 1\n';
  assert.throws(() => parseManifestBytes(deepYaml, 'deep.yaml'), /deep\.yaml: nesting deeper/);
  const dir = tempDir(t);
  const big = join(dir, 'big.yaml');
  writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, 0x61));
  await rejects(loadResources([big]), /big\.yaml: manifest of \d+ bytes exceeds the limit/);
});

test('resources: List kinds are flattened, missing kind is an error, symlinks are not followed', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }] }));
  assert.equal((await loadResources([dir])).length, 2);
  symlinkSync('/etc/passwd', join(dir, 'link.yaml'));
  assert.equal((await loadResources([dir])).length, 2, 'a symlink inside a folder is skipped');
  await rejects(loadResources([join(dir, 'link.yaml')]), /symbolic links are not followed/);
  const bad = join(dir, 'bad');
  mkdirSync(bad);
  writeFileSync(join(bad, 'x.yaml'), 'apiVersion: v1\nmetadata: {name: x}\n');
  await rejects(loadResources([bad]), /x\.yaml: field kind: missing/);
});

test('the runner reports a wrong expectation and a missing resource; the CLI exits 1', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'policy.yaml'),
    'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n    - name: r\n      match: {any: [{resources: {kinds: [ConfigMap]}}]}\n      validate: {message: m, pattern: {data: {k: v}}}\n',
  );
  writeFileSync(join(dir, 'res.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n');
  writeFileSync(
    join(dir, 'kyverno-test.yaml'),
    'apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\nresources: [res.yaml]\nresults:\n  - {policy: p, rule: r, resources: [cm], kind: ConfigMap, result: fail}\n  - {policy: p, rule: r, resources: [gone], kind: ConfigMap, result: pass}\n  - {policy: q, rule: r, resources: [cm], kind: ConfigMap, result: pass}\n  - {policy: p, rule: typo, resources: [cm], kind: ConfigMap, result: pass}\n',
  );
  const [r] = await runKyvernoTests([dir]);
  assert.deepEqual(r?.rows.map((x) => x.reason), ['Want fail, got pass', 'Not found', 'Policy not found', 'Rule not found']);
  const cli = await runCli(['policy', 'test', dir]);
  assert.equal(cli.code, 1);
  assert.match(cli.stdout, /Want fail, got pass/);
  const audit = await runCli(['policy', 'audit', '--policies', join(dir, 'policy.yaml'), '--format', 'policyreport', join(dir, 'res.yaml')]);
  assert.equal(audit.code, 0, audit.stderr);
  const report = JSON.parse(audit.stdout) as { items: { kind: string; metadata: { namespace: string }; summary: { pass: number } }[] };
  assert.equal(report.items[0]?.kind, 'PolicyReport');
  assert.equal(report.items[0]?.metadata.namespace, 'default', 'a namespaced resource without namespace is in default');
  assert.equal(report.items[0]?.summary.pass, 1);
  const usage = await runCli(['policy', 'audit', '--policies', dir, '--format', 'xml', dir]);
  assert.equal(usage.code, 2);
});

test('live-cluster features skip with a reason, never pass', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'p.yaml'),
    [
      'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: live}\nspec:\n  rules:',
      '    - name: api\n      match: {any: [{resources: {kinds: [ConfigMap]}}]}\n      context: [{name: x, apiCall: {urlPath: /api/v1/namespaces}}]\n      validate: {message: m, deny: {conditions: {any: [{key: "{{x}}", operator: Equals, value: 1}]}}}',
      '    - name: mut\n      match: {any: [{resources: {kinds: [ConfigMap]}}]}\n      mutate: {patchStrategicMerge: {metadata: {labels: {a: b}}}}',
    ].join('\n') + '\n',
  );
  const policies = await loadPolicies([dir]);
  const results = evaluate(policies, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }]);
  assert.deepEqual(results.map((r) => r.status), ['skip', 'skip']);
  assert.match(results[0]?.message ?? '', /apiCall/);
  assert.equal(policyReports(results)[0]?.kind, 'PolicyReport');
});

test('hostile JMESPath and patterns give errors, not crashes', async () => {
  const { searchJmes, JmesError } = await import('../../src/policy/jmespath.ts');
  assert.throws(() => searchJmes('('.repeat(5000) + 'a' + ')'.repeat(5000), {}), JmesError);
  assert.throws(() => searchJmes('a.'.repeat(6000) + 'b', {}), JmesError);
  const { matchPattern } = await import('../../src/policy/pattern.ts');
  let deep: Record<string, unknown> = { x: 1 };
  let res: Record<string, unknown> = { x: 1 };
  for (let i = 0; i < 300; i++) {
    deep = { a: deep };
    res = { a: res };
  }
  assert.equal(matchPattern(res, deep).status, 'fail');
});
