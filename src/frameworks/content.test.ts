/**
 * Integrity of the shipped compliance content: every mapping names a real control, every
 * policy has a kyverno test with passing and failing resources that exist in its resource
 * files, mapping counts meet each framework's minimum, policies use only the validate
 * forms the offline evaluator covers, and the NIST, FedRAMP and CSF ids exist in the real
 * OSCAL catalogs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlAll } from '../common/yaml.ts';
import { sharedData, PROJECT_ROOT } from '../../test/helpers/env.ts';
import { loadContent, listFrameworks, frameworkPolicyDirs, type Content } from './index.ts';

const EXPECTED_MINIMUMS: Record<string, number> = {
  'pci-dss-4.0': 45,
  'iso-27001-2022': 38,
  soc2: 30,
  'nist-800-53-r5': 50,
  'fedramp-high': 55,
  'cmmc-l3': 40,
  'nist-csf-2.0': 40,
  'fz-152': 25,
  'fstec-239': 30,
  'uae-nesa': 35,
};

let cached: Promise<Content> | undefined;
const content = (): Promise<Content> => (cached ??= loadContent(join(PROJECT_ROOT, 'content')));

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

test('the content folder loads and cross-checks cleanly', async () => {
  const c = await content();
  assert.equal(c.frameworks.size, 10);
  assert.ok(c.policies.length >= 30, `only ${c.policies.length} policies`);
});

test('every framework meets its minimum number of policy-to-control mappings', async () => {
  const c = await content();
  const list = listFrameworks(c);
  assert.deepEqual(list.map((f) => f.id).sort(), Object.keys(EXPECTED_MINIMUMS).sort());
  for (const f of list) {
    assert.equal(f.minimumMappings, EXPECTED_MINIMUMS[f.id], `${f.id}: minimum in the index`);
    assert.ok(f.mappings >= f.minimumMappings, `${f.id}: ${f.mappings} mappings < ${f.minimumMappings}`);
    assert.ok(f.coveredControls > 0 && f.coverage > 0.5, `${f.id}: coverage ${f.coverage}`);
  }
});

test('every mapping names a control of its framework and carries a one-line rationale', async () => {
  const c = await content();
  let n = 0;
  for (const p of c.policies) {
    assert.ok(p.mappings.size > 0, `${p.name} maps no controls`);
    for (const [fw, entries] of p.mappings) {
      const ids = new Set(c.frameworks.get(fw)?.controls.map((x) => x.id));
      for (const e of entries) {
        assert.ok(ids.has(e.control), `${p.name}: ${fw} ${e.control}`);
        assert.ok(e.rationale.length >= 20 && !e.rationale.includes('\n'), `${p.name}: ${fw} ${e.control} rationale`);
        n++;
      }
    }
  }
  assert.ok(n > 0);
});

test('fedramp-high mappings follow the NIST 800-53 mappings of each policy', async () => {
  const c = await content();
  for (const p of c.policies) {
    const nist = (p.mappings.get('nist-800-53-r5') ?? []).map((e) => e.control).sort();
    const fed = (p.mappings.get('fedramp-high') ?? []).map((e) => e.control).sort();
    assert.deepEqual(fed, nist, p.name);
  }
});

const ALLOWED_VALIDATE_KEYS = new Set(['message', 'pattern', 'anyPattern', 'deny', 'foreach']);
const ALLOWED_RULE_KEYS = new Set(['name', 'match', 'exclude', 'preconditions', 'validate']);

test('every policy is a Kyverno ClusterPolicy with the required annotations and validate rules only', async () => {
  const c = await content();
  for (const p of c.policies) {
    const path = join(p.dir, 'policy.yaml');
    const [doc] = parseYamlAll(readFileSync(path), path);
    assert.ok(isObj(doc));
    assert.equal(doc.apiVersion, 'kyverno.io/v1');
    assert.equal(doc.kind, 'ClusterPolicy');
    const meta = doc.metadata as Obj;
    const ann = meta.annotations as Obj;
    for (const k of ['policies.kyverno.io/title', 'policies.kyverno.io/category', 'policies.kyverno.io/severity', 'policies.kyverno.io/description', 'airlock.dev/controls']) {
      assert.equal(typeof ann[k], 'string', `${p.name}: ${k}`);
    }
    const spec = doc.spec as Obj;
    assert.equal(spec.validationFailureAction, 'Audit', `${p.name}: ships in Audit mode`);
    for (const rule of spec.rules as Obj[]) {
      assert.ok(isObj(rule.match), `${p.name}/${String(rule.name)}: match`);
      for (const k of ['mutate', 'generate', 'verifyImages', 'context']) assert.equal(rule[k], undefined, `${p.name}/${String(rule.name)}: ${k}`);
      const v = rule.validate as Obj;
      for (const k of Object.keys(rule)) assert.ok(ALLOWED_RULE_KEYS.has(k), `${p.name}/${String(rule.name)}: rule key ${k}`);
      for (const k of Object.keys(v)) assert.ok(ALLOWED_VALIDATE_KEYS.has(k), `${p.name}/${String(rule.name)}: validate.${k}`);
      assert.equal(Object.keys(v).filter((k) => k !== 'message').length, 1, `${p.name}/${String(rule.name)}: exactly one check`);
      assert.equal(typeof v.message, 'string', `${p.name}/${String(rule.name)}: message`);
    }
  }
});

test('every kyverno test expects a pass and a fail on resources that exist in its resource files', async () => {
  const c = await content();
  for (const p of c.policies) {
    assert.ok(p.test.expected.pass >= 1 && p.test.expected.fail >= 1, p.name);
    const present = new Set<string>();
    for (const f of p.test.resourceFiles) {
      for (const d of parseYamlAll(readFileSync(join(p.dir, f)), f)) {
        const o = d as Obj;
        present.add(`${String(o.kind)}/${String((o.metadata as Obj).name)}`);
      }
    }
    const testPath = join(p.dir, 'kyverno-test.yaml');
    const [t] = parseYamlAll(readFileSync(testPath), testPath) as Obj[];
    const rules = new Set(p.head.ruleNames);
    let podRule = false;
    for (const r of (t as Obj).results as Obj[]) {
      const rule = String(r.rule);
      const base = rule.replace(/^autogen-(cronjob-)?/, '');
      assert.ok(rules.has(base), `${p.name}: result for unknown rule ${rule}`);
      if (rule !== base) podRule = true;
      for (const name of r.resources as string[]) assert.ok(present.has(`${String(r.kind)}/${name}`), `${p.name}: ${String(r.kind)}/${name} not in resources`);
    }
    assert.ok(podRule || p.name !== 'disallow-privileged-containers', 'one test exercises the rules Kyverno generates for pod controllers');
  }
});

test('frameworkPolicyDirs returns the folders of the mapped policies', async () => {
  const c = await content();
  const dirs = frameworkPolicyDirs(c, 'soc2');
  assert.ok(dirs.length > 0);
  for (const d of dirs) assert.ok(d.startsWith(join(c.root, 'policies')));
  assert.throws(() => frameworkPolicyDirs(c, 'no-such-framework'), /unknown framework/);
});

test('the network policy templates parse', () => {
  for (const f of ['networkpolicy-default-deny.yaml', 'calico-globalnetworkpolicy-default-deny.yaml', 'calico-globalnetworkpolicy-restricted-isolation.yaml']) {
    const path = join(PROJECT_ROOT, 'content', 'templates', f);
    const docs = parseYamlAll(readFileSync(path), path) as Obj[];
    assert.ok(docs.length >= 1);
    for (const d of docs) assert.match(String(d.kind), /^(NetworkPolicy|GlobalNetworkPolicy)$/);
  }
});

function catalogIds(path: string): Set<string> {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if (Array.isArray(v.controls)) for (const ctl of v.controls) if (isObj(ctl) && typeof ctl.id === 'string') ids.add(ctl.id);
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(JSON.parse(readFileSync(path, 'utf8')));
  return ids;
}

test('NIST SP 800-53 Rev. 5 control ids exist in the NIST OSCAL catalog', async (t) => {
  const path = sharedData(t, 'oscal', 'nist', 'sp800-53', 'rev5', 'legacy-v5.0.1-oscal-1.0.0', 'NIST_SP-800-53_rev5_catalog.json');
  if (!path) return;
  const ids = catalogIds(path);
  const c = await content();
  for (const ctl of c.frameworks.get('nist-800-53-r5')?.controls ?? []) assert.ok(ids.has(ctl.id), ctl.id);
});

test('FedRAMP High control ids are in the FedRAMP Rev. 5 HIGH baseline', async (t) => {
  const path = sharedData(t, 'oscal', 'fedramp', 'oscal-foundation-fedramp-resources', 'rev5', 'json', 'FedRAMP_rev5_HIGH-baseline-resolved-profile_catalog.json');
  if (!path) return;
  const ids = catalogIds(path);
  const c = await content();
  for (const ctl of c.frameworks.get('fedramp-high')?.controls ?? []) assert.ok(ids.has(ctl.id), ctl.id);
});

test('NIST CSF 2.0 subcategory ids exist in the CSF 2.0 catalog and are not CSF 1.1 leftovers', async (t) => {
  const path = sharedData(t, 'oscal', 'nist', 'csf', 'v2.0', 'json-converted-from-develop-xml', 'NIST_CSF_v2.0_catalog.develop-2025-05.converted.json');
  if (!path) return;
  const ids = catalogIds(path);
  const c = await content();
  const csf11Only = /^(PR\.AC|PR\.IP|PR\.PT|PR\.MA|ID\.BE|ID\.GV|ID\.SC|DE\.DP|RS\.RP|RS\.IM|RC\.IM)-/;
  for (const ctl of c.frameworks.get('nist-csf-2.0')?.controls ?? []) {
    assert.ok(ids.has(ctl.id), ctl.id);
    assert.doesNotMatch(ctl.id, csf11Only, `${ctl.id} is a CSF 1.1 id`);
  }
});
