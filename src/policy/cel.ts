/**
 * validate.cel. Not evaluated yet: an explicit skip naming the reason, never a pass.
 */
import type { RuleStatus } from './types.ts';

export function evaluateCel(rule: string, _cel: unknown, _resource: unknown, _ctx: unknown, _namespace: string): { status: RuleStatus; message: string } {
  return { status: 'skip', message: `rule ${rule}: validate.cel is not evaluated offline yet` };
}
