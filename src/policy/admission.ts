/**
 * CEL admission policies: Kubernetes ValidatingAdmissionPolicy
 * (admissionregistration.k8s.io/v1) with its bindings, and Kyverno's ValidatingPolicy
 * (policies.kyverno.io). Both use matchConstraints (resource rules by API group,
 * version, operation and plural resource name, namespace and object selectors),
 * matchConditions, variables and validations; every validation must hold.
 * Parameters (paramKind/paramRef) need cluster objects and give an explicit skip.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { evaluateCel } from './cel.ts';
import { buildContext, type Operation } from './context.ts';
import { isObject } from './jmespath.ts';
import { resourceGVK, resourceLabels, resourceName, resourceNamespace, selectorMatches } from './match.ts';
import { LabelSelectorSchema, type Resource, type RuleResult, type RuleStatus } from './types.ts';
import { wildcardMatch } from './wildcard.ts';

const RuleWithOps = z.looseObject({
  apiGroups: z.array(z.string()).optional(),
  apiVersions: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  operations: z.array(z.string()).optional(),
  resourceNames: z.array(z.string()).optional(),
});
const MatchResources = z.looseObject({
  resourceRules: z.array(RuleWithOps).optional(),
  excludeResourceRules: z.array(RuleWithOps).optional(),
  namespaceSelector: LabelSelectorSchema.optional(),
  objectSelector: LabelSelectorSchema.optional(),
});
const Named = z.looseObject({ name: z.string(), expression: z.string() });
const Validation = z.looseObject({ expression: z.string(), message: z.string().optional(), messageExpression: z.string().optional() });

export const AdmissionPolicySchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.enum(['ValidatingAdmissionPolicy', 'ValidatingPolicy']),
  metadata: z.looseObject({ name: z.string().min(1), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.looseObject({
    matchConstraints: MatchResources.optional(),
    matchConditions: z.array(Named).optional(),
    variables: z.array(Named).optional(),
    validations: z.array(Validation).min(1),
    paramKind: z.unknown().optional(),
  }),
});
export const BindingSchema = z.looseObject({
  kind: z.literal('ValidatingAdmissionPolicyBinding'),
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({ policyName: z.string(), matchResources: MatchResources.optional(), paramRef: z.unknown().optional() }),
});

export type AdmissionPolicy = z.infer<typeof AdmissionPolicySchema> & { bindings: z.infer<typeof BindingSchema>[] };
type MatchResourcesT = z.infer<typeof MatchResources>;

const ADMISSION_KINDS = new Set(['ValidatingAdmissionPolicy', 'ValidatingPolicy', 'ValidatingAdmissionPolicyBinding']);

/** CEL admission policies and bindings among parsed documents; bindings join their policy. */
export function parseAdmissionDocuments(docs: readonly unknown[], source: string): { policies: AdmissionPolicy[]; bindings: z.infer<typeof BindingSchema>[] } {
  const policies: AdmissionPolicy[] = [];
  const bindings: z.infer<typeof BindingSchema>[] = [];
  for (const doc of docs) {
    if (!isObject(doc) || typeof doc.kind !== 'string' || !ADMISSION_KINDS.has(doc.kind)) continue;
    const schema = doc.kind === 'ValidatingAdmissionPolicyBinding' ? BindingSchema : AdmissionPolicySchema;
    const r = schema.safeParse(doc);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new AirlockError('BAD_INPUT', `${source}: ${doc.kind}: field ${(i?.path ?? []).join('.') || '(document)'}: ${i?.message ?? 'invalid'}`);
    }
    if (doc.kind === 'ValidatingAdmissionPolicyBinding') bindings.push(r.data as z.infer<typeof BindingSchema>);
    else policies.push({ ...(r.data as z.infer<typeof AdmissionPolicySchema>), bindings: [] });
  }
  return { policies, bindings };
}

export function joinBindings(policies: AdmissionPolicy[], bindings: readonly z.infer<typeof BindingSchema>[]): AdmissionPolicy[] {
  for (const b of bindings) policies.find((p) => p.kind === 'ValidatingAdmissionPolicy' && p.metadata.name === b.spec.policyName)?.bindings.push(b);
  return policies;
}

const IRREGULAR: Record<string, string> = { Endpoints: 'endpoints', Ingress: 'ingresses', IngressClass: 'ingressclasses' };

/** The plural resource name of a kind (the Kubernetes convention for built-in kinds). */
export function pluralOf(kind: string): string {
  if (IRREGULAR[kind]) return IRREGULAR[kind];
  const k = kind.toLowerCase();
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

function ruleMatches(rules: readonly z.infer<typeof RuleWithOps>[], resource: Resource, operation: Operation): boolean {
  const gvk = resourceGVK(resource);
  const plural = pluralOf(gvk.kind);
  const any = (list: readonly string[] | undefined, v: string): boolean => !list || list.some((x) => x === '*' || x === v);
  return rules.some(
    (r) =>
      any(r.apiGroups, gvk.group) &&
      any(r.apiVersions, gvk.version) &&
      (!r.operations || r.operations.some((o) => o === '*' || o === operation)) &&
      (!r.resources || r.resources.some((x) => x === '*' || x === '*/*' || x === plural)) &&
      (!r.resourceNames?.length || r.resourceNames.some((n) => wildcardMatch(n, resourceName(resource)))),
  );
}

function matchResources(m: MatchResourcesT | undefined, resource: Resource, operation: Operation, nsLabels: Record<string, string> | undefined): boolean {
  if (!m) return true;
  if (m.resourceRules && !ruleMatches(m.resourceRules, resource, operation)) return false;
  if (m.excludeResourceRules && ruleMatches(m.excludeResourceRules, resource, operation)) return false;
  if (m.objectSelector && !selectorMatches(m.objectSelector, resourceLabels(resource))) return false;
  if (m.namespaceSelector && (m.namespaceSelector.matchLabels || m.namespaceSelector.matchExpressions?.length)) {
    if (!resourceNamespace(resource)) return false;
    if (!selectorMatches(m.namespaceSelector, nsLabels ?? {})) return false;
  }
  return true;
}

export interface AdmissionOptions {
  operation?: Operation;
  namespaceLabels?: Record<string, Record<string, string>>;
}

/** Evaluates one admission policy against one resource; undefined when it does not apply. */
export function evaluateAdmissionPolicy(p: AdmissionPolicy, resource: Resource, opts: AdmissionOptions = {}): { status: RuleStatus; message: string } | undefined {
  const operation = opts.operation ?? 'CREATE';
  const ns = resourceNamespace(resource);
  const nsLabels = opts.namespaceLabels?.[ns];
  if (!matchResources(p.spec.matchConstraints, resource, operation, nsLabels)) return undefined;
  if (p.bindings.length > 0 && !p.bindings.some((b) => matchResources(b.spec.matchResources, resource, operation, nsLabels))) return undefined;
  if (p.spec.paramKind !== undefined || p.bindings.some((b) => b.spec.paramRef !== undefined)) {
    return { status: 'skip', message: `policy ${p.metadata.name}: parameters (paramKind/paramRef) need cluster objects; not evaluated offline` };
  }
  const ctx = buildContext(resource, operation);
  for (const c of p.spec.matchConditions ?? []) {
    const r = evaluateCel(p.metadata.name, { variables: p.spec.variables, expressions: [{ expression: c.expression }] }, resource, ctx, ns);
    if (r.status === 'fail') return undefined;
    if (r.status === 'error') return { status: 'error', message: `matchCondition ${c.name}: ${r.message}` };
  }
  return evaluateCel(p.metadata.name, { variables: p.spec.variables, expressions: p.spec.validations }, resource, ctx, ns);
}

export function evaluateAdmission(policies: readonly AdmissionPolicy[], resources: readonly Resource[], opts: AdmissionOptions = {}): RuleResult[] {
  const out: RuleResult[] = [];
  for (const r of resources) {
    for (const p of policies) {
      const res = evaluateAdmissionPolicy(p, r, opts);
      if (!res) continue;
      const ns = resourceNamespace(r);
      out.push({
        policy: p.metadata.name,
        rule: '',
        status: res.status,
        message: res.message,
        resource: { apiVersion: String(r.apiVersion ?? ''), kind: String(r.kind ?? ''), name: resourceName(r), ...(ns ? { namespace: ns } : {}) },
      });
    }
  }
  return out;
}
