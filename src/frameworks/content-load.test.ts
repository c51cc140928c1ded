/** Loader and packer on small content trees built in temporary folders, including hostile ones. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, readFileSync, rmSync, cpSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { tempDir } from '../../test/helpers/env.ts';
import { loadContent, packFramework, verifyPackedFramework, showFramework, controlsForPolicy } from './index.ts';

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
  - id: X.2
    family: Fam
    title: Second control
`;

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
    - name: no-host-network
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: no host network
        pattern:
          spec:
            =(hostNetwork): "false"
`;

const MAPPING = `apiVersion: airlock.dev/v1alpha1
kind: ControlMapping
policy: demo-policy
mappings:
  demo:
    - control: X.1
      rationale: Keeps pods off the host network.
`;

const TEST = `apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: demo-policy
policies: [policy.yaml]
resources: [resources.yaml]
results:
  - policy: demo-policy
    rule: no-host-network
    resources: [good]
    kind: Pod
    result: pass
  - policy: demo-policy
    rule: no-host-network
    resources: [bad]
    kind: Pod
    result: fail
`;

const RESOURCES = `apiVersion: v1
kind: Pod
metadata: {name: good}
spec: {containers: [{name: a, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {hostNetwork: true, containers: [{name: a, image: x}]}
`;

function makeContent(t: TestContext): { root: string; pdir: string } {
  const root = join(tempDir(t), 'content');
  mkdirSync(join(root, 'frameworks'), { recursive: true });
  writeFileSync(join(root, 'frameworks', 'demo.yaml'), INDEX);
  const pdir = join(root, 'policies', 'demo-policy');
  mkdirSync(pdir, { recursive: true });
  writeFileSync(join(pdir, 'policy.yaml'), POLICY);
  writeFileSync(join(pdir, 'controls.yaml'), MAPPING);
  writeFileSync(join(pdir, 'kyverno-test.yaml'), TEST);
  writeFileSync(join(pdir, 'resources.yaml'), RESOURCES);
  return { root, pdir };
}

async function rejects(p: Promise<unknown>, re: RegExp, code = 'BAD_INPUT'): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof AirlockError && e.code === code && re.test(e.message));
}

test('a well-formed tree loads, and show reports coverage', async (t) => {
  const { root } = makeContent(t);
  const c = await loadContent(root);
  const d = showFramework(c, 'demo');
  assert.equal(d.mappings, 1);
  assert.equal(d.coveredControls, 1);
  assert.equal(d.coverage, 0.5);
  assert.deepEqual(d.controlList.map((x) => x.policies), [['demo-policy'], []]);
  assert.deepEqual([...controlsForPolicy(c, 'demo-policy')], [['demo', ['X.1']]]);
});

test('a mapping to a control the framework lacks is an error naming the file', async (t) => {
  const { root, pdir } = makeContent(t);
  writeFileSync(join(pdir, 'controls.yaml'), MAPPING.replace('X.1', 'X.9'));
  writeFileSync(join(pdir, 'policy.yaml'), POLICY.replace('demo: X.1', 'demo: X.9'));
  await rejects(loadContent(root), /controls\.yaml: demo has no control X\.9$/);
});

test('a mapping to an unknown framework is an error', async (t) => {
  const { root, pdir } = makeContent(t);
  writeFileSync(join(pdir, 'controls.yaml'), MAPPING.replace('  demo:', '  other:'));
  await rejects(loadContent(root), /unknown framework other/);
});

test('the annotation must agree with controls.yaml', async (t) => {
  const { root, pdir } = makeContent(t);
  writeFileSync(join(pdir, 'policy.yaml'), POLICY.replace('demo: X.1', 'demo: X.1, X.2'));
  await rejects(loadContent(root), /annotation airlock\.dev\/controls for demo \(X\.1, X\.2\) differs from controls\.yaml \(X\.1\)/);
});

test('a test without a failing case is refused', async (t) => {
  const { root, pdir } = makeContent(t);
  writeFileSync(join(pdir, 'kyverno-test.yaml'), TEST.replace('result: fail', 'result: pass'));
  await rejects(loadContent(root), /needs at least one passing and one failing resource \(has 2 pass, 0 fail\)/);
});

test('a test naming a file outside its folder or a missing file is refused', async (t) => {
  const { root, pdir } = makeContent(t);
  writeFileSync(join(pdir, 'kyverno-test.yaml'), TEST.replace('[resources.yaml]', '[../other/resources.yaml]'));
  await rejects(loadContent(root), /must be a relative path inside the policy folder/);
  writeFileSync(join(pdir, 'kyverno-test.yaml'), TEST.replace('[resources.yaml]', '[missing.yaml]'));
  await rejects(loadContent(root), /names missing\.yaml, which is not a file/);
});

test('symbolic links, nested folders and misnamed folders are refused', async (t) => {
  const { root, pdir } = makeContent(t);
  symlinkSync('/etc/hostname', join(pdir, 'extra.yaml'));
  await rejects(loadContent(root), /extra\.yaml: symbolic links are not allowed/);
  rmSync(join(pdir, 'extra.yaml'));
  mkdirSync(join(pdir, 'sub'));
  await rejects(loadContent(root), /sub: only plain files belong in a policy folder/);
  rmSync(join(pdir, 'sub'), { recursive: true });
  cpSync(pdir, join(root, 'policies', 'renamed'), { recursive: true });
  await rejects(loadContent(root), /policy name demo-policy does not match its folder renamed/);
  rmSync(join(root, 'policies', 'renamed'), { recursive: true });
  symlinkSync(pdir, join(root, 'policies', 'linked'));
  await rejects(loadContent(root), /linked: symbolic links are not allowed/);
});

test('a framework file must be named after its id; a missing content folder is NOT_FOUND', async (t) => {
  const { root } = makeContent(t);
  writeFileSync(join(root, 'frameworks', 'wrong.yaml'), INDEX);
  await rejects(loadContent(root), /wrong\.yaml: id demo does not match the file name wrong/);
  await rejects(loadContent(join(root, 'nowhere')), /nowhere\/frameworks/, 'NOT_FOUND');
});

test('packing writes a deterministic tree that verifies; tampering is detected', async (t) => {
  const { root } = makeContent(t);
  const c = await loadContent(root);
  const out1 = join(tempDir(t), 'pack');
  const out2 = join(tempDir(t), 'pack');
  const m1 = await packFramework(c, 'demo', out1);
  const m2 = await packFramework(c, 'demo', out2);
  assert.deepEqual(m1.policies, ['demo-policy']);
  assert.deepEqual(
    m1.files.map((f) => f.path),
    ['framework.yaml', 'policies/demo-policy/controls.yaml', 'policies/demo-policy/kyverno-test.yaml', 'policies/demo-policy/policy.yaml', 'policies/demo-policy/resources.yaml'],
  );
  assert.equal(readFileSync(join(out1, 'manifest.json'), 'utf8'), readFileSync(join(out2, 'manifest.json'), 'utf8'));
  assert.deepEqual(await verifyPackedFramework(out1), m2);
  // the packed tree is itself loadable content for the policy engine
  assert.equal(readFileSync(join(out1, 'policies', 'demo-policy', 'policy.yaml'), 'utf8'), POLICY);

  appendFileSync(join(out1, 'policies', 'demo-policy', 'policy.yaml'), '# changed\n');
  await rejects(verifyPackedFramework(out1), /policy\.yaml: content does not match manifest\.json/, 'VERIFY_FAILED');
  writeFileSync(join(out2, 'policies', 'demo-policy', 'smuggled.yaml'), 'x: 1\n');
  await rejects(verifyPackedFramework(out2), /smuggled\.yaml: not listed in manifest\.json/, 'VERIFY_FAILED');
});

test('packing refuses a non-empty output folder and an unknown framework; a bad manifest is BAD_INPUT', async (t) => {
  const { root } = makeContent(t);
  const c = await loadContent(root);
  const out = tempDir(t);
  writeFileSync(join(out, 'keep'), 'x');
  await rejects(packFramework(c, 'demo', out), /folder is not empty/);
  await rejects(packFramework(c, 'nope', join(out, 'x')), /unknown framework "nope"/, 'NOT_FOUND');
  const bad = tempDir(t);
  writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ apiVersion: 'airlock.dev/v1alpha1', kind: 'FrameworkPolicyPack', framework: { id: 'demo', name: 'D', version: '1' }, policies: [], files: [{ path: '../escape', sha256: '0'.repeat(64), size: 1 }] }));
  await rejects(verifyPackedFramework(bad), /files\.0\.path: must be a relative path inside the pack/);
  writeFileSync(join(bad, 'manifest.json'), '{"apiVersion": "a", "apiVersion": "b"}');
  await assert.rejects(verifyPackedFramework(bad), (e: unknown) => e instanceof AirlockError && e.code === 'BAD_INPUT');
});
