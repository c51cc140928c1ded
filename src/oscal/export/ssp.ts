/**
 * The system security plan: the system as its owner describes it (system.yaml), the
 * components that implement controls (this system, Airlock and the platform components
 * of the component definition, with the same UUIDs), an inventory item per scanned
 * image or path (digest, package count, last scan), and one implemented requirement per
 * control of the framework: what each component does for it (by-component statements,
 * from components.yaml and the policy mappings), the assessment's verdict, and links to
 * the observations in assessment-results.json that it rests on, with the evidence
 * records' UUIDs as props.
 */
import type { JsonObject } from '../document.ts';
import { highWaterMark, type SystemDescription } from '../system.ts';
import { stableUuid } from '../uuid.ts';
import { AIRLOCK_NS, airlockProp, controlIds, withDocumentUuid, type Prop } from './common.ts';
import { requirementsOf } from './component-definition.ts';
import {
  componentUuid,
  documentMetadata,
  evidenceContext,
  findingUuid,
  monitoredHosts,
  observationUuid,
  oneLine,
  prose,
  requireEvidence,
  requirementUuid,
  subjectUuid,
  thisSystemUuid,
} from './evidence-common.ts';
import { partiesOf } from './parties.ts';
import type { EvidenceExport, ExportContext, OscalExporter } from './types.ts';

const fips = (l: string): string => `fips-199-${l}`;

function informationTypes(s: SystemDescription, fw: string): JsonObject[] {
  const types = s.informationTypes ?? [{ title: 'System information', description: `Information the system stores, processes and transmits (${s.name}).`, impact: s.impact }];
  return types.map((t, i) => {
    const impact = t.impact ?? s.impact;
    return {
      uuid: stableUuid(fw, 'ssp', 'information-type', String(i), t.title),
      title: oneLine(t.title),
      description: prose(t.description),
      ...('nist80060' in t && t.nist80060 ? { categorizations: [{ system: 'http://doi.org/10.6028/NIST.SP.800-60v2r1', 'information-type-ids': t.nist80060 }] } : {}),
      'confidentiality-impact': { base: fips(impact.confidentiality) },
      'integrity-impact': { base: fips(impact.integrity) },
      'availability-impact': { base: fips(impact.availability) },
    };
  });
}

function systemCharacteristics(s: SystemDescription, fw: string): JsonObject {
  return {
    'system-ids': [{ 'identifier-type': s.systemIdType ?? `${AIRLOCK_NS}/system-id`, id: s.systemId }],
    'system-name': s.name,
    ...(s.shortName ? { 'system-name-short': s.shortName } : {}),
    description: prose(s.description),
    ...(s.dateAuthorized ? { 'date-authorized': s.dateAuthorized } : {}),
    'security-sensitivity-level': fips(s.sensitivity ?? highWaterMark(s.impact)),
    'system-information': { 'information-types': informationTypes(s, fw) },
    'security-impact-level': {
      'security-objective-confidentiality': fips(s.impact.confidentiality),
      'security-objective-integrity': fips(s.impact.integrity),
      'security-objective-availability': fips(s.impact.availability),
    },
    status: { state: s.status, ...(s.statusRemarks ? { remarks: prose(s.statusRemarks) } : {}) },
    'authorization-boundary': { description: prose(s.authorizationBoundary, 8000) },
    ...(s.networkArchitecture ? { 'network-architecture': { description: prose(s.networkArchitecture, 8000) } } : {}),
    ...(s.dataFlow ? { 'data-flow': { description: prose(s.dataFlow, 8000) } } : {}),
  };
}

function users(s: SystemDescription, fw: string): JsonObject[] {
  const list = s.users ?? [{ title: 'Platform operator', description: 'Operates the platform and reviews its evidence.', roles: ['platform-operator'] }];
  return list.map((u, i) => ({
    uuid: stableUuid(fw, 'ssp', 'user', String(i), u.title),
    title: oneLine(u.title),
    ...(u.description ? { description: prose(u.description) } : {}),
    'role-ids': u.roles,
  }));
}

/**
 * One inventory item per subject whose latest scan is in the period (what was scanned,
 * its digest, its package count), and one per host that host alerts name.
 */
function inventory(ev: EvidenceExport, thisSystem: string): JsonObject[] {
  const hosts = [...monitoredHosts(ev)].map(([subject, h]) => ({
    uuid: subjectUuid(subject),
    description: prose(`Host ${subject.slice('host:'.length)}, monitored by ${[...h.sources].sort().join(', ')}; last seen in the evidence ${h.lastSeen}.`),
    props: [
      { name: 'asset-id', value: oneLine(subject, 1024) },
      airlockProp('target-kind', 'host'),
      airlockProp('last-seen', h.lastSeen),
      ...[...h.sources].sort().map((x) => airlockProp('monitored-by', oneLine(x, 64))),
    ],
    'implemented-components': [{ 'component-uuid': thisSystem }],
  }));
  return [...scanned(ev, thisSystem), ...hosts];
}

function scanned(ev: EvidenceExport, thisSystem: string): JsonObject[] {
  return ev.assessment.vulnerabilities.subjects.map((s) => {
    const t = ev.byId.get(s.evidence.id)?.target;
    const kind = t?.kind ?? (s.subject.slice(0, Math.max(0, s.subject.indexOf(':'))) || 'unknown');
    const name = t?.name ?? s.target;
    const props: Prop[] = [
      { name: 'asset-id', value: oneLine(s.subject, 1024) },
      airlockProp('target-kind', oneLine(kind, 64)),
      airlockProp('target-name', oneLine(name || s.subject, 1024)),
    ];
    if (t?.digest) props.push(airlockProp('digest', t.digest));
    if (t?.imageId) props.push(airlockProp('image-id', t.imageId));
    if (t && t.packages !== null) props.push(airlockProp('package-count', String(t.packages)));
    if (t?.os) props.push(airlockProp('os', oneLine(t.os, 128)));
    props.push(airlockProp('last-scanned', s.scannedAt), airlockProp('scanner', oneLine(s.scanner, 64)), airlockProp('evidence-record', s.evidence.id));
    const what = kind === 'container_image' || kind === 'oci' || s.subject.startsWith('image:') ? 'Container image' : 'Scanned target';
    return {
      uuid: subjectUuid(s.subject),
      description: prose(`${what} ${name || s.subject}${t?.digest ? ` (${t.digest})` : ''}, last scanned ${s.scannedAt} by ${s.scanner}${t && t.packages !== null ? `: ${t.packages} packages` : ''}.`),
      props,
      'implemented-components': [{ 'component-uuid': thisSystem }],
    };
  });
}

function buildSsp(base: ExportContext): JsonObject {
  const ev = requireEvidence(base, 'ssp');
  const ctx = evidenceContext(base, ev);
  const fw = ctx.framework;
  const s = ev.system;
  const ids = controlIds(fw);
  const thisSystem = thisSystemUuid(s.systemId);
  const cdHref = ctx.hrefs['component-definition'] ?? 'component-definition.json';
  const arHref = ctx.hrefs['assessment-results'] ?? 'assessment-results.json';

  const components: JsonObject[] = [
    {
      uuid: thisSystem,
      type: 'this-system',
      title: oneLine(s.name),
      description: prose(s.description),
      status: { state: s.status === 'under-major-modification' ? 'operational' : s.status },
    },
    ...ctx.components.components.map((c) => ({
      uuid: componentUuid(c.id),
      type: c.type,
      title: c.title,
      description: c.description,
      ...(c.purpose ? { purpose: c.purpose } : {}),
      props: [airlockProp('component-id', c.id)],
      links: [{ href: `${cdHref}#${componentUuid(c.id)}`, rel: 'component-definition' }],
      status: { state: 'operational' },
    })),
  ];

  // By-component statements per control.
  const statements = new Map<string, { comp: string; description: string; props: Prop[] }[]>();
  for (const comp of ctx.components.components) {
    for (const r of requirementsOf(ctx, comp)) {
      const list = statements.get(r.control) ?? [];
      const props = [...(r.policies ?? []).map((p) => airlockProp('policy', p)), ...(r.signals ?? []).map((x) => airlockProp('evidence-signal', x))];
      list.push({ comp: comp.id, description: r.description, props });
      statements.set(r.control, list);
    }
  }
  const verdicts = new Map(ev.assessment.controls.map((c) => [c.id, c]));

  const requirements = fw.controls.map((c) => {
    const id = ids.get(c.id) as string;
    const v = verdicts.get(c.id);
    const byComp = statements.get(c.id) ?? [];
    const evidence = (v?.evidence ?? []).filter((e) => ev.byId.has(e.id));
    const links: JsonObject[] = [];
    if (v && v.status !== 'not-assessed') links.push({ href: `${arHref}#${findingUuid(fw.id, c.id)}`, rel: 'assessment-finding' });
    for (const e of evidence) links.push({ href: `${arHref}#${observationUuid(e.id)}`, rel: 'evidence' });
    const props: Prop[] = [
      airlockProp('assessment-status', v?.status ?? 'not-assessed'),
      airlockProp('evidence-records', String(v?.counts.records ?? 0)),
      ...evidence.map((e) => airlockProp('evidence-record', e.id)),
    ];
    return {
      uuid: requirementUuid(fw.id, c.id),
      'control-id': id,
      props,
      ...(links.length > 0 ? { links } : {}),
      ...(byComp.length > 0
        ? {
            'by-components': byComp.map((b) => ({
              'component-uuid': componentUuid(b.comp),
              uuid: stableUuid(fw.id, 'ssp', 'implemented-requirement', c.id, 'by-component', b.comp),
              description: prose(b.description),
              ...(b.props.length > 0 ? { props: b.props } : {}),
              'implementation-status': { state: 'implemented' },
            })),
          }
        : { remarks: `No platform component Airlock describes implements ${c.id}; the organisation's own implementation belongs here.` }),
    };
  });

  const inv = inventory(ev, thisSystem);
  const { roles, parties, responsible } = partiesOf(s);
  const body: JsonObject = {
    metadata: {
      ...documentMetadata(ctx, `${s.name}: system security plan, ${fw.name} ${fw.version}`),
      roles,
      parties,
      ...(responsible.length > 0 ? { 'responsible-parties': responsible } : {}),
    },
    'import-profile': { href: ctx.hrefs.profile ?? 'profile.json' },
    'system-characteristics': systemCharacteristics(s, fw.id),
    'system-implementation': {
      users: users(s, fw.id),
      components,
      ...(inv.length > 0 ? { 'inventory-items': inv } : {}),
    },
    'control-implementation': {
      description: prose(
        `How ${s.name} implements the controls of ${fw.name} ${fw.version}: by-component statements from Airlock's component definition, ` +
          `and the verdict of the evidence from ${ev.period.from ?? 'the first record'} to ${ev.period.to ?? 'the last record'} (assessment-results.json).`,
      ),
      'implemented-requirements': requirements,
    },
  };
  return withDocumentUuid('system-security-plan', ctx, 'ssp', body);
}

export const sspExporter: OscalExporter = { name: 'ssp', model: 'system-security-plan', fileName: 'ssp.json', fromEvidence: true, build: buildSsp };
