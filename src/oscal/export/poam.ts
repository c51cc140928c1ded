/**
 * The plan of action and milestones: one item per open finding of the period,
 *
 * - every control the assessment finds not satisfied (its risk states why, and its
 *   deadline counts from the earliest observation among the records that fail it, by
 *   the worst severity among them);
 * - every open vulnerability (merged across subjects) whose severity has a deadline
 *   (`info` has none and is no item), deadline counted from its first observation.
 *
 * Deadlines come from content/oscal/remediation-deadlines.yaml. OSCAL keeps a deadline
 * on the risk, so each item has one risk (the vulnerability's risk carries the same UUID
 * as in the assessment results), a milestone from first observation to the deadline,
 * and the observations and findings it rests on (the same UUIDs as in
 * assessment-results.json). No open finding: no POA&M (the model needs one item).
 */
import type { ControlAssessment, OpenFinding } from '../../evidence/assessment/types.ts';
import type { EvidenceSeverity } from '../../evidence/types.ts';
import { deadlineDays, deadlineFrom } from '../deadlines.ts';
import type { JsonObject } from '../document.ts';
import { stableUuid } from '../uuid.ts';
import { findingOf, controlRisks } from './assessment-results.ts';
import { AIRLOCK_NS, airlockProp, withDocumentUuid } from './common.ts';
import {
  documentMetadata,
  evidenceContext,
  localInventory,
  observationOf,
  observationUuid,
  oneLine,
  prose,
  requireEvidence,
  riskOf,
  sspSubjects,
  thisSystemUuid,
} from './evidence-common.ts';
import type { EvidenceExport, ExportContext, ObservedRecord, OscalExporter } from './types.ts';

const RANK: Record<EvidenceSeverity, number> = { info: 0, unknown: 1, low: 2, medium: 3, high: 4, critical: 5 };

function milestone(fw: string, key: string, start: string, deadline: string, days: number): JsonObject {
  return {
    uuid: stableUuid(fw, 'poam', 'milestone', key),
    lifecycle: 'planned',
    title: 'Remediate by the deadline',
    description: prose(`Remediate within ${days} days of the first observation, as the remediation deadlines for this severity require.`),
    tasks: [
      {
        uuid: stableUuid(fw, 'poam', 'milestone', key, 'task'),
        type: 'milestone',
        title: `Remediated by ${deadline.slice(0, 10)}`,
        timing: { 'within-date-range': { start, end: deadline } },
      },
    ],
  };
}

interface Item {
  item: JsonObject;
  risk: JsonObject;
  observations: string[];
  finding?: JsonObject;
}

function controlItem(c: ControlAssessment, ctx: ExportContext, ev: EvidenceExport): Item | undefined {
  const fw = ctx.framework.id;
  const failing = c.evidence.map((e) => ev.byId.get(e.id)).filter((r): r is ObservedRecord => r !== undefined);
  if (failing.length === 0) return undefined;
  const severity = failing.reduce<EvidenceSeverity>((s, r) => (RANK[r.severity] > RANK[s] ? r.severity : s), 'info');
  const days = deadlineDays(ev.deadlines, severity === 'info' ? 'unknown' : severity) as number;
  const firstSeen = failing.reduce((t, r) => (Date.parse(r.observedAt) < Date.parse(t) ? r.observedAt : t), failing[0]!.observedAt);
  const deadline = deadlineFrom(firstSeen, days);
  const finding = findingOf(c, ctx, ev);
  const vulnRisks = controlRisks(c, ev);
  const riskId = stableUuid(fw, 'poam', 'control-risk', c.id);
  const reasons = c.reasons.map((r) => r.code).join(', ');
  const risk: JsonObject = {
    uuid: riskId,
    title: oneLine(`${c.id} ${c.title}: not satisfied`),
    description: prose(`The evidence of the period does not satisfy ${c.id} (${c.title}): ${reasons}. ${failing.length} record(s) show it, the worst ${severity}.`),
    statement: prose(`Until the failing checks pass again, ${c.id} is not met for the subjects they name.`),
    props: [airlockProp('control', c.id), airlockProp('severity', severity), airlockProp('first-seen', firstSeen), airlockProp('deadline-days', String(days))],
    status: 'open',
    characterizations: [
      { origin: { actors: [{ type: 'tool', 'actor-uuid': stableUuid('component', 'airlock') }] }, facets: [{ name: 'severity', system: AIRLOCK_NS, value: severity }] },
    ],
    deadline,
    remediations: [milestone(fw, `control/${c.id}`, firstSeen, deadline, days)],
    'related-observations': failing.map((r) => ({ 'observation-uuid': observationUuid(r.id) })),
  };
  return {
    item: {
      uuid: stableUuid(fw, 'poam', 'item', 'control', c.id),
      title: oneLine(`${c.id} ${c.title}: not satisfied`),
      description: prose(`Bring ${c.id} back to satisfied: ${reasons}. Deadline ${deadline} (${days} days from ${firstSeen}, severity ${severity}).`),
      props: [airlockProp('poam-kind', 'control'), airlockProp('control', c.id), airlockProp('severity', severity), airlockProp('deadline', deadline)],
      'related-findings': [{ 'finding-uuid': finding.uuid as string }],
      'related-observations': failing.map((r) => ({ 'observation-uuid': observationUuid(r.id) })),
      'related-risks': [{ 'risk-uuid': riskId }, ...vulnRisks.map((u) => ({ 'risk-uuid': u }))],
    },
    risk,
    observations: failing.map((r) => r.id),
    finding,
  };
}

function vulnerabilityItem(f: OpenFinding, ctx: ExportContext, ev: EvidenceExport): Item | undefined {
  const days = deadlineDays(ev.deadlines, f.severity);
  if (days === undefined) return undefined;
  const fw = ctx.framework.id;
  const deadline = deadlineFrom(f.firstSeen, days);
  const key = `vulnerability/${f.id}/${f.package.name}/${f.package.version}`;
  const risk = { ...riskOf(f, ev, { deadline }) };
  risk.remediations = [milestone(fw, key, f.firstSeen, deadline, days)];
  const observations = f.evidence.filter((e) => ev.byId.has(e.id)).map((e) => e.id);
  return {
    item: {
      uuid: stableUuid(fw, 'poam', 'item', key),
      title: oneLine(`${f.id} in ${f.package.name} ${f.package.version}`),
      description: prose(
        `${f.fixAvailable ? `Upgrade ${f.package.name} to ${f.fixedVersions[0]} or later` : `Mitigate ${f.id} (no fixed version is known)`} in ${f.subjects.length} subject(s). ` +
          `Deadline ${deadline} (${days} days from ${f.firstSeen}, severity ${f.severity}).`,
      ),
      props: [
        airlockProp('poam-kind', 'vulnerability'),
        airlockProp('vulnerability-id', f.id),
        airlockProp('severity', f.severity),
        airlockProp('fix-available', f.fixAvailable ? 'yes' : 'no'),
        airlockProp('deadline', deadline),
      ],
      ...(observations.length > 0 ? { 'related-observations': observations.map((id) => ({ 'observation-uuid': observationUuid(id) })) } : {}),
      'related-risks': [{ 'risk-uuid': risk.uuid as string }],
    },
    risk,
    observations,
  };
}

function buildPoam(base: ExportContext): JsonObject | undefined {
  const ev = requireEvidence(base, 'poam');
  const ctx = evidenceContext(base, ev);
  const fw = ctx.framework;
  const items: Item[] = [];
  for (const c of ev.assessment.controls) {
    if (c.status !== 'not-satisfied') continue;
    const it = controlItem(c, ctx, ev);
    if (it) items.push(it);
  }
  for (const f of ev.assessment.vulnerabilities.findings) {
    const it = vulnerabilityItem(f, ctx, ev);
    if (it) items.push(it);
  }
  if (items.length === 0) return undefined;

  const obsIds = new Set<string>();
  for (const it of items) for (const id of it.observations) obsIds.add(id);
  // Chain order, as in the assessment results.
  const records = ev.records.filter((r) => obsIds.has(r.id));
  const risks = new Map<string, JsonObject>();
  for (const it of items) risks.set(it.risk.uuid as string, it.risk);
  // A control's item also relates the vulnerability risks behind it; those are listed once.
  const local = localInventory(records, sspSubjects(ev), thisSystemUuid(ev.system.systemId));
  const findings = items.flatMap((it) => (it.finding ? [it.finding] : []));
  const s = ev.system;
  const body: JsonObject = {
    metadata: documentMetadata(ctx, `${s.name}: plan of action and milestones, ${fw.name} ${fw.version}`),
    'import-ssp': { href: ctx.hrefs.ssp ?? 'ssp.json' },
    'system-id': { 'identifier-type': s.systemIdType ?? `${AIRLOCK_NS}/system-id`, id: s.systemId },
    ...(local.length > 0 ? { 'local-definitions': { 'inventory-items': local } } : {}),
    ...(records.length > 0 ? { observations: records.map((r) => observationOf(r, ev)) } : {}),
    risks: [...risks.values()],
    ...(findings.length > 0 ? { findings } : {}),
    'poam-items': items.map((it) => it.item),
  };
  return withDocumentUuid('plan-of-action-and-milestones', ctx, 'poam', body);
}

export const poamExporter: OscalExporter = {
  name: 'poam',
  model: 'plan-of-action-and-milestones',
  fileName: 'poam.json',
  fromEvidence: true,
  build: buildPoam,
  emptyReason: 'no open findings in the period (a POA&M needs at least one item)',
};
