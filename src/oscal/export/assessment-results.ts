/**
 * Assessment results: one result for the period, in which
 *
 * - every evidence record of the period that names a control of the framework is one
 *   observation (OSCAL's observation is "an individual observation": one tool's one
 *   statement about one subject at one time, which is what a record is), carrying the
 *   record's UUID, sequence number, record hash and content hash as props so that each
 *   traces to, and verifies against, the store;
 * - every assessed control is one finding whose target status is the assessment's
 *   verdict (satisfied or not-satisfied; OSCAL has no state for "no evidence", so
 *   controls without evidence have no finding and are counted in the result's props),
 *   related to the observations the verdict rests on and to the risks behind it;
 * - every open high or critical vulnerability (merged across subjects) is one risk,
 *   with the vulnerability id, the package, whether a fix exists and where it is open;
 * - reviewed-controls lists every control of the framework.
 *
 * There is no separate assessment plan: import-ap points at a back-matter resource that
 * describes Airlock's continuous, tool-based assessment.
 */
import type { ControlAssessment } from '../../evidence/assessment/types.ts';
import type { JsonObject } from '../document.ts';
import { stableUuid } from '../uuid.ts';
import { airlockProp, controlIds, withDocumentUuid, type Prop } from './common.ts';
import {
  documentMetadata,
  evidenceContext,
  findingUuid,
  localInventory,
  observationOf,
  observationUuid,
  oneLine,
  prose,
  requireEvidence,
  requirementUuid,
  riskOf,
  riskUuid,
  sspSubjects,
  thisSystemUuid,
} from './evidence-common.ts';
import type { EvidenceExport, ExportContext, OscalExporter } from './types.ts';

/** Open vulnerabilities at these severities are risks in the assessment results. */
export const RISK_SEVERITIES: ReadonlySet<string> = new Set(['critical', 'high']);

const REASONS: Readonly<Record<string, string>> = {
  'failing-policy-checks': 'policy checks whose latest result is fail or warn',
  'open-vulnerabilities': 'subjects whose latest scan has open high or critical vulnerabilities',
  'unresolved-alerts': 'alerts at or above the alert threshold with no recorded resolution',
  'passing-evidence': 'passing policy checks, clean latest scans or alerts below the threshold',
  'inconclusive-only': 'only inconclusive results (policy error or skip)',
  'no-evidence': 'no evidence in the period',
};

/** The risks a control's verdict rests on: open high/critical vulnerabilities shown by its failing scans. */
export function controlRisks(c: ControlAssessment, ev: EvidenceExport): string[] {
  if (c.status !== 'not-satisfied') return [];
  const failing = new Set(c.evidence.map((e) => e.id));
  const out: string[] = [];
  for (const f of ev.assessment.vulnerabilities.findings) {
    if (!RISK_SEVERITIES.has(f.severity)) continue;
    if (f.evidence.some((e) => failing.has(e.id))) out.push(riskUuid(f));
  }
  return out;
}

/** The finding of one assessed control (also carried by the POA&M for the controls it lists). */
export function findingOf(c: ControlAssessment, ctx: ExportContext, ev: EvidenceExport): JsonObject {
  const fw = ctx.framework;
  const token = controlIds(fw).get(c.id) as string;
  const satisfied = c.status === 'satisfied';
  const reasons = c.reasons.map((r) => `${r.count} ${REASONS[r.code] ?? r.code}`);
  const related = c.evidence.filter((e) => ev.byId.has(e.id)).map((e) => ({ 'observation-uuid': observationUuid(e.id) }));
  const risks = controlRisks(c, ev).map((u) => ({ 'risk-uuid': u }));
  const props: Prop[] = [
    airlockProp('control-status', c.status),
    ...c.reasons.map((r) => airlockProp('reason', r.code)),
    airlockProp('evidence-records', String(c.counts.records)),
    airlockProp('evidence-passing', String(c.counts.passing)),
    airlockProp('evidence-failing', String(c.counts.failing)),
  ];
  return {
    uuid: findingUuid(fw.id, c.id),
    title: oneLine(`${c.id} ${c.title}: ${satisfied ? 'satisfied' : 'not satisfied'}`),
    description: prose(
      `${c.id} (${c.title}) is ${satisfied ? 'satisfied' : 'not satisfied'} by the evidence of the period: ${reasons.join('; ') || 'no reason recorded'}. ` +
        `${c.evidenceTotal} record(s) support the verdict${c.evidence.length < c.evidenceTotal ? `; the ${c.evidence.length} newest are related here` : ''}.`,
    ),
    props,
    target: {
      type: 'objective-id',
      'target-id': `${token}_obj`,
      status: { state: satisfied ? 'satisfied' : 'not-satisfied', reason: satisfied ? 'pass' : 'fail' },
    },
    'implementation-statement-uuid': requirementUuid(fw.id, c.id),
    ...(related.length > 0 ? { 'related-observations': related } : {}),
    ...(risks.length > 0 ? { 'related-risks': risks } : {}),
  };
}

function buildAssessmentResults(base: ExportContext): JsonObject {
  const ev = requireEvidence(base, 'assessment-results');
  const ctx = evidenceContext(base, ev);
  const fw = ctx.framework;
  const ids = controlIds(fw);
  const a = ev.assessment;
  const first = a.freshness.firstObservedAt;
  const last = a.freshness.lastObservedAt;
  const start = ev.period.from ?? first ?? ev.lastModified;
  const endCandidate = ev.period.to ?? last ?? undefined;
  const end = endCandidate && Date.parse(endCandidate) >= Date.parse(start) ? endCandidate : undefined;

  const planUuid = stableUuid(fw.id, 'assessment-results', 'resource', 'assessment-method');
  const observations = ev.records.map((r) => observationOf(r, ev));
  const risks = a.vulnerabilities.findings.filter((f) => RISK_SEVERITIES.has(f.severity)).map((f) => riskOf(f, ev));
  const findings = a.controls.filter((c) => c.status !== 'not-assessed').map((c) => findingOf(c, ctx, ev));
  const local = localInventory(ev.records, sspSubjects(ev), thisSystemUuid(ev.system.systemId));

  const result: JsonObject = {
    uuid: stableUuid(fw.id, 'assessment-results', 'result', ev.period.from ?? '', ev.period.to ?? ''),
    title: oneLine(`${fw.name} ${fw.version}: evidence from ${start}${end ? ` to ${end}` : ''}`),
    description: prose(
      `Continuous assessment of ${ev.system.name} against ${fw.name} ${fw.version} from the records of Airlock evidence store ${ev.storeId} ` +
        `observed ${ev.period.from ? `from ${ev.period.from}` : 'from the first record'} ${ev.period.to ? `to ${ev.period.to}` : 'to the last'}: ` +
        `${ev.records.length} records, ${a.totals.satisfied} controls satisfied, ${a.totals['not-satisfied']} not satisfied, ${a.totals['not-assessed']} without evidence.`,
    ),
    start,
    ...(end ? { end } : {}),
    props: [
      airlockProp('controls-satisfied', String(a.totals.satisfied)),
      airlockProp('controls-not-satisfied', String(a.totals['not-satisfied'])),
      airlockProp('controls-not-assessed', String(a.totals['not-assessed'])),
      airlockProp('open-vulnerabilities', String(a.vulnerabilities.findings.length)),
      airlockProp('evidence-records', String(ev.records.length)),
    ],
    ...(local.length > 0 ? { 'local-definitions': { 'inventory-items': local } } : {}),
    'reviewed-controls': {
      description: `Every control Airlock indexes for ${fw.name} ${fw.version}.`,
      'control-selections': [{ 'include-controls': fw.controls.map((c) => ({ 'control-id': ids.get(c.id) as string })) }],
    },
    ...(observations.length > 0 ? { observations } : {}),
    ...(risks.length > 0 ? { risks } : {}),
    ...(findings.length > 0 ? { findings } : {}),
  };

  const body: JsonObject = {
    metadata: documentMetadata(ctx, `${ev.system.name}: assessment results, ${fw.name} ${fw.version}`),
    'import-ap': { href: `#${planUuid}`, remarks: 'Airlock assesses continuously from tool evidence; the method is described in the back-matter resource this points at.' },
    results: [result],
    'back-matter': {
      resources: [
        {
          uuid: planUuid,
          title: 'Assessment method: continuous, tool-based (Airlock)',
          description: prose(
            'Kyverno and airlock policy audit evaluate workload configuration against the mapped policies; Trivy, Grype and airlock scan ' +
              'scan images and paths against an offline vulnerability database; Falco and Wazuh report runtime and host alerts. Airlock keeps ' +
              'each result as a hash-chained, signed-checkpoint evidence record and decides each control from the latest result of every check ' +
              'in the period: a failing policy check, an open high or critical vulnerability in the latest scan of a subject, or an ' +
              'unresolved alert at or above the threshold makes it not satisfied.',
          ),
          props: [airlockProp('evidence-store', ev.storeId)],
        },
      ],
    },
  };
  return withDocumentUuid('assessment-results', ctx, 'assessment-results', body);
}

export const assessmentResultsExporter: OscalExporter = {
  name: 'assessment-results',
  model: 'assessment-results',
  fileName: 'assessment-results.json',
  fromEvidence: true,
  build: buildAssessmentResults,
};
