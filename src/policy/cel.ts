/**
 * validate.cel (`handlers/validation/validate_cel.go`): every expression must be true.
 * Variables: `object`, `oldObject` (null on CREATE), `request`, `namespaceObject` (only
 * metadata.name offline, as in the Kyverno CLI), and `variables` computed in order.
 * `paramKind`/`paramRef` need cluster objects and give an explicit skip.
 * Integers become CEL ints (bigint) and maps CEL maps, as the Kubernetes CEL bindings do.
 */
import { celEnv, celError, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { isObject } from './jmespath.ts';
import type { Resource, RuleStatus } from './types.ts';

interface CelExpression {
  expression?: unknown;
  message?: unknown;
  messageExpression?: unknown;
}

function toCel(v: unknown, depth = 0): unknown {
  if (depth > 128) throw new Error('value nested too deeply for CEL');
  if (Array.isArray(v)) return v.map((x) => toCel(x, depth + 1));
  if (isObject(v)) return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x, depth + 1)]));
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v === undefined) return null;
  return v;
}

type Outcome = { status: RuleStatus; message: string };

type Program = (bindings: Record<string, unknown>) => unknown;
const env = celEnv({ funcs: strings });
const programs = new Map<string, Program>();

/** Parses and plans an expression once; later evaluations reuse the plan. */
function compile(expr: string): Program {
  let p = programs.get(expr);
  if (!p) {
    if (expr.length > 10_000) throw new Error(`CEL expression of ${expr.length} characters exceeds the limit of 10000`);
    // The bindings are the plain Maps, arrays and scalars built by toCel, which are CelInput at run time.
    p = plan(env, parse(expr)) as unknown as Program;
    if (programs.size > 5000) programs.clear();
    programs.set(expr, p);
  }
  return p;
}

function evalExpr(expr: string, vars: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    const value = compile(expr)(vars);
    if (isCelError(value)) return { ok: false, error: value.message };
    return { ok: true, value };
  } catch (e) {
    const err = celError(e);
    return { ok: false, error: err.message.split('\n')[0] ?? String(e) };
  }
}

export function evaluateCel(rule: string, cel: unknown, resource: Resource, ctx: Record<string, unknown>, namespace: string): Outcome {
  if (!isObject(cel)) return { status: 'error', message: `rule ${rule}: validate.cel must be a mapping` };
  if (cel.paramKind !== undefined || cel.paramRef !== undefined) {
    return { status: 'skip', message: `rule ${rule}: validate.cel parameters (paramKind/paramRef) need cluster objects; not evaluated offline` };
  }
  const request = isObject(ctx.request) ? ctx.request : {};
  const vars: Record<string, unknown> = {
    object: toCel(resource),
    oldObject: toCel(request.operation === 'UPDATE' ? request.oldObject : null),
    request: toCel({ operation: request.operation ?? 'CREATE', namespace, name: (resource.metadata as { name?: unknown } | undefined)?.name ?? '' }),
    namespaceObject: namespace ? toCel({ metadata: { name: namespace } }) : null,
    params: null,
  };
  const variables = new Map<string, unknown>();
  vars.variables = variables;
  for (const v of Array.isArray(cel.variables) ? cel.variables : []) {
    if (!isObject(v) || typeof v.name !== 'string' || typeof v.expression !== 'string') return { status: 'error', message: `rule ${rule}: invalid validate.cel variable` };
    const r = evalExpr(v.expression, vars);
    if (!r.ok) return { status: 'error', message: `rule ${rule}: variable ${v.name}: ${r.error}` };
    variables.set(v.name, r.value);
  }
  const exprs = (Array.isArray(cel.expressions) ? cel.expressions : []) as CelExpression[];
  if (exprs.length === 0) return { status: 'error', message: `rule ${rule}: validate.cel has no expressions` };
  for (const e of exprs) {
    if (typeof e.expression !== 'string') return { status: 'error', message: `rule ${rule}: validate.cel expression must be a string` };
    const r = evalExpr(e.expression, vars);
    if (!r.ok) return { status: 'error', message: `rule ${rule}: expression '${e.expression}' resulted in error: ${r.error}` };
    if (typeof r.value !== 'boolean') return { status: 'error', message: `rule ${rule}: expression '${e.expression}' must evaluate to bool` };
    if (!r.value) {
      let msg = typeof e.message === 'string' && e.message ? e.message : `failed expression: ${e.expression}`;
      if (typeof e.messageExpression === 'string') {
        const m = evalExpr(e.messageExpression, vars);
        if (m.ok && typeof m.value === 'string' && m.value.trim()) msg = m.value;
      }
      return { status: 'fail', message: msg };
    }
  }
  return { status: 'pass', message: 'success' };
}
