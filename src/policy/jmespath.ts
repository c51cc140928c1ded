/**
 * JMESPath as Kyverno evaluates it. The `jmespath` package parses the expression; this
 * module interprets the tree itself because Kyverno's fork differs from the standard in
 * ways that change results: a key missing from a map raises NotFoundError (which
 * functions, comparators, filters and `||` absorb), ordering comparators apply to
 * numbers only, and Kyverno adds its own functions (see jmespath-functions.ts).
 */
import * as jmespathModule from 'jmespath';
import { callFunction, type ExprRef } from './jmespath-functions.ts';

/**
 * Raised for a key missing from a map. Deliberately not an Error subclass: it is thrown
 * and caught on hot paths (`a.b || 'x'`), and capturing a stack trace each time is the
 * main cost of evaluation.
 */
export class NotFoundError {
  readonly name = 'NotFoundError';
  readonly message: string;
  constructor(key: string) {
    this.message = `Unknown key "${key}" in path`;
  }
  toString(): string {
    return `${this.name}: ${this.message}`;
  }
}

export class JmesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JmesError';
  }
}

export interface Node {
  type: string;
  name?: string;
  value?: unknown;
  children?: Node[];
}

// The package exports `compile` (the parser) at run time; its type declarations only list `search`.
const jmespath = jmespathModule as unknown as { compile: (expression: string) => unknown };

const MAX_DEPTH = 200;
const MAX_EXPRESSION = 10_000;
const cache = new Map<string, Node>();

export function compileJmes(expression: string): Node {
  let node = cache.get(expression);
  if (node) return node;
  if (expression.length > MAX_EXPRESSION) throw new JmesError(`JMESPath expression of ${expression.length} characters exceeds the limit of ${MAX_EXPRESSION}`);
  try {
    node = jmespath.compile(expression) as unknown as Node;
  } catch (e) {
    // A RangeError here is the parser's recursion running out of stack on hostile nesting.
    const why = e instanceof RangeError ? 'nested too deeply' : (e as Error).message;
    throw new JmesError(`invalid JMESPath expression "${expression.slice(0, 200)}": ${why}`);
  }
  if (cache.size > 5000) cache.clear();
  cache.set(expression, node);
  return node;
}

/** Evaluates a JMESPath expression against data; throws NotFoundError or JmesError. */
export function searchJmes(expression: string, data: unknown): unknown {
  return visit(compileJmes(expression), data, 0);
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isFalse(v: unknown): boolean {
  return (
    v === null ||
    v === undefined ||
    v === false ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (isObject(v) && Object.keys(v).length === 0)
  );
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Evaluates node, turning NotFoundError into null (what Kyverno's functions and filters do). */
function soft(node: Node, value: unknown, depth: number): unknown {
  try {
    return visit(node, value, depth);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

const kids = (node: Node): Node[] => node.children ?? [];
const kid = (node: Node, i: number): Node => {
  const c = node.children?.[i];
  if (!c) throw new JmesError(`malformed expression node ${node.type}`);
  return c;
};

export function visit(node: Node, value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new JmesError('expression nested too deeply');
  const d = depth + 1;
  switch (node.type) {
    case 'Field': {
      if (isObject(value)) {
        const name = node.name ?? '';
        if (!Object.prototype.hasOwnProperty.call(value, name)) throw new NotFoundError(name);
        return value[name] ?? null;
      }
      return null;
    }
    case 'Subexpression': {
      let result = visit(kid(node, 0), value, d);
      for (let i = 1; i < kids(node).length; i++) {
        if (result === null) return null;
        result = visit(kid(node, i), result, d);
      }
      return result;
    }
    case 'IndexExpression':
      return visit(kid(node, 1), visit(kid(node, 0), value, d), d);
    case 'Index': {
      if (!Array.isArray(value)) return null;
      let i = node.value as number;
      if (i < 0) i = value.length + i;
      return (value[i] as unknown) ?? null;
    }
    case 'Slice': {
      if (!Array.isArray(value)) return null;
      return slice(value, kids(node) as unknown as (number | null)[]);
    }
    case 'Projection': {
      const base = visit(kid(node, 0), value, d);
      if (!Array.isArray(base)) return null;
      const out: unknown[] = [];
      for (const el of base) {
        const r = soft(kid(node, 1), el, d);
        if (r !== null && r !== undefined) out.push(r);
      }
      return out;
    }
    case 'ValueProjection': {
      const base = visit(kid(node, 0), value, d);
      if (!isObject(base)) return null;
      const out: unknown[] = [];
      for (const el of Object.values(base)) {
        const r = soft(kid(node, 1), el, d);
        if (r !== null && r !== undefined) out.push(r);
      }
      return out;
    }
    case 'FilterProjection': {
      const base = visit(kid(node, 0), value, d);
      if (!Array.isArray(base)) return null;
      const out: unknown[] = [];
      for (const el of base) {
        if (isFalse(soft(kid(node, 2), el, d))) continue;
        const r = soft(kid(node, 1), el, d);
        if (r !== null && r !== undefined) out.push(r);
      }
      return out;
    }
    case 'Comparator': {
      const a = soft(kid(node, 0), value, d);
      const b = soft(kid(node, 1), value, d);
      switch (node.name) {
        case 'EQ':
          return deepEqual(a, b);
        case 'NE':
          return !deepEqual(a, b);
      }
      if (typeof a !== 'number' || typeof b !== 'number') return null;
      switch (node.name) {
        case 'GT':
          return a > b;
        case 'GTE':
          return a >= b;
        case 'LT':
          return a < b;
        case 'LTE':
          return a <= b;
      }
      throw new JmesError(`unknown comparator ${node.name}`);
    }
    case 'Flatten': {
      const orig = visit(kid(node, 0), value, d);
      if (!Array.isArray(orig)) return null;
      const out: unknown[] = [];
      for (const el of orig) {
        if (Array.isArray(el)) out.push(...(el as unknown[]));
        else out.push(el);
      }
      return out;
    }
    case 'Identity':
    case 'Current':
      return value;
    case 'MultiSelectList':
      if (value === null) return null;
      return kids(node).map((c) => soft(c, value, d));
    case 'MultiSelectHash': {
      if (value === null) return null;
      const out: Record<string, unknown> = {};
      for (const c of kids(node)) out[c.name ?? ''] = soft(c.value as Node, value, d);
      return out;
    }
    case 'OrExpression': {
      const a = soft(kid(node, 0), value, d);
      return isFalse(a) ? visit(kid(node, 1), value, d) : a;
    }
    case 'AndExpression': {
      const a = visit(kid(node, 0), value, d);
      return isFalse(a) ? a : visit(kid(node, 1), value, d);
    }
    case 'NotExpression':
      return isFalse(soft(kid(node, 0), value, d));
    case 'Literal':
      return node.value;
    case 'Pipe':
      return visit(kid(node, 1), visit(kid(node, 0), value, d), d);
    case 'Function': {
      const args: unknown[] = kids(node).map((c) =>
        c.type === 'ExpressionReference' ? ({ expref: kid(c, 0), run: (v: unknown) => soft(kid(c, 0), v, d) } satisfies ExprRef) : soft(c, value, d),
      );
      return callFunction(node.name ?? '', args);
    }
    case 'ExpressionReference':
      return { expref: kid(node, 0), run: (v: unknown) => soft(kid(node, 0), v, d) } satisfies ExprRef;
    default:
      throw new JmesError(`unsupported expression node ${node.type}`);
  }
}

function slice(arr: unknown[], params: (number | null)[]): unknown[] {
  const len = arr.length;
  const step = params[2] ?? 1;
  if (step === 0) throw new JmesError('invalid slice, step cannot be 0');
  const cap = (v: number): number => {
    if (v < 0) {
      v += len;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= len) v = step < 0 ? len - 1 : len;
    return v;
  };
  const start = params[0] === null || params[0] === undefined ? (step < 0 ? len - 1 : 0) : cap(params[0]);
  const stop = params[1] === null || params[1] === undefined ? (step < 0 ? -1 : len) : cap(params[1]);
  const out: unknown[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(arr[i]);
  else for (let i = start; i > stop; i += step) out.push(arr[i]);
  return out;
}
