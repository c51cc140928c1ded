/**
 * validate.podSecurity. Kyverno runs its fork of the Kubernetes pod-security-admission
 * checks; that library is Go and has no JavaScript port, so this module answers with an
 * explicit skip naming the reason rather than guessing a pass.
 */
import type { RuleStatus } from './types.ts';

export function evaluatePodSecurity(rule: string, ps: { level: string; version?: string }, _resource: unknown): { status: RuleStatus; message: string } {
  return { status: 'skip', message: `rule ${rule}: podSecurity (${ps.level}, ${ps.version ?? 'latest'}) is not evaluated offline yet` };
}
