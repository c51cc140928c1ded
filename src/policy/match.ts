/**
 * match / exclude as Kyverno applies them (`pkg/engine/utils/match.go`,
 * `pkg/utils/match/*.go`, `pkg/utils/kube/kind.go`): any/all/legacy blocks, kinds with
 * group/version and wildcards, names, namespaces, annotations, selectors,
 * namespaceSelector (labels of supplied Namespace objects), operations. User-info
 * fields are ignored in match and keep an exclude from firing, as in the Kyverno CLI.
 */
import { wildcardMatch } from './wildcard.ts';
import type { LabelSelector, MatchBlock, Resource, ResourceDescription, ResourceFilter, Rule } from './types.ts';

/** The requester, from a kyverno test `userinfo` file (RequestInfo). */
export interface UserInfo {
  username?: string;
  groups?: string[];
  roles?: string[];
  clusterRoles?: string[];
}

export interface MatchInput {
  resource: Resource;
  /** When absent, user fields are ignored in match and keep an exclude from firing (as in the CLI). */
  userInfo?: UserInfo;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** Labels of the resource's namespace, when known. */
  namespaceLabels?: Record<string, string>;
  subresource?: string;
}

const VERSION = /^(v\d+((alpha|beta)\d+)?|\*)$/;

export interface KindSelector {
  group: string;
  version: string;
  kind: string;
  subresource: string;
}

const kindCache = new Map<string, KindSelector>();

export function parseKindSelector(input: string): KindSelector {
  let k = kindCache.get(input);
  if (!k) {
    k = parseKindSelectorUncached(input);
    if (kindCache.size > 10_000) kindCache.clear();
    kindCache.set(input, k);
  }
  return k;
}

function parseKindSelectorUncached(input: string): KindSelector {
  const parts = input.split('/');
  let sub = '';
  const last = parts[parts.length - 1] ?? '';
  const dot = last.indexOf('.');
  if (dot > 0) {
    parts[parts.length - 1] = last.slice(0, dot);
    sub = last.slice(dot + 1);
  }
  switch (parts.length) {
    case 1:
      return { group: '*', version: '*', kind: parts[0] ?? '', subresource: sub };
    case 2:
      if (VERSION.test(parts[0] ?? '')) return { group: '*', version: parts[0] ?? '', kind: parts[1] ?? '', subresource: sub };
      if (/^[A-Z*]/.test(parts[0] ?? '') && /^[a-z*]/.test(parts[1] ?? '')) return { group: '*', version: '*', kind: parts[0] ?? '', subresource: parts[1] ?? '' };
      return { group: parts[0] ?? '', version: '*', kind: parts[1] ?? '', subresource: sub };
    case 3:
      if (VERSION.test(parts[1] ?? '')) return { group: parts[0] ?? '', version: parts[1] ?? '', kind: parts[2] ?? '', subresource: sub };
      return { group: '*', version: parts[0] ?? '', kind: parts[1] ?? '', subresource: parts[2] ?? '' };
    default:
      return { group: parts[0] ?? '', version: parts[1] ?? '', kind: parts[2] ?? '', subresource: parts.slice(3).join('/') };
  }
}

export function resourceGVK(resource: Resource): { group: string; version: string; kind: string } {
  const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof resource.kind === 'string' ? resource.kind : '',
  };
}

export function kindMatches(selectors: readonly string[], resource: Resource, subresource = ''): boolean {
  const gvk = resourceGVK(resource);
  return selectors.some((s) => {
    if (s === '*') return subresource === '';
    const k = parseKindSelector(s);
    if (!wildcardMatch(k.group, gvk.group) || !wildcardMatch(k.version, gvk.version) || !wildcardMatch(k.kind, gvk.kind)) return false;
    return k.subresource === '' ? subresource === '' : wildcardMatch(k.subresource, subresource);
  });
}

const meta = (r: Resource): Record<string, unknown> => (typeof r.metadata === 'object' && r.metadata !== null ? (r.metadata as Record<string, unknown>) : {});
const strMap = (v: unknown): Record<string, string> => {
  if (typeof v !== 'object' || v === null) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : String(x);
  return out;
};

export const resourceName = (r: Resource): string => String(meta(r).name ?? meta(r).generateName ?? '');
export const resourceNamespace = (r: Resource): string => (typeof meta(r).namespace === 'string' ? (meta(r).namespace as string) : '');
export const resourceLabels = (r: Resource): Record<string, string> => strMap(meta(r).labels);

/** A label selector, with Kyverno's wildcard keys and values in matchLabels. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const keys = Object.keys(labels).filter((lk) => wildcardMatch(k, lk));
    if (!keys.some((lk) => wildcardMatch(v, labels[lk] ?? ''))) return false;
  }
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(val ?? '')) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(val ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

function isEmptyDescription(d: ResourceDescription | undefined): boolean {
  if (!d) return true;
  return (
    !d.kinds?.length &&
    !d.name &&
    !d.names?.length &&
    !d.namespaces?.length &&
    !d.annotations &&
    !d.selector &&
    !d.namespaceSelector &&
    !d.operations?.length
  );
}

/** Whether one resource description holds for the input. */
export function descriptionMatches(d: ResourceDescription, input: MatchInput): boolean {
  const r = input.resource;
  if (d.operations?.length && !d.operations.includes(input.operation)) return false;
  if (d.kinds?.length && !kindMatches(d.kinds, r, input.subresource ?? '')) return false;
  const name = resourceName(r);
  if (d.name && !wildcardMatch(d.name, name)) return false;
  if (d.names?.length && !d.names.some((n) => wildcardMatch(n, name))) return false;
  if (d.namespaces?.length) {
    const ns = r.kind === 'Namespace' ? name : resourceNamespace(r);
    if (!d.namespaces.some((n) => wildcardMatch(n, ns))) return false;
  }
  if (d.annotations) {
    const ann = strMap(meta(r).annotations);
    for (const [k, v] of Object.entries(d.annotations)) {
      if (!Object.entries(ann).some(([ak, av]) => wildcardMatch(k, ak) && wildcardMatch(v, av))) return false;
    }
  }
  if (d.selector && !selectorMatches(d.selector, resourceLabels(r))) return false;
  if (d.namespaceSelector) {
    if (r.kind === 'Namespace') return false;
    if (!selectorMatches(d.namespaceSelector, input.namespaceLabels ?? {})) return false;
  }
  return true;
}

const hasUserInfo = (f: { subjects?: unknown[]; roles?: string[]; clusterRoles?: string[] }): boolean =>
  Boolean(f.subjects?.length || f.roles?.length || f.clusterRoles?.length);

function subjectMatches(subject: unknown, u: UserInfo): boolean {
  if (typeof subject !== 'object' || subject === null) return false;
  const { kind, name, namespace } = subject as { kind?: string; name?: string; namespace?: string };
  if (!name) return false;
  switch (kind) {
    case 'User':
      return wildcardMatch(name, u.username ?? '');
    case 'Group':
      return (u.groups ?? []).some((g) => wildcardMatch(name, g));
    case 'ServiceAccount':
      return u.username === `system:serviceaccount:${namespace ?? ''}:${name}`;
    default:
      return false;
  }
}

/** Every user field set in the filter must hold (pkg/utils/match). */
function userMatches(f: ResourceFilter, u: UserInfo): boolean {
  if (f.roles?.length && !f.roles.some((r) => (u.roles ?? []).includes(r))) return false;
  if (f.clusterRoles?.length && !f.clusterRoles.some((r) => (u.clusterRoles ?? []).includes(r))) return false;
  if (f.subjects?.length && !f.subjects.some((s) => subjectMatches(s, u))) return false;
  return true;
}

function filterMatches(f: ResourceFilter, input: MatchInput): boolean {
  if (isEmptyDescription(f.resources)) return false;
  if (!descriptionMatches(f.resources ?? {}, input)) return false;
  return !input.userInfo || !hasUserInfo(f) || userMatches(f, input.userInfo);
}

function filterExcludes(f: ResourceFilter, input: MatchInput): boolean {
  const user = hasUserInfo(f);
  if (user && !input.userInfo) return false;
  const emptyResources = isEmptyDescription(f.resources);
  if (emptyResources && !user) return false;
  if (!emptyResources && !descriptionMatches(f.resources ?? {}, input)) return false;
  return !user || userMatches(f, input.userInfo ?? {});
}

function legacy(m: MatchBlock): ResourceFilter {
  return { resources: m.resources, subjects: m.subjects, roles: m.roles, clusterRoles: m.clusterRoles };
}

/** Whether a rule applies to the input: matched and not excluded. */
export function ruleApplies(rule: Pick<Rule, 'match' | 'exclude'>, input: MatchInput): boolean {
  const m = rule.match;
  let matched: boolean;
  if (m.any?.length) matched = m.any.some((f) => filterMatches(f, input));
  else if (m.all?.length) matched = m.all.every((f) => filterMatches(f, input));
  else matched = filterMatches(legacy(m), input);
  if (!matched) return false;
  const x = rule.exclude;
  if (!x) return true;
  if (x.any?.length) return !x.any.some((f) => filterExcludes(f, input));
  if (x.all?.length) return !x.all.every((f) => filterExcludes(f, input));
  return !filterExcludes(legacy(x), input);
}
