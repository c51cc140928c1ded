/**
 * The evaluator: for each resource and policy, the computed rules (with autogen) go
 * through Kyverno's pipeline (`pkg/engine/validation.go`, `handlers/validation`):
 * match/exclude (no response when not matched), context, preconditions (false: skip),
 * then the first handler present: manifests, podSecurity, cel, deny, pattern/anyPattern,
 * foreach. Anything that needs a live cluster gives an explicit skip with the reason.
 */
import { computeRules } from './autogen.ts';
import { findException, type PolicyException } from './exceptions.ts';
import { evaluateConditions, ConditionError } from './conditions.ts';
import { buildContext, setPath, type Operation } from './context.ts';
import { searchJmes, NotFoundError, JmesError, isObject } from './jmespath.ts';
import { ruleApplies, resourceName, resourceNamespace, type UserInfo } from './match.ts';
import { matchPattern } from './pattern.ts';
import { evaluatePodSecurity } from './pss.ts';
import { evaluateCel } from './cel.ts';
import { substituteAll, substituteString, SubstitutionError } from './variables.ts';
import type { ContextEntry, ForEach, Policy, Resource, Rule, RuleResult, RuleStatus } from './types.ts';

export interface EvaluateOptions {
  operation?: Operation;
  /** Labels per namespace name (from Namespace objects or a values file). */
  namespaceLabels?: Record<string, Record<string, string>>;
  /** Global variables (dotted paths) set in every context. */
  globalValues?: Record<string, unknown>;
  /** The requester (kyverno test `userinfo`); sets request.userInfo/roles/clusterRoles. */
  userInfo?: UserInfo;
  /** PolicyExceptions to honour. */
  exceptions?: readonly PolicyException[];
  /** Values per policy, rule and resource, as in a kyverno test values file. */
  ruleValues?: (policy: string, rule: string, resource: string) => Record<string, unknown> | undefined;
}

interface Outcome {
  status: RuleStatus;
  message: string;
  /** The resource a generate rule with `data` would create. */
  generated?: Resource;
}

/** A generate rule with `data`: the resource it would create, variables substituted. */
function runGenerate(rule: Rule, gen: Record<string, unknown>, ctx: Record<string, unknown>): Outcome {
  let g: Record<string, unknown>;
  try {
    g = substituteAll(gen, ctx) as Record<string, unknown>;
  } catch (e) {
    return { status: 'error', message: `variable substitution failed: ${errorText(e)}` };
  }
  const data = isObject(g.data) ? g.data : {};
  const meta = isObject(data.metadata) ? data.metadata : {};
  const generated: Resource = {
    ...data,
    apiVersion: String(g.apiVersion ?? ''),
    kind: String(g.kind ?? ''),
    metadata: { ...meta, name: String(g.name ?? ''), ...(g.namespace ? { namespace: String(g.namespace) } : {}) },
  };
  if (!generated.kind || !(generated.metadata as { name: string }).name) return { status: 'error', message: `rule ${rule.name}: generate needs kind and name` };
  return { status: 'pass', message: `created resource ${generated.kind}/${g.namespace ? `${String(g.namespace)}/` : ''}${String(g.name)}`, generated };
}

const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ClusterPolicy', 'APIService', 'CSIDriver',
  'CSINode', 'IngressClass', 'RuntimeClass', 'VolumeAttachment', 'CertificateSigningRequest', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'GlobalNetworkPolicy', 'ClusterPolicyReport', 'PodSecurityPolicy', 'ClusterIssuer',
]);

export const isClusterScoped = (kind: string): boolean => CLUSTER_SCOPED.has(kind);

/** As the Kyverno CLI loads a resource: a namespaced resource without namespace is in `default`. */
export function normalizeResource(r: Resource): Resource {
  const meta = isObject(r.metadata) ? r.metadata : {};
  if (typeof r.kind === 'string' && !CLUSTER_SCOPED.has(r.kind) && !meta.namespace) {
    return { ...r, metadata: { ...meta, namespace: 'default' } };
  }
  return r;
}

export function resourceRef(r: Resource): RuleResult['resource'] {
  const ns = resourceNamespace(r);
  return { apiVersion: String(r.apiVersion ?? ''), kind: String(r.kind ?? ''), name: resourceName(r), ...(ns ? { namespace: ns } : {}) };
}

const LIVE = ['apiCall', 'configMap', 'imageRegistry', 'globalReference'] as const;

/** Loads context entries into ctx; returns a skip/error outcome when one cannot be. */
function loadContext(entries: readonly ContextEntry[] | undefined, ctx: Record<string, unknown>, supplied: Record<string, unknown>): Outcome | undefined {
  for (const e of entries ?? []) {
    if (Object.prototype.hasOwnProperty.call(supplied, e.name)) {
      setPath(ctx, e.name, supplied[e.name]);
      continue;
    }
    const live = LIVE.find((k) => e[k] !== undefined);
    if (live) return { status: 'skip', message: `context entry "${e.name}" needs a live cluster (${live}); it is not evaluated offline unless a values file supplies it` };
    if (e.variable) {
      try {
        let value: unknown = e.variable.value !== undefined ? substituteAll(e.variable.value, ctx) : undefined;
        if (e.variable.jmesPath) {
          const path = String(substituteString(e.variable.jmesPath, ctx));
          try {
            value = searchJmes(path, value !== undefined ? value : ctx);
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
            value = null;
          }
        }
        if ((value === null || value === undefined) && e.variable.default !== undefined) value = substituteAll(e.variable.default, ctx);
        if (value === null || value === undefined) return { status: 'error', message: `failed to load context entry "${e.name}": the variable resolved to null` };
        setPath(ctx, e.name, value);
      } catch (err) {
        return { status: 'error', message: `failed to load context entry "${e.name}": ${(err as Error).message}` };
      }
      continue;
    }
    return { status: 'error', message: `context entry "${e.name}" has no supported source` };
  }
  return undefined;
}

/** The rule message with variables substituted; undefined when substitution fails. */
function messageOf(rule: Rule, ctx: unknown): string | undefined {
  const raw = rule.validate?.message ?? '';
  try {
    const v = substituteString(raw, ctx);
    return typeof v === 'string' ? v : "the produced message didn't resolve to a string, check your policy definition.";
  } catch {
    return undefined;
  }
}

/** buildErrorMessage of validate_resource.go. */
function buildErrorMessage(rule: Rule, label: string, ctx: unknown, path: string, err: string): string {
  if (!rule.validate?.message) {
    return path ? `validation error: rule ${label} failed at path ${path}` : `validation error: rule ${label} execution error: ${err}`;
  }
  let msg = messageOf(rule, ctx);
  if (msg === undefined) return `validation error: variables substitution error in rule ${label} execution error: ${err}`;
  if (!msg.endsWith('.')) msg += '.';
  return path ? `validation error: ${msg} rule ${label} failed at path ${path}` : `validation error: ${msg} rule ${label} execution error: ${err}`;
}

function errorText(e: unknown): string {
  if (e instanceof SubstitutionError || e instanceof ConditionError || e instanceof JmesError || e instanceof NotFoundError) return e.message;
  throw e;
}

function runPattern(rule: Rule, pattern: unknown, target: unknown, ctx: unknown): Outcome {
  let p: unknown;
  try {
    p = substituteAll(pattern, ctx, target);
  } catch (e) {
    return { status: 'error', message: `variable substitution failed: ${errorText(e)}` };
  }
  const r = matchPattern(target, p);
  switch (r.status) {
    case 'pass':
      return { status: 'pass', message: `validation rule '${rule.name}' passed.` };
    case 'skip':
      return { status: 'skip', message: r.message };
    case 'fail':
      return { status: 'fail', message: buildErrorMessage(rule, rule.name, ctx, r.path, r.message) };
    case 'error':
      return { status: 'error', message: buildErrorMessage(rule, rule.name, ctx, '', r.message) };
  }
}

function runAnyPattern(rule: Rule, patterns: readonly unknown[], target: unknown, ctx: unknown): Outcome {
  let subst: unknown[];
  try {
    subst = patterns.map((p) => substituteAll(p, ctx, target));
  } catch (e) {
    return { status: 'error', message: `variable substitution failed: ${errorText(e)}` };
  }
  const failed: string[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < subst.length; i++) {
    const r = matchPattern(target, subst[i]);
    if (r.status === 'pass') return { status: 'pass', message: `validation rule '${rule.name}' anyPattern[${i}] passed.` };
    if (r.status === 'skip') skipped.push(`rule ${rule.name}[${i}] skipped: ${r.message}`);
    else if (r.status === 'fail') failed.push(`rule ${rule.name}[${i}] failed at path ${r.path}`);
    else failed.push(`rule ${rule.name}[${i}] failed: ${r.message}`);
  }
  if (skipped.length > 0 && failed.length === 0) return { status: 'skip', message: skipped.join(' ') };
  if (failed.length > 0) {
    const m = rule.validate?.message ?? '';
    const text = failed.join(' ');
    return { status: 'fail', message: !m ? `validation error: ${text}` : m.endsWith('.') ? `validation error: ${m} ${text}` : `validation error: ${m}. ${text}` };
  }
  return { status: 'pass', message: rule.validate?.message ?? '' };
}

function runDeny(rule: Rule, conditions: Parameters<typeof evaluateConditions>[0], ctx: unknown, label = rule.name): Outcome {
  let denied: boolean;
  try {
    denied = evaluateConditions(conditions ?? {}, ctx).result;
  } catch (e) {
    return { status: 'error', message: `failed to check deny conditions: ${errorText(e)}` };
  }
  if (!denied) return { status: 'pass', message: `validation rule '${label}' passed.` };
  if (!rule.validate?.message) return { status: 'fail', message: `validation error: rule ${label} failed` };
  return { status: 'fail', message: messageOf(rule, ctx) ?? rule.validate.message };
}

function runForEach(rule: Rule, list: readonly ForEach[], resource: Resource, ctx: Record<string, unknown>, level: number, supplied: Record<string, unknown>): Outcome | undefined {
  let applied = 0;
  for (const fe of list) {
    let elements: unknown;
    try {
      elements = searchJmes(String(substituteString(fe.list, ctx)), ctx);
    } catch (e) {
      if (e instanceof NotFoundError || e instanceof SubstitutionError) continue;
      return { status: 'error', message: `failed to evaluate foreach list "${fe.list}": ${errorText(e)}` };
    }
    const items = Array.isArray(elements) ? elements : elements === null || elements === undefined ? [] : [elements];
    for (let i = 0; i < items.length; i++) {
      const el = items[i];
      if (el === null || el === undefined) continue;
      const ectx: Record<string, unknown> = { ...ctx, element: el, elementIndex: i, [`element${level}`]: el, [`elementIndex${level}`]: i };
      const loaded = loadContext(fe.context, ectx, supplied);
      if (loaded) {
        if (loaded.status === 'skip' || i < items.length - 1) continue;
        return { status: loaded.status, message: `validation failure: ${loaded.message}` };
      }
      try {
        if (!evaluateConditions(fe.preconditions, ectx).result) continue;
      } catch (e) {
        if (i < items.length - 1) continue;
        return { status: 'error', message: `validation failure: failed to evaluate preconditions: ${errorText(e)}` };
      }
      let r: Outcome | undefined;
      const scopeElement = fe.elementScope ?? isObject(el);
      const target = scopeElement ? el : resource;
      if (fe.deny) r = runDeny(rule, fe.deny.conditions, ectx);
      else if (fe.pattern !== undefined) r = runPattern(rule, fe.pattern, target, ectx);
      else if (fe.anyPattern) r = runAnyPattern(rule, fe.anyPattern, target, ectx);
      else if (fe.foreach) r = runForEach(rule, fe.foreach, resource, ectx, level + 1, supplied);
      if (!r || r.status === 'skip') continue;
      if (r.status === 'error' && i < items.length - 1) continue;
      if (r.status !== 'pass') return { status: r.status, message: `validation failure: ${r.message}` };
      applied++;
    }
  }
  if (applied === 0) return undefined;
  return { status: 'pass', message: 'rule passed' };
}

/** Evaluates one rule against one resource; undefined when the rule gives no response. */
export function evaluateRule(policy: Policy, rule: Rule, resource: Resource, opts: EvaluateOptions = {}): Outcome | undefined {
  const operation = opts.operation ?? 'CREATE';
  const ns = resource.kind === 'Namespace' ? resourceName(resource) : resourceNamespace(resource);
  const input = { resource, operation, namespaceLabels: opts.namespaceLabels?.[ns], userInfo: opts.userInfo };
  if (!ruleApplies(rule, input)) return undefined;
  if (opts.exceptions?.length) {
    const ex = findException(opts.exceptions, policy, rule, input, buildContext(resource, operation, opts.globalValues));
    if (ex) return { status: 'skip', message: `rule skipped due to policy exception ${ex.metadata.namespace ? `${ex.metadata.namespace}/` : ''}${ex.metadata.name}` };
  }
  const gen = isObject(rule.generate) ? rule.generate : undefined;
  const generateFromData = !rule.validate && gen !== undefined && gen.data !== undefined;
  if (!generateFromData) {
    for (const k of ['mutate', 'generate', 'verifyImages'] as const) {
      if (rule[k] !== undefined && !rule.validate) return { status: 'skip', message: `${k} rules need a live cluster and are not evaluated offline` };
    }
  }
  const v = rule.validate ?? {};
  if (!rule.validate && !generateFromData) return { status: 'skip', message: 'rule has no validate block' };
  const supplied = opts.ruleValues?.(policy.metadata.name, rule.name, resourceName(resource)) ?? {};
  const ctx = buildContext(resource, operation, { ...opts.globalValues, ...supplied });
  if (opts.userInfo) {
    const request = ctx.request as Record<string, unknown>;
    request.userInfo = { username: opts.userInfo.username ?? '', groups: opts.userInfo.groups ?? [] };
    request.roles = opts.userInfo.roles ?? [];
    request.clusterRoles = opts.userInfo.clusterRoles ?? [];
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(opts.userInfo.username ?? '');
    if (sa) {
      ctx.serviceAccountNamespace = sa[1];
      ctx.serviceAccountName = sa[2];
    }
  }
  const loaded = loadContext(rule.context, ctx, supplied);
  if (loaded) return loaded;
  try {
    if (!evaluateConditions(rule.preconditions, ctx).result) return { status: 'skip', message: 'preconditions not met' };
  } catch (e) {
    return { status: 'error', message: `failed to evaluate preconditions: ${errorText(e)}` };
  }
  if (generateFromData && gen) return runGenerate(rule, gen, ctx);
  if (v.manifests !== undefined) return { status: 'skip', message: 'manifest signature verification needs signing material from the cluster; not evaluated offline' };
  if (v.podSecurity) {
    if (operation === 'DELETE') return undefined;
    return evaluatePodSecurity(rule.name, v.podSecurity, resource);
  }
  if (v.cel !== undefined) return evaluateCel(rule.name, v.cel, resource, ctx, ns);
  if (!v.deny && v.pattern === undefined && !v.anyPattern && !v.foreach) return { status: 'skip', message: 'validate block has no supported check' };
  if (operation === 'DELETE' && !v.deny && (v.pattern !== undefined || v.anyPattern)) return undefined;
  const out = runValidate(rule, resource, ctx, supplied);
  // allowExistingViolations (default true) with Enforce: an UPDATE whose old object fails
  // too is skipped (validate_resource.go validate, Appendix A.18).
  const oldObject = (ctx.request as { oldObject?: unknown }).oldObject;
  if (out?.status === 'fail' && operation === 'UPDATE' && isObject(oldObject) && isEnforce(policy, rule) && rule.validate?.allowExistingViolations !== false) {
    const oldCtx = { ...ctx, request: { ...(ctx.request as object), object: oldObject } };
    if (runValidate(rule, oldObject, oldCtx, supplied)?.status === 'fail') {
      return { status: 'skip', message: 'skipping modified resource as validation results have not changed' };
    }
  }
  return out;
}

function isEnforce(policy: Policy, rule: Rule): boolean {
  const action = rule.validate?.failureAction ?? policy.spec.validationFailureAction ?? 'Audit';
  return action.toLowerCase() === 'enforce';
}

function runValidate(rule: Rule, resource: Resource, ctx: Record<string, unknown>, supplied: Record<string, unknown>): Outcome | undefined {
  const v = rule.validate ?? {};
  if (v.deny) return runDeny(rule, v.deny.conditions, ctx);
  if (v.pattern !== undefined) return runPattern(rule, v.pattern, resource, ctx);
  if (v.anyPattern) return runAnyPattern(rule, v.anyPattern, resource, ctx);
  if (v.foreach) return runForEach(rule, v.foreach, resource, ctx, 0, supplied);
  return undefined;
}

function policyApplies(policy: Policy, resource: Resource): boolean {
  if (policy.kind !== 'Policy') return true;
  const ns = policy.metadata.namespace ?? 'default';
  return resourceNamespace(resource) === ns;
}

/** Evaluates every policy against every resource. */
export function evaluate(policies: readonly Policy[], resources: readonly Resource[], opts: EvaluateOptions = {}): RuleResult[] {
  const out: RuleResult[] = [];
  for (const raw of resources) out.push(...evaluateResource(policies, raw, opts));
  return out;
}

export function evaluateResource(policies: readonly Policy[], raw: Resource, opts: EvaluateOptions = {}): RuleResult[] {
  const out: RuleResult[] = [];
  const resource = normalizeResource(raw);
  const ref = resourceRef(resource);
  for (const policy of policies) {
    if (!policyApplies(policy, resource)) continue;
    const category = policy.metadata.annotations?.['policies.kyverno.io/category'];
    const severity = policy.metadata.annotations?.['policies.kyverno.io/severity'];
    for (const { rule, origin } of computeRules(policy)) {
      const r = evaluateRule(policy, rule, resource, opts);
      if (!r) continue;
      out.push({
        policy: policy.metadata.name,
        ...(policy.kind === 'Policy' ? { policyNamespace: policy.metadata.namespace ?? 'default' } : {}),
        rule: rule.name,
        status: r.status === 'fail' && policy.metadata.annotations?.['policies.kyverno.io/scored'] === 'false' ? 'warn' : r.status,
        message: r.message,
        resource: ref,
        ...(category ? { category } : {}),
        ...(severity ? { severity } : {}),
        ...(origin ? { autogen: true } : {}),
        ...(r.generated ? { generated: r.generated } : {}),
      });
      if (policy.spec.applyRules === 'One' && (r.status === 'pass' || r.status === 'fail')) break;
    }
  }
  return out;
}
