/**
 * validate.cel (`handlers/validation/validate_cel.go`): every expression must be true.
 * Variables: `object`, `oldObject` (null on CREATE), `request`, `namespaceObject` (only
 * metadata.name offline, as in the Kyverno CLI), and `variables` computed in order.
 * `paramKind`/`paramRef` need cluster objects and give an explicit skip.
 * Integers become CEL ints (bigint) and maps CEL maps, as the Kubernetes CEL bindings do.
 */
import { run, isCelError } from '@bufbuild/cel';
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

function evalExpr(expr: string, vars: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    // The CelInput type is a union the plain Maps and arrays built by toCel satisfy at run time.
    const value = run(expr, vars as Parameters<typeof run>[1], { funcs: strings });
    if (isCelError(value)) return { ok: false, error: value.message };
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] ?? String(e) };
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
