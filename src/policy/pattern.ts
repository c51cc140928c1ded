/**
 * Kyverno's structural pattern matching for validate.pattern (`pkg/engine/validate`,
 * `pkg/engine/anchor`): maps, arrays, anchors (conditional, equality, existence,
 * negation, global), wildcard keys in metadata labels/annotations, and the rules that
 * turn a mismatch into skip, fail or error.
 */
import { validateScalar } from './scalar.ts';
import { hasWildcard, wildcardMatch } from './wildcard.ts';

export type AnchorKind = 'condition' | 'equality' | 'existence' | 'negation' | 'global' | 'add';

const ANCHOR = /^(\(|=\(|X\(|\^\(|<\(|\+\()(.+)\)$/;
const KINDS: Record<string, AnchorKind> = { '(': 'condition', '=(': 'equality', '^(': 'existence', 'X(': 'negation', '<(': 'global', '+(': 'add' };

const anchorCache = new Map<string, { kind: AnchorKind; key: string } | null>();

export function parseAnchor(key: string): { kind: AnchorKind; key: string } | undefined {
  const hit = anchorCache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const m = ANCHOR.exec(key);
  const kind = m ? KINDS[m[1] ?? ''] : undefined;
  const out = m && kind ? { kind, key: m[2] ?? '' } : null;
  if (anchorCache.size > 10_000) anchorCache.clear();
  anchorCache.set(key, out);
  return out ?? undefined;
}

/** An error that carries which anchor kinds it passed through (Kyverno tests error text). */
class PatternErr {
  constructor(
    readonly message: string,
    readonly cond = false,
    readonly global = false,
    readonly negation = false,
  ) {}
  get skip(): boolean {
    return this.cond || this.global;
  }
}

type Out = { path: string; err?: PatternErr };
const OK: Out = { path: '' };

interface AnchorTracker {
  seen: Map<string, boolean>;
}

export type PatternOutcome =
  | { status: 'pass' }
  | { status: 'skip'; message: string }
  | { status: 'fail'; path: string; message: string }
  | { status: 'error'; message: string };

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** MatchPattern: validates the whole resource against a pattern. */
export function matchPattern(resource: unknown, pattern: unknown): PatternOutcome {
  const ac: AnchorTracker = { seen: new Map() };
  const r = element(resource, pattern, '/', ac, 0);
  if (!r.err) return { status: 'pass' };
  if (r.err.skip) return { status: 'skip', message: r.err.message };
  if (r.err.negation) return { status: 'fail', path: r.path, message: r.err.message };
  if ([...ac.seen.values()].some((v) => !v)) return { status: 'error', message: r.err.message };
  return { status: 'fail', path: r.path, message: r.err.message };
}

const MAX_DEPTH = 128;

function element(resource: unknown, pattern: unknown, path: string, ac: AnchorTracker, depth: number): Out {
  if (depth > MAX_DEPTH) return { path, err: new PatternErr(`pattern nested deeper than ${MAX_DEPTH} at ${path}`) };
  if (isMap(pattern)) {
    if (!isMap(resource)) {
      return { path, err: new PatternErr(`pattern and resource have different structures. Path: ${path}. Expected map, found ${kindOf(resource)}`) };
    }
    trackAnchors(pattern, resource, ac);
    return validateMap(resource, pattern, path, ac, depth);
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(resource)) {
      return { path, err: new PatternErr(`validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern`) };
    }
    return validateArray(resource, pattern, path, ac, depth);
  }
  if (Array.isArray(resource)) {
    for (const r of resource) {
      if (!validateScalar(r, pattern)) return { path, err: new PatternErr(`resource value '${show(resource)}' does not match '${show(pattern)}' at path ${path}`) };
    }
    return OK;
  }
  if (!validateScalar(resource, pattern)) {
    return { path, err: new PatternErr(`resource value '${show(resource)}' does not match '${show(pattern)}' at path ${path}`) };
  }
  return OK;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'number') return 'float64';
  return typeof v;
}

function trackAnchors(pattern: Record<string, unknown>, resource: Record<string, unknown>, ac: AnchorTracker): void {
  for (const key of Object.keys(pattern)) {
    const a = parseAnchor(key);
    if (!a || (a.kind !== 'condition' && a.kind !== 'existence')) continue;
    if (ac.seen.get(key) === true) continue;
    ac.seen.set(key, Object.prototype.hasOwnProperty.call(resource, a.key));
  }
}

/** The key of `tag` in a pattern map, plain or behind an anchor (`=(metadata)`), as Kyverno's getPatternValue finds it. */
function patternKey(pattern: Record<string, unknown>, tag: string): string | undefined {
  return Object.keys(pattern).find((k) => k === tag || parseAnchor(k)?.key === tag);
}

/**
 * Expands wildcard keys of metadata.labels / metadata.annotations against the resource
 * (Kyverno's wildcards.ExpandInMetadata): `metadata` and `labels`/`annotations` may be
 * written plain or with an anchor.
 */
function expandMetadata(pattern: Record<string, unknown>, resource: Record<string, unknown>): Record<string, unknown> {
  const metaKey = patternKey(pattern, 'metadata');
  const pm = metaKey === undefined ? undefined : pattern[metaKey];
  const rm = resource.metadata;
  if (metaKey === undefined || !isMap(pm) || !isMap(rm)) return pattern;
  let changed = false;
  const meta: Record<string, unknown> = { ...pm };
  for (const field of ['labels', 'annotations']) {
    const fieldKey = patternKey(pm, field);
    const pf = fieldKey === undefined ? undefined : pm[fieldKey];
    if (fieldKey === undefined || !isMap(pf)) continue;
    const rf = isMap(rm[field]) ? (rm[field] as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(pf)) {
      const a = parseAnchor(k);
      const bare = a ? a.key : k;
      if (!hasWildcard(bare)) {
        out[k] = v;
        continue;
      }
      const hits = Object.keys(rf).filter((rk) => wildcardMatch(bare, rk));
      if (hits.length === 0) out[k] = v;
      for (const h of hits) out[a ? k.replace(bare, h) : h] = v;
      changed = true;
    }
    meta[fieldKey] = out;
  }
  return changed ? { ...pattern, [metaKey]: meta } : pattern;
}

function hasNestedAnchor(v: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (isMap(v)) return Object.entries(v).some(([k, x]) => parseAnchor(k) !== undefined || hasNestedAnchor(x, depth + 1));
  if (Array.isArray(v)) return v.some((x) => hasNestedAnchor(x, depth + 1));
  return false;
}

function hasGlobalAnchor(v: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (isMap(v)) return Object.entries(v).some(([k, x]) => parseAnchor(k)?.kind === 'global' || hasGlobalAnchor(x, depth + 1));
  if (Array.isArray(v)) return v.some((x) => hasGlobalAnchor(x, depth + 1));
  return false;
}

const rankCache = new WeakMap<object, number>();

/** Plain keys whose value holds a global anchor go first, then those with nested anchors. */
function keyRank(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 2;
  let r = rankCache.get(v);
  if (r === undefined) {
    r = hasGlobalAnchor(v) ? 0 : hasNestedAnchor(v) ? 1 : 2;
    rankCache.set(v, r);
  }
  return r;
}

function validateMap(resource: Record<string, unknown>, patternIn: Record<string, unknown>, path: string, ac: AnchorTracker, depth: number): Out {
  const pattern = expandMetadata(patternIn, resource);
  const anchors: string[] = [];
  const plain: string[] = [];
  for (const k of Object.keys(pattern)) {
    const a = parseAnchor(k);
    if (a && a.kind !== 'add') anchors.push(k);
    else plain.push(k);
  }
  anchors.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  for (const k of anchors) {
    const r = handle(k, pattern[k], resource, path, ac, depth);
    if (r.err) return r;
  }
  const rank = (k: string): number => keyRank(pattern[k]);
  const ordered = plain.map((k, i) => ({ k, i, r: rank(k) })).sort((a, b) => a.r - b.r || a.i - b.i);
  for (const { k } of ordered) {
    const r = handle(k, pattern[k], resource, path, ac, depth);
    if (r.err) return r;
  }
  return OK;
}

function handle(key: string, pattern: unknown, resource: Record<string, unknown>, path: string, ac: AnchorTracker, depth: number): Out {
  const a = parseAnchor(key);
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(resource, k);
  if (!a || a.kind === 'add') {
    const current = `${path}${key}/`;
    const value = resource[key];
    if (pattern === '*') {
      return value !== null && value !== undefined ? OK : { path, err: new PatternErr(`${path}/${key} not found`) };
    }
    return element(value ?? null, pattern, current, ac, depth + 1);
  }
  const current = `${path}${a.key}/`;
  switch (a.kind) {
    case 'negation':
      if (has(a.key)) return { path: current, err: new PatternErr(`negation anchor mismatch: ${current} is not allowed`, false, false, true) };
      return OK;
    case 'equality':
      if (!has(a.key)) return OK;
      {
        const r = element(resource[a.key], pattern, current, ac, depth + 1);
        return r.err ? r : OK;
      }
    case 'condition': {
      if (!has(a.key)) return { path: current, err: new PatternErr("conditional anchor mismatch: conditional anchor key doesn't exist in the resource", true) };
      const r = element(resource[a.key], pattern, current, ac, depth + 1);
      if (r.err) return { path: r.path, err: new PatternErr(`conditional anchor mismatch: ${r.err.message}`, true, r.err.global, r.err.negation) };
      return OK;
    }
    case 'global': {
      if (!has(a.key)) return OK;
      const r = element(resource[a.key], pattern, current, ac, depth + 1);
      if (r.err) return { path: r.path, err: new PatternErr(`global anchor mismatch: ${r.err.message}`, r.err.cond, true, r.err.negation) };
      return OK;
    }
    case 'existence': {
      if (!has(a.key)) return OK;
      const value = resource[a.key];
      if (!Array.isArray(value)) {
        return { path: current, err: new PatternErr(`invalid resource type: Existence ^ () anchor can be used only on list/array type resource`) };
      }
      if (!Array.isArray(pattern)) return { path: current, err: new PatternErr('invalid pattern type: Pattern has to be of list to compare against resource') };
      for (const pm of pattern) {
        if (!isMap(pm)) return { path: current, err: new PatternErr('invalid pattern type: Pattern has to be of type map to compare against items in resource') };
        const found = value.some((el, i) => !element(el, pm, `${current}${i}/`, ac, depth + 1).err);
        if (!found) return { path: current, err: new PatternErr(`existence anchor validation failed at path ${current}`) };
      }
      return OK;
    }
  }
  return OK;
}

function combine(errs: PatternErr[]): PatternErr {
  return new PatternErr(
    errs.map((e) => e.message).join('; '),
    errs.some((e) => e.cond),
    errs.some((e) => e.global),
    errs.some((e) => e.negation),
  );
}

function validateArray(resource: unknown[], pattern: unknown[], path: string, ac: AnchorTracker, depth: number): Out {
  if (pattern.length === 0) return { path, err: new PatternErr('pattern Array empty') };
  const first = pattern[0];
  if (isMap(first)) return eachElement(resource.length, (i) => element(resource[i], first, `${path}${i}/`, ac, depth + 1), path);
  if (!Array.isArray(first)) return element(resource, first, path, ac, depth + 1);
  if (resource.length < pattern.length) {
    return { path: '', err: new PatternErr(`validate Array failed, array length mismatch, resource Array len is ${resource.length} and pattern Array len is ${pattern.length}`) };
  }
  return eachElement(pattern.length, (i) => element(resource[i], pattern[i], `${path}${i}/`, ac, depth + 1), path);
}

/**
 * Checks elements 0..n-1: the first failure wins; elements that skip are ignored, and
 * when every element skips the skip propagates (Kyverno's validateArray).
 */
function eachElement(n: number, check: (i: number) => Out, path: string): Out {
  let applied = 0;
  const skips: PatternErr[] = [];
  for (let i = 0; i < n; i++) {
    const r = check(i);
    if (r.err) {
      if (r.err.skip) {
        skips.push(r.err);
        continue;
      }
      return r;
    }
    applied++;
  }
  if (applied === 0 && skips.length > 0) {
    const c = combine(skips);
    return { path, err: new PatternErr(c.message, true, c.global, c.negation) };
  }
  return OK;
}
