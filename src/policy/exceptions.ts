/**
 * PolicyException (kyverno.io/v2, v2beta1): a matching exception turns a rule's
 * response into a skip (`pkg/engine/engine.go`, `pkg/utils/match`): the exception
 * names the policy (`ns/name` for a namespaced Policy) and rule names (wildcards,
 * autogen names listed explicitly), matches the resource, and its conditions hold.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { evaluateConditions } from './conditions.ts';
import { isObject } from './jmespath.ts';
import { ruleApplies, type MatchInput } from './match.ts';
import { ConditionsSchema, MatchSchema, type Policy, type Rule } from './types.ts';
import { wildcardMatch } from './wildcard.ts';

export const PolicyExceptionSchema = z.looseObject({
  apiVersion: z.string().regex(/^kyverno\.io\/v2(beta1|alpha1)?$/),
  kind: z.literal('PolicyException'),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }),
  spec: z.looseObject({
    exceptions: z.array(z.looseObject({ policyName: z.string(), ruleNames: z.array(z.string()) })).min(1),
    match: MatchSchema,
    conditions: ConditionsSchema.optional(),
  }),
});
export type PolicyException = z.infer<typeof PolicyExceptionSchema>;

export function parseExceptionDocuments(docs: readonly unknown[], source: string): PolicyException[] {
  const out: PolicyException[] = [];
  for (const doc of docs) {
    if (!isObject(doc) || doc.kind !== 'PolicyException') continue;
    const r = PolicyExceptionSchema.safeParse(doc);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new AirlockError('BAD_INPUT', `${source}: PolicyException: field ${(i?.path ?? []).join('.') || '(document)'}: ${i?.message ?? 'invalid'}`);
    }
    out.push(r.data);
  }
  return out;
}

/** The exception that exempts this rule for this resource, if any. */
export function findException(
  exceptions: readonly PolicyException[],
  policy: Policy,
  rule: Rule,
  input: MatchInput,
  ctx: unknown,
): PolicyException | undefined {
  const policyName = policy.kind === 'Policy' ? `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}` : policy.metadata.name;
  return exceptions.find((ex) => {
    const named = ex.spec.exceptions.some((e) => e.policyName === policyName && e.ruleNames.some((n) => wildcardMatch(n, rule.name)));
    if (!named || !ruleApplies({ match: ex.spec.match }, input)) return false;
    if (!ex.spec.conditions) return true;
    try {
      return evaluateConditions(ex.spec.conditions, ctx).result;
    } catch {
      return false;
    }
  });
}
