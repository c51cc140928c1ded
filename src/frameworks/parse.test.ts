import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AirlockError } from '../common/errors.ts';
import { parseControlIndex, parseControlMapping, parseControlsAnnotation, parsePolicyHead } from './parse.ts';
import { parseKyvernoTestOutline, isContainedRelativePath } from './kyverno-test-file.ts';

const INDEX = `apiVersion: airlock.dev/v1alpha1
kind: ControlIndex
id: demo
name: Demo
version: "1"
publisher: Example
description: A demo framework.
idFormat: X.n
verification: none
minimumMappings: 1
controls:
  - id: X.1
    family: Fam
    title: First control
`;

function badInput(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof AirlockError && e.code === 'BAD_INPUT' && re.test(e.message));
}

test('a control index parses and names its source in errors', () => {
  const idx = parseControlIndex(INDEX, 'demo.yaml');
  assert.equal(idx.controls[0]?.id, 'X.1');
  badInput(() => parseControlIndex(INDEX.replace('id: demo', 'id: Demo!'), 'demo.yaml'), /^demo\.yaml: id: /);
  badInput(() => parseControlIndex(INDEX + 'extra: 1\n', 'demo.yaml'), /demo\.yaml: .*[Uu]nrecognized/);
  badInput(() => parseControlIndex(INDEX + '  - id: X.1\n    family: Fam\n    title: Again\n', 'demo.yaml'), /control X\.1 is listed twice/);
});

test('duplicate keys, alias bombs and oversized files are rejected with the file name', () => {
  badInput(() => parseControlIndex(INDEX.replace('name: Demo', 'name: Demo\nname: Other'), 'dup.yaml'), /^dup\.yaml: invalid YAML/);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
  badInput(() => parseControlIndex(bomb, 'bomb.yaml'), /^bomb\.yaml: invalid YAML/);
  badInput(() => parseControlIndex('x'.repeat(3 * 1024 * 1024), 'big.yaml'), /^big\.yaml: document of \d+ bytes exceeds/);
  const deep = 'a: ' + '['.repeat(5000) + ']'.repeat(5000);
  assert.throws(() => parseControlIndex(deep, 'deep.yaml'), (e: unknown) => e instanceof AirlockError && /^deep\.yaml: /.test(e.message));
});

test('a control mapping needs one-line rationales and no repeated controls', () => {
  const ok = 'apiVersion: airlock.dev/v1alpha1\nkind: ControlMapping\npolicy: p\nmappings:\n  demo:\n    - control: X.1\n      rationale: Because it does.\n';
  assert.equal(parseControlMapping(ok, 'c.yaml').mappings.demo?.[0]?.control, 'X.1');
  badInput(() => parseControlMapping(ok.replace('Because it does.', '"two\\nlines"'), 'c.yaml'), /rationale: must be one line/);
  badInput(() => parseControlMapping(ok + '    - control: X.1\n      rationale: Again and again.\n', 'c.yaml'), /demo control X\.1 is mapped twice/);
  badInput(() => parseControlMapping(ok.replace('policy: p', 'policy: ../p'), 'c.yaml'), /policy: must be a Kubernetes object name/);
});

test('the controls annotation parses lines of framework: ids', () => {
  const m = parseControlsAnnotation('pci-dss-4.0: 2.2.6, 7.2.5\nsoc2: CC6.1\n', 'p.yaml');
  assert.deepEqual([...m.entries()], [['pci-dss-4.0', ['2.2.6', '7.2.5']], ['soc2', ['CC6.1']]]);
  badInput(() => parseControlsAnnotation('just text', 'p.yaml'), /line 1: expected/);
  badInput(() => parseControlsAnnotation('soc2:', 'p.yaml'), /no control ids for soc2/);
  badInput(() => parseControlsAnnotation('soc2: A\nsoc2: B', 'p.yaml'), /names soc2 twice/);
});

test('property: any map of framework ids to control ids survives the annotation format', () => {
  const fwId = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
  const ctlId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.()-]{0,12}$/);
  fc.assert(
    fc.property(fc.dictionary(fwId, fc.array(ctlId, { minLength: 1, maxLength: 6 }), { maxKeys: 8 }), (d) => {
      const text = Object.entries(d)
        .map(([k, v]) => `${k}: ${v.join(', ')}`)
        .join('\n');
      const back = parseControlsAnnotation(text, 'p');
      assert.deepEqual([...back.entries()], Object.entries(d));
    }),
  );
});

const POLICY = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: demo-policy
  annotations:
    policies.kyverno.io/title: Demo
    policies.kyverno.io/category: Demo
    policies.kyverno.io/severity: medium
    policies.kyverno.io/description: Demo policy.
    airlock.dev/controls: "demo: X.1"
spec:
  rules:
    - name: r
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: m
        pattern:
          spec: {}
`;

test('a policy head needs the annotations and validate rules', () => {
  const h = parsePolicyHead(POLICY, 'policy.yaml');
  assert.equal(h.name, 'demo-policy');
  assert.deepEqual([...h.annotatedControls.entries()], [['demo', ['X.1']]]);
  badInput(() => parsePolicyHead(POLICY.replace('severity: medium', 'severity: urgent'), 'policy.yaml'), /severity/);
  badInput(() => parsePolicyHead(POLICY.replace(/ {4}airlock\.dev\/controls.*\n/, ''), 'policy.yaml'), /airlock\.dev\/controls/);
  badInput(() => parsePolicyHead(POLICY + '---\n' + POLICY, 'policy.yaml'), /exactly one policy document, found 2/);
  badInput(() => parsePolicyHead(POLICY.replace('validate:', 'mutate:'), 'policy.yaml'), /validate/);
});

test('a kyverno test outline counts expected results and refuses paths leaving the folder', () => {
  const t = `apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: t
policies: [policy.yaml]
resources: [resources.yaml]
results:
  - policy: p
    rule: r
    resources: [a, b]
    kind: Pod
    result: pass
  - policy: p
    rule: r
    resource: c
    kind: Pod
    result: fail
`;
  const o = parseKyvernoTestOutline(t, 'kyverno-test.yaml');
  assert.equal(o.expected.pass, 2);
  assert.equal(o.expected.fail, 1);
  badInput(() => parseKyvernoTestOutline(t.replace('[resources.yaml]', '[../../etc/passwd]'), 'kyverno-test.yaml'), /resources\.0: must be a relative path/);
  badInput(() => parseKyvernoTestOutline(t.replace('[policy.yaml]', '[/abs/policy.yaml]'), 'kyverno-test.yaml'), /policies\.0/);
  for (const p of ['a', 'a/b.yaml']) assert.ok(isContainedRelativePath(p), p);
  for (const p of ['', '/a', '../a', 'a/../b', 'a//b', './a', 'a\\b', 'a\0']) assert.ok(!isContainedRelativePath(p), JSON.stringify(p));
});
