/** The policy commands end to end through the real CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/env.ts';

const cases = join(PROJECT_ROOT, 'test', 'policy-cases');

test('audit reads Helm-rendered output and takes several --policies', async (t) => {
  const dir = tempDir(t);
  const rendered = join(dir, 'rendered.yaml');
  writeFileSync(
    rendered,
    [
      '---',
      '# Source: chart/templates/empty.yaml',
      '---',
      '# Source: chart/templates/pod.yaml',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web',
      '  namespace: prod',
      'spec:',
      '  hostNetwork: true',
      '  containers:',
      '    - name: web',
      '      image: nginx:1.25',
      '---',
      '# Source: chart/templates/cm.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: cfg, namespace: prod, labels: {owner: a}}',
      '',
    ].join('\n'),
  );
  const r = await runCli(['policy', 'audit', '--policies', join(cases, 'anchors', 'policy.yaml'), '--policies', join(cases, 'userinfo', 'policy.yaml'), '--json', rendered]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { results: { policy: string; rule: string; status: string; resource: { name: string } }[] };
  const find = (rule: string): string | undefined => out.results.find((x) => x.rule === rule)?.status;
  assert.equal(find('no-host-network'), 'fail');
  assert.equal(find('admins-excluded'), 'pass');
  assert.ok(out.results.some((x) => x.policy === 'who') && out.results.some((x) => x.policy === 'anchors'));
});

test('policy test --json returns structured results for every case', async () => {
  const r = await runCli(['policy', 'test', '--json', join(cases, 'deny'), join(cases, 'pss')]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { tests: { name: string; rows: { ok: boolean }[] }[]; failed: number };
  assert.deepEqual(out.tests.map((x) => x.name).sort(), ['denying', 'pss']);
  assert.equal(out.failed, 0);
  assert.ok(out.tests.every((x) => x.rows.length > 0 && x.rows.every((row) => row.ok)));
});

test('a path with no kyverno-test.yaml is an input error', async (t) => {
  const r = await runCli(['policy', 'test', tempDir(t)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no kyverno-test\.yaml found/);
});
