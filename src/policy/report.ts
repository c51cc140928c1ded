/**
 * Output of policy results: a plain table, and PolicyReport / ClusterPolicyReport
 * (wgpolicyk8s.io/v1alpha2) grouped by namespace, as Kyverno writes them.
 */
import type { RuleResult } from './types.ts';
import type { TestFileResult } from './kyverno-test.ts';

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `│ ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ')} │`;
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

export function resultsTable(results: readonly RuleResult[]): string[] {
  return table(
    ['POLICY', 'RULE', 'RESOURCE', 'RESULT', 'MESSAGE'],
    results.map((r) => [r.policy, r.rule, `${r.resource.namespace ? `${r.resource.namespace}/` : ''}${r.resource.kind}/${r.resource.name}`, r.status, r.message]),
  );
}

export function testTable(result: TestFileResult): string[] {
  return table(
    ['ID', 'POLICY', 'RULE', 'RESOURCE', 'RESULT', 'REASON'],
    result.rows.map((r) => [String(r.id), r.policy, r.rule, r.resource, r.ok ? 'Pass' : 'Fail', r.reason]),
  );
}

export function summary(results: readonly RuleResult[]): Record<'pass' | 'fail' | 'warn' | 'error' | 'skip', number> {
  const s = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/** PolicyReports (one per namespace) and a ClusterPolicyReport for cluster-scoped resources. */
export function policyReports(results: readonly RuleResult[], now: Date = new Date()): Record<string, unknown>[] {
  const groups = new Map<string, RuleResult[]>();
  for (const r of results) {
    const ns = r.resource.namespace ?? '';
    const g = groups.get(ns) ?? [];
    g.push(r);
    groups.set(ns, g);
  }
  const seconds = Math.floor(now.getTime() / 1000);
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ns, rs]) => ({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: ns ? 'PolicyReport' : 'ClusterPolicyReport',
      metadata: ns ? { name: `airlock-audit-${ns}`, namespace: ns } : { name: 'airlock-audit' },
      results: rs.map((r) => ({
        source: 'kyverno',
        policy: r.policyNamespace ? `${r.policyNamespace}/${r.policy}` : r.policy,
        rule: r.rule,
        result: r.status,
        message: r.message,
        ...(r.category ? { category: r.category } : {}),
        ...(r.severity ? { severity: r.severity } : {}),
        scored: r.status !== 'warn',
        timestamp: { seconds, nanos: 0 },
        resources: [{ apiVersion: r.resource.apiVersion, kind: r.resource.kind, name: r.resource.name, ...(r.resource.namespace ? { namespace: r.resource.namespace } : {}) }],
        ...(r.properties ? { properties: r.properties } : {}),
      })),
      summary: summary(rs),
    }));
}
