/**
 * Policy results as `policy-result` records, shared by the `kyverno` and
 * `airlock-policy` importers: PolicyReport and ClusterPolicyReport (wgpolicyk8s.io
 * v1alpha2 and v1beta1, and the openreports.io Report/ClusterReport Kyverno moved to),
 * single or as a `kind: List` (what `kubectl get policyreports -A -o json` prints).
 *
 * One record per result per resource. A result without `resources` uses the report's
 * `scope` (Kyverno 1.11+ writes one report per resource), and without either it is
 * about the report's namespace. Subject: `k8s:<namespace>/<Kind>/<name>`, or
 * `k8s:<Kind>/<name>` for cluster-scoped resources. Outcome: the result as it is (pass,
 * fail, warn, error, skip). Severity: the result's (critical, high, medium, low, info),
 * else unknown. Controls: `controls.<framework>` properties (airlock writes them), the
 * policy's own mapping when Airlock ships a policy of that name, and the
 * `configuration-policy` signal.
 */
import { z } from 'zod';
import { AirlockError } from '../../common/errors.ts';
import type { EvidenceDraft, Outcome } from '../types.ts';
import { LIMITS, boundedJson, boundedText, check, clip, draft, isObj, isoTime, nowIso, severityWord, subject, type ImportContext } from './importer.ts';

const str = z.string().max(65_536);
export const RESULTS = ['pass', 'fail', 'warn', 'error', 'skip'] as const;

export const resourceRefSchema = z.object({
  apiVersion: str.optional(),
  kind: str.min(1),
  name: str.min(1),
  namespace: str.optional(),
  uid: str.optional(),
});
export type ResourceRef = z.infer<typeof resourceRefSchema>;

const resultSchema = z.object({
  policy: str.min(1),
  rule: str.optional(),
  result: z.enum(RESULTS),
  message: str.optional(),
  severity: str.optional(),
  category: str.optional(),
  source: str.optional(),
  scored: z.boolean().optional(),
  timestamp: z.object({ seconds: z.number().int().min(0).max(253_402_300_799), nanos: z.number().int().min(0).max(999_999_999).optional() }).optional(),
  resources: z.array(resourceRefSchema).nullable().optional(),
  properties: z.record(z.string(), str).nullable().optional(),
});

const REPORT_API = /^(wgpolicyk8s\.io|openreports\.io)\/[a-z0-9]+$/;
const REPORT_KINDS = ['PolicyReport', 'ClusterPolicyReport', 'Report', 'ClusterReport'] as const;

const reportSchema = z.object({
  apiVersion: z.string().regex(REPORT_API, 'must be wgpolicyk8s.io/<version> or openreports.io/<version>'),
  kind: z.enum(REPORT_KINDS),
  metadata: z.object({ name: str.min(1), namespace: str.optional(), creationTimestamp: str.optional() }),
  scope: resourceRefSchema.optional(),
  results: z.array(resultSchema).nullable().optional(),
});

const isReport = (v: unknown): boolean => isObj(v) && typeof v.apiVersion === 'string' && REPORT_API.test(v.apiVersion) && (REPORT_KINDS as readonly string[]).includes(String(v.kind));

/** The reports in a value: one report, or the items of a List; undefined when it is neither. */
export function reportsIn(v: unknown): unknown[] | undefined {
  if (isReport(v)) return [v];
  if (isObj(v) && Array.isArray(v.items) && typeof v.kind === 'string' && /^(List|[A-Za-z]*ReportList)$/.test(v.kind)) return v.items;
  return undefined;
}

/** A PolicyReport, a report List, or an empty List. */
export function looksLikePolicyReports(v: unknown): boolean {
  const items = reportsIn(v);
  return items !== undefined && items.every(isReport);
}

export function resourceSubject(r: ResourceRef, fallbackNamespace?: string): string {
  const ns = r.namespace ?? fallbackNamespace;
  return subject('k8s', ns ? `${ns}/${r.kind}/${r.name}` : `${r.kind}/${r.name}`);
}

/** `controls.<framework>` properties ("2.2.6,7.2.5") as `framework:control` refs. */
export function refsFromProperties(props: Record<string, string> | null | undefined): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(props ?? {})) {
    if (!k.startsWith('controls.')) continue;
    const fw = k.slice('controls.'.length);
    for (const id of v.split(',')) if (id.trim() !== '') out.push(`${fw}:${id.trim()}`);
  }
  return out;
}

export interface PolicyResultFields {
  source: string;
  policy: string;
  rule?: string;
  result: Outcome;
  message?: string;
  severity?: string;
  category?: string;
  resource?: ResourceRef;
  /** The subject when there is no resource (a report's namespace). */
  fallbackSubject: string;
  fallbackNamespace?: string;
  observedAt: string;
  refs: readonly string[];
  extra?: Record<string, unknown>;
}

export function policyResultDraft(f: PolicyResultFields, ctx: ImportContext): EvidenceDraft {
  const r = f.resource;
  const where = r ? `${r.kind} ${(r.namespace ?? f.fallbackNamespace) ? `${r.namespace ?? f.fallbackNamespace}/` : ''}${r.name}` : f.fallbackSubject;
  const verdict = { pass: 'passed', fail: 'failed', warn: 'warned', error: 'errored', skip: 'skipped', alert: 'alerted', info: 'reported' }[f.result];
  return draft(
    {
      kind: 'policy-result',
      source: f.source,
      subject: r ? resourceSubject(r, f.fallbackNamespace) : f.fallbackSubject,
      observedAt: f.observedAt,
      outcome: f.result,
      severity: severityWord(f.severity),
      hints: { refs: f.refs, policies: [f.policy], signals: ['configuration-policy'] },
      title: `${f.policy}${f.rule ? `/${f.rule}` : ''} ${verdict} on ${where}`,
      payload: {
        policy: clip(f.policy, 256),
        ...(f.rule ? { rule: clip(f.rule, 256) } : {}),
        result: f.result,
        message: boundedText(f.message ?? ''),
        ...(f.severity ? { severity: clip(f.severity, 32) } : {}),
        ...(f.category ? { category: clip(f.category, 256) } : {}),
        ...(r ? { resource: boundedJson({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.namespace ?? f.fallbackNamespace, uid: r.uid }) } : {}),
        ...f.extra,
      },
    },
    ctx,
  );
}

function resultTime(ts: { seconds: number; nanos?: number | undefined } | undefined): string | undefined {
  if (!ts) return undefined;
  return new Date(ts.seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** Drafts for every result of every report in `value` (a report or a List of them). */
export function policyReportDrafts(value: unknown, ctx: ImportContext, source: string): EvidenceDraft[] {
  const what = 'a PolicyReport, ClusterPolicyReport or a List of them';
  const items = reportsIn(value);
  if (!items) {
    // Name the first thing that is wrong (apiVersion, kind, ...).
    check(reportSchema, value, ctx.source, what);
    throw new AirlockError('BAD_INPUT', `${ctx.source}: not ${what}`);
  }
  const out: EvidenceDraft[] = [];
  items.forEach((item, i) => {
    const where = items.length === 1 && isReport(value) ? ctx.source : `${ctx.source}: items.${i}`;
    const rep = check(reportSchema, item, where, what);
    const ns = rep.metadata.namespace;
    const reportRef = { kind: rep.kind, name: rep.metadata.name, ...(ns ? { namespace: ns } : {}) };
    const created = rep.metadata.creationTimestamp ? isoTime(rep.metadata.creationTimestamp) : undefined;
    const fallbackSubject = subject('k8s', ns ? `${ns}/${rep.kind}/${rep.metadata.name}` : `${rep.kind}/${rep.metadata.name}`);
    for (const res of rep.results ?? []) {
      const resources: (ResourceRef | undefined)[] = res.resources && res.resources.length > 0 ? res.resources : rep.scope ? [rep.scope] : [undefined];
      const observedAt = resultTime(res.timestamp) ?? created ?? nowIso(ctx);
      for (const resource of resources) {
        if (out.length >= LIMITS.draftsPerDocument) {
          throw new AirlockError('BAD_INPUT', `${ctx.source}: more than ${LIMITS.draftsPerDocument} policy results in one document; split it`);
        }
        out.push(
          policyResultDraft(
            {
              source,
              policy: res.policy,
              ...(res.rule ? { rule: res.rule } : {}),
              result: res.result,
              ...(res.message !== undefined ? { message: res.message } : {}),
              ...(res.severity ? { severity: res.severity } : {}),
              ...(res.category ? { category: res.category } : {}),
              ...(resource ? { resource } : {}),
              fallbackSubject,
              ...(ns ? { fallbackNamespace: ns } : {}),
              observedAt,
              refs: refsFromProperties(res.properties),
              extra: {
                report: reportRef,
                ...(res.source ? { engine: clip(res.source, 64) } : {}),
                ...(res.scored !== undefined ? { scored: res.scored } : {}),
                ...(res.properties && Object.keys(res.properties).length > 0 ? { properties: boundedJson(res.properties) } : {}),
              },
            },
            ctx,
          ),
        );
      }
    }
  });
  return out;
}
