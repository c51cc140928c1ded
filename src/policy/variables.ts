/**
 * Kyverno variable substitution (`pkg/engine/variables/vars.go`): `{{ expr }}` is a
 * JMESPath query over the evaluation context. A variable that is the whole string keeps
 * the type of its value; an embedded one is interpolated (non-strings as JSON).
 * Substitution repeats until nothing changes; `\{{` escapes; `{{@}}` is the resource
 * value at the same path of a pattern.
 */
import { searchJmes, NotFoundError, JmesError, isObject } from './jmespath.ts';

/**
 * A variable that cannot be resolved. Not an Error subclass: policies hit it routinely
 * (a missing label) and a stack trace per evaluation is the dominant cost.
 */
export class SubstitutionError {
  readonly name = 'SubstitutionError';
  constructor(readonly message: string) {}
  toString(): string {
    return `${this.name}: ${this.message}`;
  }
}

const VARIABLE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;
const MAX_ROUNDS = 10;

export interface SubstituteOptions {
  /** The resource value at the current pattern path, for `{{@}}`. */
  at?: (path: readonly string[]) => unknown;
}

function query(expr: string, ctx: unknown): unknown {
  try {
    return searchJmes(expr, ctx);
  } catch (e) {
    if (e instanceof NotFoundError) throw new SubstitutionError(`variable substitution failed for "${expr}": ${e.message}`);
    if (e instanceof JmesError) throw new SubstitutionError(`failed to resolve "${expr}": ${e.message}`);
    throw e;
  }
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

/** Substitutes the variables of one string. */
export function substituteString(input: string, ctx: unknown, atValue?: () => unknown): unknown {
  let current: unknown = input;
  for (let round = 0; round < MAX_ROUNDS && typeof current === 'string' && current.includes('{{'); round++) {
    const text: string = current;
    const matches = [...text.matchAll(VARIABLE)];
    if (matches.length === 0) break;
    let out = '';
    let last = 0;
    let whole: { value: unknown } | undefined;
    for (const m of matches) {
      const full = m[2] ?? '';
      const start = (m.index ?? 0) + (m[1] ?? '').length;
      let expr = full.slice(2, -2).trim();
      if (expr.startsWith('-')) expr = expr.slice(1).trim();
      const value = expr === '@' ? (atValue ? atValue() : null) : query(expr, ctx);
      if (start === 0 && full.length === text.length) whole = { value };
      out += text.slice(last, start) + toText(value);
      last = start + full.length;
    }
    out += text.slice(last);
    if (whole) {
      if (typeof whole.value !== 'string') return whole.value;
      current = whole.value;
    } else current = out;
    if (current === text) break;
  }
  return typeof current === 'string' ? current.replace(/\\\{\{/g, '{{') : current;
}

const variableFree = new WeakSet<object>();

/** Whether a JSON value contains no `{{`, cached per object (policies are immutable once loaded). */
function hasNoVariables(value: object): boolean {
  if (variableFree.has(value)) return true;
  if (JSON.stringify(value).includes('{{')) return false;
  variableFree.add(value);
  return true;
}

/** Substitutes every string in a JSON value (keys of maps too). */
export function substituteAll(value: unknown, ctx: unknown, resourceAt?: unknown, depth = 0): unknown {
  if (depth === 0 && typeof value === 'object' && value !== null && hasNoVariables(value)) return value;
  if (depth > 128) throw new SubstitutionError('value nested too deeply for substitution');
  if (typeof value === 'string') {
    return value.includes('{{') ? substituteString(value, ctx, () => resourceAt ?? null) : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteAll(v, ctx, Array.isArray(resourceAt) ? resourceAt[i] : undefined, depth + 1));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k.includes('{{') ? toText(substituteString(k, ctx)) : k;
      const bare = /^(?:\(|=\(|X\(|\^\(|<\(|\+\()(.+)\)$/.exec(key)?.[1] ?? key;
      out[key] = substituteAll(v, ctx, isObject(resourceAt) ? resourceAt[bare] : undefined, depth + 1);
    }
    return out;
  }
  return value;
}

export const hasVariables = (v: unknown): boolean => JSON.stringify(v ?? null).includes('{{');
