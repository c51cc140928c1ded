/**
 * `kyverno`: Kyverno's PolicyReports and ClusterPolicyReports (wgpolicyk8s.io
 * v1alpha2, and the openreports.io reports of newer Kyverno), single objects or the
 * `kind: List` that `kubectl get policyreports,clusterpolicyreports -A -o json` prints.
 * One `policy-result` record per result per resource; the rules are in
 * policy-report.ts. Kyverno's reports carry only the policy name, so the controls come
 * from Airlock's mapping of a policy with that name (content/policies/<name>/controls.yaml)
 * and from the `configuration-policy` signal.
 */
import { type ImportContext, type Importer } from './importer.ts';
import { looksLikePolicyReports, policyReportDrafts } from './policy-report.ts';

export const kyvernoImporter: Importer = {
  type: 'kyverno',
  description: 'Kyverno PolicyReport / ClusterPolicyReport (single or kind: List): one policy-result record per result per resource',
  input: 'document',
  detect: looksLikePolicyReports,
  import: (value: unknown, ctx: ImportContext) => policyReportDrafts(value, ctx, 'kyverno'),
};
