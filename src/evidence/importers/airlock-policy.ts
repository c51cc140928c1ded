/**
 * `airlock-policy`: the output of `airlock policy audit`, either `--json`
 * (`{ results, summary }`, each result with the `controls` it supports) or
 * `--format policyreport` (a List of PolicyReports whose results carry
 * `controls.<framework>` properties). One `policy-result` record per (policy, rule,
 * resource) result; the rules are in policy-report.ts. The `--json` form has no time of
 * its own, so its records are observed at the import clock.
 */
import { z } from 'zod';
import type { EvidenceDraft } from '../types.ts';
import { AirlockError } from '../../common/errors.ts';
import { LIMITS, check, isObj, nowIso, subject, type ImportContext, type Importer } from './importer.ts';
import { RESULTS, looksLikePolicyReports, policyReportDrafts, policyResultDraft, reportsIn, resourceRefSchema } from './policy-report.ts';

const str = z.string().max(65_536);

const auditSchema = z.object({
  results: z.array(
    z.object({
      policy: str.min(1),
      policyNamespace: str.optional(),
      rule: str,
      status: z.enum(RESULTS),
      message: str.default(''),
      resource: resourceRefSchema,
      category: str.optional(),
      severity: str.optional(),
      autogen: z.boolean().optional(),
      controls: z.record(z.string(), z.array(str)).optional(),
    }),
  ),
  summary: z.object({ pass: z.number().int(), fail: z.number().int(), warn: z.number().int(), error: z.number().int(), skip: z.number().int() }),
});

const isAuditJson = (v: unknown): boolean => isObj(v) && Array.isArray(v.results) && isObj(v.summary) && typeof v.summary.fail === 'number' && v.apiVersion === undefined;

/** airlock's PolicyReports are named airlock-audit[-<namespace>]. */
function isAirlockReport(v: unknown): boolean {
  const items = reportsIn(v);
  return (
    items !== undefined &&
    looksLikePolicyReports(v) &&
    items.length > 0 &&
    items.every((i) => isObj(i) && isObj(i.metadata) && typeof i.metadata.name === 'string' && i.metadata.name.startsWith('airlock-audit'))
  );
}

function auditDrafts(value: unknown, ctx: ImportContext): EvidenceDraft[] {
  const r = check(auditSchema, value, ctx.source, 'airlock policy audit --json output');
  if (r.results.length > LIMITS.draftsPerDocument) {
    throw new AirlockError('BAD_INPUT', `${ctx.source}: more than ${LIMITS.draftsPerDocument} policy results in one document; split it`);
  }
  const observedAt = nowIso(ctx);
  return r.results.map((res) =>
    policyResultDraft(
      {
        source: 'airlock-policy',
        policy: res.policy,
        rule: res.rule,
        result: res.status,
        message: res.message,
        ...(res.severity ? { severity: res.severity } : {}),
        ...(res.category ? { category: res.category } : {}),
        resource: res.resource,
        fallbackSubject: subject('k8s', 'unknown'),
        observedAt,
        refs: Object.entries(res.controls ?? {}).flatMap(([fw, ids]) => ids.map((id) => `${fw}:${id}`)),
        extra: {
          engine: 'airlock',
          ...(res.policyNamespace ? { policyNamespace: res.policyNamespace } : {}),
          ...(res.autogen ? { autogen: true } : {}),
        },
      },
      ctx,
    ),
  );
}

export const airlockPolicyImporter: Importer = {
  type: 'airlock-policy',
  description: 'airlock policy audit --json or --format policyreport: one policy-result record per (policy, rule, resource)',
  input: 'document',
  detect: (v) => isAuditJson(v) || isAirlockReport(v),
  import(value: unknown, ctx: ImportContext) {
    if (reportsIn(value) !== undefined) return policyReportDrafts(value, ctx, 'airlock-policy');
    return auditDrafts(value, ctx);
  },
};
