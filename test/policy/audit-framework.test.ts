import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.ts';
import { runCli } from '../helpers/cli.ts';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:latest"}]
`;

test('policy audit --framework evaluates a framework\'s policies and names the controls each result supports', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'deploy.yaml'), DEPLOYMENT);
  const r = await runCli(['policy', 'audit', '--framework', 'pci-dss-4.0', join(dir, 'deploy.yaml'), '--json']);
  assert.equal(r.code, 1, 'a failing workload fails the audit');
  const out = JSON.parse(r.stdout) as { results: { policy: string; status: string; controls?: Record<string, string[]> }[] };
  const latest = out.results.find((x) => x.policy === 'disallow-latest-tag' && x.status === 'fail');
  assert.ok(latest, 'the latest tag is caught');
  assert.deepEqual(Object.keys(latest.controls ?? {}), ['pci-dss-4.0'], 'only the chosen framework is named');
  assert.ok((latest.controls?.['pci-dss-4.0'] ?? []).length > 0);
  for (const x of out.results) assert.ok(x.controls?.['pci-dss-4.0']?.length, `${x.policy} maps to PCI DSS controls`);

  const report = await runCli(['policy', 'audit', '--framework', 'pci-dss-4.0', join(dir, 'deploy.yaml'), '--format', 'policyreport']);
  const items = JSON.parse(report.stdout).items as { kind: string; results: { properties?: Record<string, string> }[] }[];
  assert.equal(items[0]?.kind, 'PolicyReport');
  assert.ok(items[0]?.results.some((x) => x.properties?.['controls.pci-dss-4.0']));

  const unknown = await runCli(['policy', 'audit', '--framework', 'no-such-framework', join(dir, 'deploy.yaml')]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no-such-framework/);
  const none = await runCli(['policy', 'audit', join(dir, 'deploy.yaml')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give --framework ID or --policies DIR/);
});
