/** PolicyReport output (wgpolicyk8s.io/v1alpha2) from evaluation results. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, parsePolicy, policyReports } from '../../src/policy/index.ts';

const policy = parsePolicy(
  {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'labels', annotations: { 'policies.kyverno.io/category': 'Ownership', 'policies.kyverno.io/severity': 'medium' } },
    spec: {
      rules: [
        {
          name: 'owner',
          match: { any: [{ resources: { kinds: ['Namespace', 'ConfigMap'] } }] },
          validate: { message: 'label owner is required', pattern: { metadata: { labels: { owner: '?*' } } } },
        },
      ],
    },
  },
  'labels.yaml',
);

test('results are grouped into PolicyReports per namespace and a ClusterPolicyReport', () => {
  const results = evaluate(
    [policy],
    [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { owner: 'a' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'prod' } },
    ],
  );
  const reports = policyReports(results, new Date(0));
  assert.deepEqual(
    reports.map((r) => r.kind),
    ['ClusterPolicyReport', 'PolicyReport'],
  );
  const pr = reports[1] as { metadata: { namespace: string }; results: Record<string, unknown>[]; summary: Record<string, number> };
  assert.equal(pr.metadata.namespace, 'prod');
  assert.deepEqual(pr.summary, { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 });
  assert.equal(pr.results[0]?.category, 'Ownership');
  assert.equal(pr.results[0]?.severity, 'medium');
  assert.equal(pr.results[0]?.result, 'fail');
  assert.match(String(pr.results[0]?.message), /^validation error: label owner is required\. rule owner failed at path \/metadata\/labels\/$/);
  assert.deepEqual(pr.results[0]?.timestamp, { seconds: 0, nanos: 0 });
});
