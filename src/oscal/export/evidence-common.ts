/**
 * Pieces shared by the documents built from evidence (SSP, assessment results, POA&M):
 * the UUIDs that tie them together, text made safe for OSCAL's datatypes, and the
 * observation of one evidence record, which the assessment results and the POA&M carry
 * identically (same UUID, same content).
 *
 * UUIDs (version 5, see uuid.ts) that name the same thing in every document and
 * framework: `observation/<record id>`, `subject/<subject>` (an inventory item),
 * `component/<id>`, `this-system/<system id>`, `risk/<vulnerability id>/<package>/<version>`.
 * Per framework: `<fw>/ssp/implemented-requirement/<control>`,
 * `<fw>/assessment-results/finding/<control>`, `<fw>/poam/...`.
 */
import type { EvidenceRecord } from '../../evidence/types.ts';
import type { EvidenceRef, OpenFinding } from '../../evidence/assessment/types.ts';
import { AirlockError } from '../../common/errors.ts';
import type { JsonObject } from '../document.ts';
import { stableUuid } from '../uuid.ts';
import { readAlert, readPolicy, readScan } from '../../evidence/assessment/payloads.ts';
import { alertDetail, scanTarget, type ScanTarget } from '../evidence/payloads.ts';
import { airlockProp, metadata, type Prop } from './common.ts';
import type { EvidenceExport, ExportContext, ObservedRecord } from './types.ts';

/** One line for StringDatatype and MarkupLine: whitespace collapsed, trimmed, cut at `max`, never empty. */
export function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s+/g, ' ').trim();
  const cut = t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
  return cut === '' ? '-' : cut;
}

/** Text for MarkupMultiline: trimmed, cut at `max`, never empty. */
export function prose(s: string, max = 4000): string {
  const t = s.replace(/\r\n?/g, '\n').trim();
  const cut = t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
  return cut === '' ? '-' : cut;
}

/**
 * Observations and subjects are referenced many times over (findings, requirements,
 * POA&M items); their UUIDs are remembered rather than hashed again. The memo is
 * bounded: it is cleared when full.
 */
const memo = new Map<string, string>();
function memoUuid(kind: string, key: string): string {
  const k = `${kind}/${key}`;
  let u = memo.get(k);
  if (u === undefined) {
    if (memo.size >= 500_000) memo.clear();
    u = stableUuid(kind, key);
    memo.set(k, u);
  }
  return u;
}

export const observationUuid = (recordId: string): string => memoUuid('observation', recordId);
export const subjectUuid = (subject: string): string => memoUuid('subject', subject);
export const componentUuid = (id: string): string => stableUuid('component', id);
export const thisSystemUuid = (systemId: string): string => stableUuid('this-system', systemId);
export const riskUuid = (f: Pick<OpenFinding, 'id' | 'package'>): string => stableUuid('risk', f.id, f.package.name, f.package.version);
export const requirementUuid = (fw: string, control: string): string => stableUuid(fw, 'ssp', 'implemented-requirement', control);
export const findingUuid = (fw: string, control: string): string => stableUuid(fw, 'assessment-results', 'finding', control);

/** The platform component that produced a record, by the record's source. */
export const SOURCE_COMPONENT: Readonly<Record<string, string>> = {
  'airlock-scan': 'airlock',
  'airlock-policy': 'airlock',
  trivy: 'trivy',
  kyverno: 'kyverno',
  falco: 'falco',
  wazuh: 'wazuh',
};

export function requireEvidence(ctx: ExportContext, doc: string): EvidenceExport {
  if (!ctx.evidence) throw new AirlockError('USAGE', `${doc} is built from evidence: give the evidence store (--evidence DIR)`);
  return ctx.evidence;
}

/** The context of an evidence document: its last-modified is the evidence's, not the content's. */
export function evidenceContext(ctx: ExportContext, ev: EvidenceExport): ExportContext {
  return { ...ctx, lastModified: ev.lastModified };
}

/** Metadata of an evidence document: the period and the store besides the usual fields. */
export function documentMetadata(ctx: ExportContext, title: string): JsonObject {
  const ev = requireEvidence(ctx, title);
  const m = metadata(ctx, title);
  const props = [...(m.props as Prop[]), airlockProp('evidence-store', ev.storeId), airlockProp('evidence-records', String(ev.records.length))];
  if (ev.period.from) props.push(airlockProp('period-from', ev.period.from));
  if (ev.period.to) props.push(airlockProp('period-to', ev.period.to));
  return { ...m, props };
}

/** Props that pin an observation to its record in the store (kind, source, subject and outcome are in its text). */
export function recordProps(r: ObservedRecord): Prop[] {
  return [
    airlockProp('evidence-record', r.id),
    airlockProp('evidence-record-hash', r.recordHash),
    airlockProp('evidence-record-seq', String(r.seq)),
    airlockProp('evidence-collected-at', r.collectedAt),
    airlockProp('severity', r.severity),
  ];
}

const FAILING_OUTCOMES = new Set(['fail', 'warn']);
const ALERT_FINDING = new Set(['high', 'critical']);

function countsText(by: Partial<Record<string, number>>): string {
  const parts = ['critical', 'high', 'medium', 'low', 'unknown'].filter((s) => (by[s] ?? 0) > 0).map((s) => `${by[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

function describe(r: EvidenceRecord): { description: string; remarks?: string; target?: ScanTarget } {
  if (r.kind === 'vulnerability-scan') {
    const scan = readScan(r.payload);
    const target = scanTarget(r);
    if (scan && target) {
      const open = Object.entries(scan.open).reduce((n, [s, c]) => (s === 'info' ? n : n + c), 0);
      const worst = scan.findings.filter((f) => !f.suppressed && (f.severity === 'critical' || f.severity === 'high')).slice(0, 50);
      return {
        target,
        description: prose(
          `${target.scanner}${target.scannerVersion ? ` ${target.scannerVersion}` : ''} scanned ${target.kind} ${target.name}` +
            `${target.digest ? ` (${target.digest})` : ''}: ${target.packages ?? 'an unknown number of'} packages, ${open} open findings (${countsText(scan.open)}), ` +
            `${scan.suppressed} suppressed${scan.dbBuiltAt ? `; vulnerability database built ${scan.dbBuiltAt}` : ''}.`,
        ),
        ...(worst.length > 0
          ? {
              remarks: prose(
                `Open high and critical findings:\n\n${worst.map((f) => `- ${f.id} (${f.severity}) in ${f.package.name} ${f.package.version}${f.fixedVersions.length ? `, fixed in ${f.fixedVersions.join(', ')}` : ', no fix'}`).join('\n')}`,
                8000,
              ),
            }
          : {}),
      };
    }
  }
  if (r.kind === 'policy-result') {
    const pol = readPolicy(r.payload);
    if (pol) {
      return {
        description: prose(`${r.source}: policy ${pol.policy}${pol.rule ? ` rule ${pol.rule}` : ''} ${r.outcome} on ${r.subject}.`),
        ...(pol.message ? { remarks: prose(pol.message) } : {}),
      };
    }
  }
  if (r.kind === 'runtime-alert' || r.kind === 'host-alert') {
    const alert = readAlert(r.kind, r.payload);
    if (alert) {
      const detail = alertDetail(r);
      const rule = alert.description && alert.description !== alert.rule ? `rule ${alert.rule}, ${alert.description}` : alert.rule;
      return { description: prose(`${r.source} ${r.severity} alert on ${r.subject}: ${rule}.`), ...(detail ? { remarks: prose(detail, 2000) } : {}) };
    }
  }
  return { description: prose(`${r.kind} from ${r.source} on ${r.subject}: ${r.outcome}.`) };
}

/** The record without its payload, with what the payload says in words. */
export function observe(r: EvidenceRecord): ObservedRecord {
  const { description, remarks, target } = describe(r);
  const { payload: _payload, ...header } = r;
  return { ...header, description, ...(remarks ? { remarks } : {}), ...(target ? { target } : {}) };
}

/**
 * The observation of one record: what the source stated, when, about what, and the
 * record's id and hashes, so that it can be found and verified in the store.
 */
export function observationOf(r: ObservedRecord, ev: EvidenceExport): JsonObject {
  const { description, remarks } = r;
  const alert = r.kind === 'runtime-alert' || r.kind === 'host-alert';
  const isFinding = FAILING_OUTCOMES.has(r.outcome) || (alert && ALERT_FINDING.has(r.severity));
  const component = SOURCE_COMPONENT[r.source];
  return {
    uuid: observationUuid(r.id),
    title: oneLine(r.title),
    description,
    props: recordProps(r),
    methods: [alert ? 'EXAMINE' : 'TEST'],
    types: [isFinding ? 'finding' : 'control-objective'],
    ...(component ? { origins: [{ actors: [{ type: 'tool', 'actor-uuid': componentUuid(component) }] }] } : {}),
    subjects: [{ 'subject-uuid': subjectUuid(r.subject), type: 'inventory-item' }],
    'relevant-evidence': [{ description: `Record ${r.seq} (${r.id}) of Airlock evidence store ${ev.storeId}: airlock evidence show ${r.id}` }],
    collected: r.observedAt,
    ...(remarks ? { remarks } : {}),
  };
}

/**
 * Inventory items for the subjects the SSP does not list (it lists scanned images and
 * paths, and monitored hosts): Kubernetes resources, containers and the hosts of runtime
 * alerts, named by policy results and alerts.
 */
export function localInventory(records: readonly ObservedRecord[], scanned: ReadonlySet<string>, thisSystem: string): JsonObject[] {
  const seen = new Set<string>();
  const out: JsonObject[] = [];
  for (const r of records) {
    if (scanned.has(r.subject) || seen.has(r.subject)) continue;
    seen.add(r.subject);
    const type = r.subject.slice(0, Math.max(0, r.subject.indexOf(':'))) || 'unknown';
    out.push({
      uuid: subjectUuid(r.subject),
      description: prose(`${type === 'k8s' ? 'Kubernetes resource' : type} ${r.subject.slice(type.length + 1)}, named by the evidence.`),
      props: [{ name: 'asset-id', value: oneLine(r.subject, 1024) }, airlockProp('subject-type', type)],
      'implemented-components': [{ 'component-uuid': thisSystem }],
    });
  }
  return out;
}

/** Hosts that host alerts name (Wazuh agents): the SSP lists them, with when they were last seen and by which tools. */
export function monitoredHosts(ev: EvidenceExport): Map<string, { lastSeen: string; sources: Set<string> }> {
  const scanned = new Set(ev.assessment.vulnerabilities.subjects.map((s) => s.subject));
  const out = new Map<string, { lastSeen: string; sources: Set<string> }>();
  for (const r of ev.records) {
    if (r.kind !== 'host-alert' || !r.subject.startsWith('host:') || scanned.has(r.subject)) continue;
    const h = out.get(r.subject);
    if (!h) out.set(r.subject, { lastSeen: r.observedAt, sources: new Set([r.source]) });
    else {
      if (Date.parse(r.observedAt) > Date.parse(h.lastSeen)) h.lastSeen = r.observedAt;
      h.sources.add(r.source);
    }
  }
  return out;
}

/** Subjects that are inventory items of the SSP: scanned images and paths, monitored hosts. */
export function sspSubjects(ev: EvidenceExport): Set<string> {
  return new Set([...ev.assessment.vulnerabilities.subjects.map((s) => s.subject), ...monitoredHosts(ev).keys()]);
}

export const refIds = (refs: readonly EvidenceRef[]): string[] => refs.map((e) => e.id);

/** The risk of one open vulnerability finding (assessment results and POA&M). */
export function riskOf(f: OpenFinding, ev: EvidenceExport, extra: { deadline?: string } = {}): JsonObject {
  const pkg = `${f.package.name}${f.package.version ? ` ${f.package.version}` : ''}`;
  const fix = f.fixAvailable ? `fixed in ${f.fixedVersions.join(', ')}` : 'no fixed version is known';
  const scanners = new Set<string>();
  for (const e of f.evidence) {
    const r = ev.byId.get(e.id);
    const c = r ? SOURCE_COMPONENT[r.source] : undefined;
    if (c) scanners.add(c);
  }
  const props: Prop[] = [
    airlockProp('vulnerability-id', f.id),
    ...f.aliases.slice(0, 20).map((a) => airlockProp('vulnerability-alias', oneLine(a, 256))),
    airlockProp('package', oneLine(f.package.name, 512)),
    ...(f.package.version ? [airlockProp('package-version', oneLine(f.package.version, 256))] : []),
    ...(f.package.purl ? [airlockProp('purl', oneLine(f.package.purl, 1024))] : []),
    airlockProp('severity', f.severity),
    airlockProp('fix-available', f.fixAvailable ? 'yes' : 'no'),
    ...f.fixedVersions.slice(0, 20).map((v) => airlockProp('fixed-version', oneLine(v, 256))),
    airlockProp('first-seen', f.firstSeen),
    ...f.subjects.map((s) => airlockProp('affected-subject', oneLine(s, 1024))),
  ];
  const facets: JsonObject[] = [{ name: 'severity', system: 'https://airlock.dev/ns/oscal', value: f.severity }];
  if (f.cvssScore !== undefined) facets.push({ name: 'cvss-base-score', system: 'https://airlock.dev/ns/oscal', value: String(f.cvssScore) });
  return {
    uuid: riskUuid(f),
    title: oneLine(`${f.id} in ${pkg}`),
    description: prose(
      `${f.id}${f.aliases.length ? ` (${f.aliases.slice(0, 5).join(', ')})` : ''}, ${f.severity}${f.cvssScore !== undefined ? `, CVSS ${f.cvssScore}` : ''}, ` +
        `in ${f.package.type ? `${f.package.type} package ` : ''}${pkg}; ${fix}. Open in the latest scan of ${f.subjects.length} subject(s): ${f.subjects.slice(0, 20).join(', ')}${f.subjects.length > 20 ? ', …' : ''}.`,
    ),
    statement: prose(
      `A known ${f.severity} vulnerability remains in software the system runs, first seen ${f.firstSeen}. ` +
        (f.fixAvailable ? `Upgrading ${f.package.name} to ${f.fixedVersions[0]} or later removes it.` : 'No fix is known yet; mitigate or accept the risk until one is.'),
    ),
    props,
    status: 'open',
    ...(scanners.size > 0 ? { origins: [{ actors: [...scanners].sort().map((c) => ({ type: 'tool', 'actor-uuid': componentUuid(c) })) }] } : {}),
    characterizations: [
      {
        origin: { actors: [...(scanners.size > 0 ? [...scanners].sort() : ['airlock'])].map((c) => ({ type: 'tool', 'actor-uuid': componentUuid(c) })) },
        facets,
      },
    ],
    ...(extra.deadline ? { deadline: extra.deadline } : {}),
    'related-observations': f.evidence.filter((e) => ev.byId.has(e.id)).map((e) => ({ 'observation-uuid': observationUuid(e.id) })),
  };
}
