/**
 * Runs `kyverno-test.yaml` files in the Kyverno CLI test format and checks each result
 * row as `kyverno test` does (`cmd/cli/kubectl-kyverno/commands/test`): resources are
 * selected by name or ns/name, the responses of `rule`, `autogen-<rule>` and
 * `autogen-cronjob-<rule>` must all have the wanted status, a rule that gave no
 * response passes as "Excluded", and a resource that is absent fails as "Not found".
 */
import { dirname, resolve, basename } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { listManifestFiles, loadAdmissionPolicies, loadExceptions, loadPolicies, loadResources, readManifestFile } from './load.ts';
import { evaluateAdmission } from './admission.ts';
import { computeRules } from './autogen.ts';
import { evaluate, normalizeResource, type EvaluateOptions } from './engine.ts';
import type { Operation } from './context.ts';
import { resourceName, resourceNamespace } from './match.ts';
import type { Policy, Resource, RuleResult } from './types.ts';

export const TEST_FILE_NAMES = ['kyverno-test.yaml', 'kyverno-test.yml'];

const ResultRow = z.looseObject({
  policy: z.string(),
  rule: z.string().optional(),
  isValidatingAdmissionPolicy: z.boolean().optional(),
  resources: z.array(z.string()).optional(),
  resource: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  result: z.enum(['pass', 'fail', 'skip', 'error', 'warn']),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE']).optional(),
  generatedResource: z.string().optional(),
  patchedResource: z.string().optional(),
});

const TestFile = z.looseObject({
  policies: z.array(z.string()).min(1),
  resources: z.array(z.string()).default([]),
  variables: z.string().optional(),
  exceptions: z.array(z.string()).optional(),
  userinfo: z.string().optional(),
  results: z.array(ResultRow).default([]),
});

const UserInfoFile = z.looseObject({
  roles: z.array(z.string()).optional(),
  clusterRoles: z.array(z.string()).optional(),
  userInfo: z.looseObject({ username: z.string().optional(), groups: z.array(z.string()).optional() }).optional(),
});

const ValuesFile = z.looseObject({
  globalValues: z.record(z.string(), z.unknown()).optional(),
  policies: z
    .array(
      z.looseObject({
        name: z.string(),
        rules: z.array(z.looseObject({ name: z.string(), values: z.record(z.string(), z.unknown()).optional() })).optional(),
        resources: z.array(z.looseObject({ name: z.string(), values: z.record(z.string(), z.unknown()).optional() })).optional(),
      }),
    )
    .optional(),
  namespaceSelector: z.array(z.looseObject({ name: z.string(), labels: z.record(z.string(), z.string()) })).optional(),
});

export interface TestRow {
  id: number;
  policy: string;
  rule: string;
  resource: string;
  want: string;
  got: string;
  ok: boolean;
  reason: string;
}

export interface TestFileResult {
  file: string;
  name: string;
  rows: TestRow[];
  passed: number;
  failed: number;
}

function zodMessage(file: string, e: z.ZodError): AirlockError {
  const i = e.issues[0];
  return new AirlockError('BAD_INPUT', `${file}: field ${(i?.path ?? []).join('.') || '(document)'}: ${i?.message ?? 'invalid'}`);
}

async function readOne(file: string): Promise<unknown> {
  const docs = await readManifestFile(file);
  if (docs.length !== 1) throw new AirlockError('BAD_INPUT', `${file}: expected one document, found ${docs.length}`);
  return docs[0];
}

/**
 * Resolves a path named in a test file against the test file's folder, as Kyverno does
 * (tests commonly name `../policy.yaml`). Reading stays bounded by the manifest limits.
 */
function within(base: string, p: string, file: string): string {
  if (p.includes('\0')) throw new AirlockError('BAD_INPUT', `${file}: invalid path "${p}"`);
  return resolve(base, p);
}

/** Whether every field of expected is in actual with the same value (lists compared whole). */
function isSubset(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.length === actual.length && expected.every((x, i) => isSubset(x, actual[i]));
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(expected).every(([k, v]) => isSubset(v, a[k]));
}

export async function runKyvernoTestFile(file: string): Promise<TestFileResult> {
  const base = dirname(file);
  const parsed = TestFile.safeParse(await readOne(file));
  if (!parsed.success) throw zodMessage(file, parsed.error);
  const t = parsed.data;
  const meta = (t as { metadata?: { name?: unknown }; name?: unknown }).metadata;
  const name = String(meta?.name ?? (t as { name?: unknown }).name ?? basename(base));
  const policyPaths = t.policies.map((p) => within(base, p, file));
  const policies: Policy[] = await loadPolicies(policyPaths);
  const admission = await loadAdmissionPolicies(policyPaths);
  // As the Kyverno CLI: namespaced resources default to "default", duplicates are dropped.
  const seen = new Set<string>();
  const resources: Resource[] = (await loadResources(t.resources.map((p) => within(base, p, file))))
    .map(normalizeResource)
    .filter((r) => {
      const key = `${String(r.apiVersion)}/${String(r.kind)}/${resourceNamespace(r)}/${resourceName(r)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const opts: EvaluateOptions = {
    exceptions: [...(await loadExceptions(policyPaths)), ...(t.exceptions ? await loadExceptions(t.exceptions.map((p) => within(base, p, file))) : [])],
  };
  let globalValues: Record<string, unknown> = {};
  if (t.variables) {
    const vf = within(base, t.variables, file);
    const v = ValuesFile.safeParse(await readOne(vf));
    if (!v.success) throw zodMessage(vf, v.error);
    globalValues = v.data.globalValues ?? {};
    const nsl: Record<string, Record<string, string>> = {};
    for (const s of v.data.namespaceSelector ?? []) nsl[s.name] = s.labels;
    opts.namespaceLabels = nsl;
    const pv = v.data.policies ?? [];
    opts.ruleValues = (policy, rule, resource) => {
      const p = pv.find((x) => x.name === policy);
      if (!p) return undefined;
      const base = rule.replace(/^autogen-(cronjob-)?/, '');
      return { ...(p.rules?.find((r) => r.name === base)?.values ?? {}), ...(p.resources?.find((r) => r.name === resource)?.values ?? {}) };
    };
  }
  if (t.userinfo) {
    const uf = within(base, t.userinfo, file);
    const u = UserInfoFile.safeParse(await readOne(uf));
    if (!u.success) throw zodMessage(uf, u.error);
    opts.userInfo = { username: u.data.userInfo?.username, groups: u.data.userInfo?.groups, roles: u.data.roles, clusterRoles: u.data.clusterRoles };
  }
  for (const r of resources) {
    if (r.kind === 'Namespace') {
      const labels = (r.metadata as { labels?: Record<string, string> }).labels ?? {};
      (opts.namespaceLabels ??= {})[resourceName(r)] ??= labels;
    }
  }
  const op = globalValues['request.operation'];
  const baseOperation: Operation = op === 'UPDATE' || op === 'DELETE' ? op : 'CREATE';
  const { ['request.operation']: _drop, ...rest } = globalValues;
  opts.globalValues = rest;

  const cache = new Map<Operation, RuleResult[]>();
  const resultsFor = (operation: Operation): RuleResult[] => {
    let r = cache.get(operation);
    if (!r) {
      r = [...evaluate(policies, resources, { ...opts, operation }), ...evaluateAdmission(admission, resources, { operation, namespaceLabels: opts.namespaceLabels })];
      cache.set(operation, r);
    }
    return r;
  };
  const rows: TestRow[] = [];
  for (const row of t.results) {
    const names = row.resources ?? (row.resource ? [row.resource] : []);
    const selected = names.length
      ? names.map((n) => ({ label: n, matches: resources.filter((r) => resourceName(r) === n || `${resourceNamespace(r)}/${resourceName(r)}` === n) }))
      : resources.map((r) => ({ label: resourceName(r), matches: [r] }));
    const results = resultsFor(row.operation ?? baseOperation);
    const policyName = row.policy.includes('/') ? row.policy.slice(row.policy.indexOf('/') + 1) : row.policy;
    const rules = row.rule === undefined ? undefined : new Set([row.rule, `autogen-${row.rule}`, `autogen-cronjob-${row.rule}`]);
    // A row naming a policy or rule that was not loaded is a mistake in the test, not an exclusion.
    const known = policies.find((p) => p.metadata.name === policyName);
    const knownAdmission = admission.some((p) => p.metadata.name === policyName);
    const missing = !known && !knownAdmission ? 'Policy not found' : known && row.rule !== undefined && !computeRules(known).some((r) => r.rule.name === row.rule) ? 'Rule not found' : undefined;
    for (const sel of selected) {
      const push = (got: string, ok: boolean, reason: string): void => {
        rows.push({ id: rows.length + 1, policy: row.policy, rule: row.rule ?? '', resource: `${row.kind ? `${row.kind}/` : ''}${sel.label}`, want: row.result, got, ok, reason });
      };
      if (missing) {
        push('', false, missing);
        continue;
      }
      if (sel.matches.length === 0) {
        push('', false, 'Not found');
        continue;
      }
      for (const res of sel.matches) {
        const name = resourceName(res);
        const ns = resourceNamespace(res);
        const found = results.filter(
          (r) => r.policy === policyName && (rules === undefined || rules.has(r.rule)) && r.resource.name === name && (r.resource.namespace ?? '') === ns && r.resource.kind === res.kind,
        );
        if (found.length === 0) {
          push('', true, 'Excluded');
          continue;
        }
        for (const f of found) {
          let ok = f.status === row.result;
          let reason = ok ? 'Ok' : `Want ${row.result}, got ${f.status}`;
          if (ok && row.generatedResource) {
            const expected = (await loadResources([within(base, row.generatedResource, file)]))[0];
            if (!f.generated || !expected || !isSubset(expected, f.generated)) {
              ok = false;
              reason = 'Generated resource did not match';
            }
          }
          push(f.status, ok, reason);
        }
      }
    }
  }
  const failed = rows.filter((r) => !r.ok).length;
  return { file, name, rows, passed: rows.length - failed, failed };
}

/** Finds kyverno-test.yaml files under the paths and runs each. */
export async function runKyvernoTests(paths: readonly string[]): Promise<TestFileResult[]> {
  const files = await listManifestFiles(paths, (f) => TEST_FILE_NAMES.includes(basename(f)));
  const tests = files.filter((f) => TEST_FILE_NAMES.includes(basename(f)));
  if (tests.length === 0) throw new AirlockError('NOT_FOUND', `${paths.join(', ')}: no kyverno-test.yaml found`);
  const out: TestFileResult[] = [];
  for (const f of tests) out.push(await runKyvernoTestFile(f));
  return out;
}
