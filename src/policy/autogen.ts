/**
 * Auto-generated rules for pod controllers, as Kyverno computes them
 * (`pkg/autogen/v1/{autogen,rule}.go`): a rule matching Pod is cloned into
 * `autogen-<rule>` (DaemonSet, Deployment, Job, StatefulSet, ReplicaSet,
 * ReplicationController; patterns wrapped in spec.template) and `autogen-cronjob-<rule>`
 * (CronJob; wrapped in spec.jobTemplate.spec.template), with `request.object.spec` and
 * `request.object.metadata` rewritten in variables. The annotation
 * `pod-policies.kyverno.io/autogen-controllers` restricts or disables it.
 */
import type { MatchBlock, Policy, ResourceDescription, Rule } from './types.ts';

export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';
const DEFAULT_CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'CronJob'];
const POD_CONTROLLERS = new Set(['Pod', ...DEFAULT_CONTROLLERS]);

export interface ComputedRule {
  rule: Rule;
  /** The name of the rule it was generated from, for autogen rules. */
  origin?: string;
}

const kindName = (k: string): string => {
  const last = k.split('/').pop() ?? k;
  return last.split('.')[0] ?? last;
};

function descriptions(m: MatchBlock | undefined): ResourceDescription[] {
  if (!m) return [];
  const out: ResourceDescription[] = [];
  for (const f of [...(m.any ?? []), ...(m.all ?? [])]) if (f.resources) out.push(f.resources);
  if (m.resources) out.push(m.resources);
  return out;
}

function canAutoGen(policy: Policy): boolean {
  let mentionsPod = false;
  for (const rule of policy.spec.rules) {
    if (rule.generate !== undefined) return false;
    if (typeof rule.mutate === 'object' && rule.mutate !== null && 'patchesJson6902' in rule.mutate) return false;
    for (const d of [...descriptions(rule.match), ...descriptions(rule.exclude)]) {
      if (d.name || d.names?.length || d.selector || d.annotations) return false;
      const kinds = (d.kinds ?? []).map(kindName);
      if (kinds.includes('Pod') && kinds.length > 1) return false;
      if (kinds.some((k) => POD_CONTROLLERS.has(k))) mentionsPod = true;
    }
  }
  return mentionsPod;
}

/** The controllers autogen applies to for this policy (empty when disabled). */
export function autogenControllers(policy: Policy): string[] {
  if (!canAutoGen(policy)) return [];
  const ann = policy.metadata.annotations?.[AUTOGEN_ANNOTATION];
  if (ann === undefined) return DEFAULT_CONTROLLERS;
  if (ann.trim() === 'none') return [];
  return ann
    .split(',')
    .map((s) => s.trim())
    .filter((s) => DEFAULT_CONTROLLERS.includes(s));
}

function matchesPod(rule: Rule): boolean {
  const m = descriptions(rule.match);
  if (!m.some((d) => (d.kinds ?? []).map(kindName).includes('Pod'))) return false;
  const x = descriptions(rule.exclude).filter((d) => d.kinds?.length);
  return x.every((d) => (d.kinds ?? []).map(kindName).includes('Pod'));
}

function replaceKinds(m: MatchBlock | undefined, kinds: string[]): MatchBlock | undefined {
  if (!m) return m;
  const fix = (d: ResourceDescription | undefined): ResourceDescription | undefined => (d && d.kinds?.length ? { ...d, kinds } : d);
  return {
    ...m,
    any: m.any?.map((f) => ({ ...f, resources: fix(f.resources) })),
    all: m.all?.map((f) => ({ ...f, resources: fix(f.resources) })),
    resources: fix(m.resources),
  };
}

function rewriteText(value: unknown, spec: string, metadata: string): unknown {
  const text = JSON.stringify(value ?? null)
    .replace(/request\.(object|oldObject)\.spec(?![A-Za-z0-9_])/g, `request.$1.${spec}`)
    .replace(/request\.(object|oldObject)\.metadata(?![A-Za-z0-9_])/g, `request.$1.${metadata}`);
  return JSON.parse(text) as unknown;
}

function wrapPattern(p: unknown, cron: boolean): unknown {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return p;
  return cron ? { spec: { jobTemplate: { spec: { template: p } } } } : { spec: { template: p } };
}

function generate(rule: Rule, kinds: string[], cron: boolean): Rule {
  const spec = cron ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec';
  const metadata = cron ? 'spec.jobTemplate.spec.template.metadata' : 'spec.template.metadata';
  const { match, exclude, validate, ...rest } = rule;
  const out = rewriteText(rest, spec, metadata) as Rule;
  out.name = `${cron ? 'autogen-cronjob-' : 'autogen-'}${rule.name}`;
  out.match = replaceKinds(match, kinds) as MatchBlock;
  const x = replaceKinds(exclude, kinds);
  if (x) out.exclude = x;
  if (validate) {
    const v = rewriteText(validate, spec, metadata) as NonNullable<Rule['validate']>;
    if (v.pattern !== undefined) v.pattern = wrapPattern(v.pattern, cron);
    if (v.anyPattern) v.anyPattern = v.anyPattern.map((p) => wrapPattern(p, cron));
    out.validate = v;
  }
  return out;
}

const computedCache = new WeakMap<Policy, ComputedRule[]>();

/** The policy's rules followed by the autogen rules. */
export function computeRules(policy: Policy): ComputedRule[] {
  const cached = computedCache.get(policy);
  if (cached) return cached;
  const out: ComputedRule[] = policy.spec.rules.map((rule) => ({ rule }));
  const controllers = autogenControllers(policy);
  const plain = controllers.filter((c) => c !== 'CronJob');
  for (const rule of policy.spec.rules) {
    if (!matchesPod(rule)) continue;
    if (plain.length) out.push({ rule: generate(rule, plain, false), origin: rule.name });
  }
  if (controllers.includes('CronJob')) {
    for (const rule of policy.spec.rules) if (matchesPod(rule)) out.push({ rule: generate(rule, ['CronJob'], true), origin: rule.name });
  }
  computedCache.set(policy, out);
  return out;
}
