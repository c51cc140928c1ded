/** Autogen applicability (pkg/autogen/v1/autogen.go CanAutoGen, rule.go), Appendix A.12. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeRules, parsePolicy } from '../../src/policy/index.ts';

function policy(rule: Record<string, unknown>, annotations?: Record<string, string>): ReturnType<typeof parsePolicy> {
  return parsePolicy(
    {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'p', ...(annotations ? { annotations } : {}) },
      spec: { rules: [{ name: 'r', validate: { message: 'm', pattern: { spec: { x: 1 } } }, ...rule }] },
    },
    'p.yaml',
  );
}

const names = (p: ReturnType<typeof parsePolicy>): string[] => computeRules(p).map((r) => r.rule.name);

test('a Pod rule gets autogen-<rule> and autogen-cronjob-<rule> with wrapped patterns', () => {
  const p = policy({ match: { any: [{ resources: { kinds: ['Pod'] } }] } });
  const rules = computeRules(p);
  assert.deepEqual(rules.map((r) => r.rule.name), ['r', 'autogen-r', 'autogen-cronjob-r']);
  assert.deepEqual(rules[1]?.rule.match.any?.[0]?.resources?.kinds, ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);
  assert.deepEqual(rules[1]?.rule.validate?.pattern, { spec: { template: { spec: { x: 1 } } } });
  assert.deepEqual(rules[2]?.rule.validate?.pattern, { spec: { jobTemplate: { spec: { template: { spec: { x: 1 } } } } } });
});

test('names, selectors, annotations or Pod with other kinds disable autogen', () => {
  assert.deepEqual(names(policy({ match: { any: [{ resources: { kinds: ['Pod'], names: ['a*'] } }] } })), ['r']);
  assert.deepEqual(names(policy({ match: { any: [{ resources: { kinds: ['Pod'], selector: { matchLabels: { a: 'b' } } } }] } })), ['r']);
  assert.deepEqual(names(policy({ match: { any: [{ resources: { kinds: ['Pod', 'Service'] } }] } })), ['r']);
  assert.deepEqual(names(policy({ match: { any: [{ resources: { kinds: ['Service'] } }] } })), ['r']);
});

test('the autogen-controllers annotation restricts or disables autogen', () => {
  const m = { match: { any: [{ resources: { kinds: ['Pod'] } }] } };
  assert.deepEqual(names(policy(m, { 'pod-policies.kyverno.io/autogen-controllers': 'none' })), ['r']);
  assert.deepEqual(names(policy(m, { 'pod-policies.kyverno.io/autogen-controllers': 'CronJob' })), ['r', 'autogen-cronjob-r']);
  const dep = computeRules(policy(m, { 'pod-policies.kyverno.io/autogen-controllers': 'Deployment,StatefulSet' }));
  assert.deepEqual(dep[1]?.rule.match.any?.[0]?.resources?.kinds, ['Deployment', 'StatefulSet']);
});

test('variables are rewritten to the pod template', () => {
  const p = policy({
    match: { any: [{ resources: { kinds: ['Pod'] } }] },
    validate: { message: '{{ request.object.metadata.name }}', deny: { conditions: { any: [{ key: '{{ request.object.spec.hostPID }}', operator: 'Equals', value: true }] } } },
  });
  const [, auto, cron] = computeRules(p);
  assert.equal(auto?.rule.validate?.message, '{{ request.object.spec.template.metadata.name }}');
  assert.deepEqual(cron?.rule.validate?.deny?.conditions, { any: [{ key: '{{ request.object.spec.jobTemplate.spec.template.spec.hostPID }}', operator: 'Equals', value: true }] });
});
