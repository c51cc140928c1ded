/**
 * Kyverno conditions (`pkg/engine/variables/evaluate.go`, `.../variables/operator/*`):
 * `{any, all}` blocks or a legacy list, every operator Kyverno has, with short-circuit
 * evaluation (only evaluated conditions can raise substitution errors).
 */
import { deepEqual, isObject } from './jmespath.ts';
import { goFloatG, parseDuration, parseQuantity } from './quantity.ts';
import { substituteAll } from './variables.ts';
import { wildcardMatch } from './wildcard.ts';
import type { Condition, Conditions } from './types.ts';

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

export interface ConditionsOutcome {
  result: boolean;
  /** The message of the condition that decided, if it had one. */
  message?: string;
}

/** Evaluates conditions; throws SubstitutionError or ConditionError. */
export function evaluateConditions(conditions: Conditions | undefined, ctx: unknown): ConditionsOutcome {
  if (conditions === undefined) return { result: true };
  if (Array.isArray(conditions)) return evalAll(conditions, ctx);
  const any = conditions.any;
  const all = conditions.all;
  let anyOut: ConditionsOutcome = { result: true };
  if (any && any.length > 0) {
    anyOut = { result: false };
    for (const c of any) {
      if (evaluateCondition(c, ctx)) {
        anyOut = { result: true, message: c.message };
        break;
      }
    }
    if (!anyOut.result) anyOut.message = any.map((c) => c.message).filter(Boolean).join('; ') || undefined;
  }
  const allOut = all ? evalAll(all, ctx) : { result: true };
  return { result: anyOut.result && allOut.result, message: allOut.message ?? anyOut.message };
}

function evalAll(list: readonly Condition[], ctx: unknown): ConditionsOutcome {
  for (const c of list) if (!evaluateCondition(c, ctx)) return { result: false, message: c.message };
  return { result: true };
}

export function evaluateCondition(c: Condition, ctx: unknown): boolean {
  const key = substituteAll(c.key ?? null, ctx);
  const value = substituteAll(c.value ?? null, ctx);
  return applyOperator(c.operator, key, value);
}

export function applyOperator(operator: string, key: unknown, value: unknown): boolean {
  switch (operator.toLowerCase()) {
    case 'equal':
    case 'equals':
      return equals(key, value);
    case 'notequal':
    case 'notequals':
      return key !== null && key !== undefined && !equals(key, value);
    case 'in':
      return legacyIn(key, value);
    case 'notin':
      return !legacyIn(key, value);
    case 'anyin':
      return keyList(key).some((k) => inList(k, valueList(value)));
    case 'allin':
      return keyList(key).every((k) => inList(k, valueList(value)));
    case 'anynotin':
      return keyList(key).some((k) => !inList(k, valueList(value)));
    case 'allnotin':
      return keyList(key).every((k) => !inList(k, valueList(value)));
    case 'greaterthan':
      return order(key, value, (r) => r > 0);
    case 'greaterthanorequals':
      return order(key, value, (r) => r >= 0);
    case 'lessthan':
      return order(key, value, (r) => r < 0);
    case 'lessthanorequals':
      return order(key, value, (r) => r <= 0);
    case 'durationgreaterthan':
      return durationOrder(key, value, (r) => r > 0);
    case 'durationgreaterthanorequals':
      return durationOrder(key, value, (r) => r >= 0);
    case 'durationlessthan':
      return durationOrder(key, value, (r) => r < 0);
    case 'durationlessthanorequals':
      return durationOrder(key, value, (r) => r <= 0);
    default:
      throw new ConditionError(`unsupported condition operator "${operator}"`);
  }
}

const numeric = (s: string): number | undefined => (/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(s) ? Number(s) : undefined);

function equals(key: unknown, value: unknown): boolean {
  if (key === null || key === undefined) return false;
  if (typeof key === 'boolean') return value === key;
  if (typeof key === 'number') {
    if (typeof value === 'number') return key === value;
    if (typeof value === 'string') return numeric(value) === key;
    return false;
  }
  if (typeof key === 'string') {
    if (typeof value === 'number') return numeric(key) === value;
    if (typeof value !== 'string') return false;
    const kd = parseDuration(key);
    const vd = parseDuration(value);
    if (kd !== undefined && vd !== undefined) return kd === vd;
    const kq = parseQuantity(key);
    const vq = parseQuantity(value);
    if (kq !== undefined && vq !== undefined) return kq === vq;
    return wildcardMatch(value, key);
  }
  if (Array.isArray(key) || isObject(key)) return deepEqual(key, value);
  return false;
}

/** Go's fmt.Sprint of a JSON value. */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloatG(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goSprint).join(' ')}]`;
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goSprint(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function keyList(key: unknown): string[] {
  if (Array.isArray(key)) return key.map(goSprint);
  return [goSprint(key)];
}

function valueList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(goSprint);
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('[')) {
      try {
        const parsed = JSON.parse(t) as unknown;
        if (Array.isArray(parsed)) return parsed.map(goSprint);
      } catch {
        /* a plain string */
      }
    }
    return [value];
  }
  return [goSprint(value)];
}

const RANGE = /^([-+]?\d+(?:\.\d+)?)-([-+]?\d+(?:\.\d+)?)$/;

function inList(k: string, values: readonly string[]): boolean {
  return values.some((v) => {
    if (wildcardMatch(v, k) || wildcardMatch(k, v)) return true;
    const r = RANGE.exec(v);
    const n = numeric(k);
    if (r && n !== undefined) return n >= Number(r[1]) && n <= Number(r[2]);
    return false;
  });
}

function legacyIn(key: unknown, value: unknown): boolean {
  const values = valueList(value);
  if (Array.isArray(key)) return key.map(goSprint).every((k) => values.includes(k));
  return values.includes(goSprint(key));
}

function compareSemverLoose(a: string, b: string): number | undefined {
  const re = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
  const x = re.exec(a);
  const y = re.exec(b);
  if (!x || !y) return undefined;
  for (let i = 1; i <= 3; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) < Number(y[i]) ? -1 : 1;
  return 0;
}

const sign = (a: number, b: number): number => (a === b ? 0 : a < b ? -1 : 1);

function order(key: unknown, value: unknown, ok: (r: number) => boolean): boolean {
  if (typeof key === 'number' && typeof value === 'number') return ok(sign(key, value));
  const ks = typeof key === 'number' ? goFloatG(key) : typeof key === 'string' ? key : undefined;
  const vs = typeof value === 'number' ? goFloatG(value) : typeof value === 'string' ? value : undefined;
  if (ks === undefined || vs === undefined) return false;
  const kd = parseDuration(ks);
  const vd = parseDuration(vs);
  if (kd !== undefined && vd !== undefined) return ok(sign(kd, vd));
  const kq = parseQuantity(ks);
  const vq = parseQuantity(vs);
  if (kq !== undefined && vq !== undefined) return ok(sign(kq, vq));
  const kn = numeric(ks);
  const vn = numeric(vs);
  if (kn !== undefined && vn !== undefined) return ok(sign(kn, vn));
  const sv = compareSemverLoose(ks, vs);
  return sv !== undefined && ok(sv);
}

function durationOrder(key: unknown, value: unknown, ok: (r: number) => boolean): boolean {
  const toNs = (v: unknown): number | undefined => (typeof v === 'number' ? v * 1e9 : typeof v === 'string' ? parseDuration(v) : undefined);
  const k = toNs(key);
  const v = toNs(value);
  return k !== undefined && v !== undefined && ok(sign(k, v));
}
