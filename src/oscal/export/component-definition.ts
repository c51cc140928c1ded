/**
 * The component definition: Airlock and the platform components (content/oscal/
 * components.yaml), each with one control implementation for the framework whose
 * implemented requirements say how the component supports each control. Kyverno's come
 * from the policy mappings: one requirement per control, naming every policy with its
 * rationale (and a `policy` prop per policy for tools). A component's evidence signals
 * add the controls each signal supports, with the signal's rationale (and an
 * `evidence-signal` prop). A component with nothing for the framework is listed without
 * control implementations.
 */
import type { JsonObject } from '../document.ts';
import type { PlatformComponent } from '../components.ts';
import { stableUuid } from '../uuid.ts';
import { airlockProp, controlIds, metadata, withDocumentUuid } from './common.ts';
import type { ExportContext, OscalExporter } from './types.ts';

export interface Requirement {
  control: string;
  description: string;
  policies?: string[];
  /** The evidence signals this requirement comes from. */
  signals?: string[];
}

function policyRequirements(ctx: ExportContext): Requirement[] {
  const fw = ctx.framework;
  const byControl = new Map<string, { name: string; rationale: string }[]>();
  for (const p of ctx.content.policies) {
    for (const m of p.mappings.get(fw.id) ?? []) {
      const list = byControl.get(m.control) ?? [];
      list.push({ name: p.name, rationale: m.rationale });
      byControl.set(m.control, list);
    }
  }
  const out: Requirement[] = [];
  for (const c of fw.controls) {
    const list = byControl.get(c.id);
    if (!list) continue;
    const lines = list.map((p) => `- \`${p.name}\`: ${p.rationale}`);
    out.push({
      control: c.id,
      description: `Kyverno enforces at admission, and reports in background scans, the ${list.length === 1 ? 'policy' : 'policies'}:\n\n${lines.join('\n')}`,
      policies: list.map((p) => p.name),
    });
  }
  return out;
}

/** The controls the component's evidence signals support that it does not list itself. */
function signalRequirements(ctx: ExportContext, comp: PlatformComponent, listed: ReadonlySet<string>): Requirement[] {
  const byControl = new Map<string, { lines: string[]; signals: string[] }>();
  for (const id of comp.signals ?? []) {
    const def = ctx.signals?.signals.get(id);
    for (const m of def?.mappings[ctx.framework.id] ?? []) {
      if (listed.has(m.control)) continue;
      const e = byControl.get(m.control) ?? { lines: [], signals: [] };
      e.lines.push(`${def!.title} (${comp.title} records it as evidence): ${m.rationale}`);
      e.signals.push(id);
      byControl.set(m.control, e);
    }
  }
  return [...byControl].map(([control, e]) => ({ control, description: e.lines.join('\n\n'), signals: e.signals }));
}

export function requirementsOf(ctx: ExportContext, comp: PlatformComponent): Requirement[] {
  const own: Requirement[] = comp.fromPolicies ? policyRequirements(ctx) : [...(comp.mappings?.[ctx.framework.id] ?? [])];
  const reqs = [...own, ...signalRequirements(ctx, comp, new Set(own.map((r) => r.control)))];
  // Index order, so that the document reads like the framework.
  const order = new Map(ctx.framework.controls.map((c, i) => [c.id, i]));
  return reqs.sort((a, b) => (order.get(a.control) ?? 0) - (order.get(b.control) ?? 0));
}

function buildComponentDefinition(ctx: ExportContext): JsonObject {
  const fw = ctx.framework;
  const ids = controlIds(fw);
  const base = [fw.id, 'component-definition'];
  const components = ctx.components.components.map((comp) => {
    const reqs = requirementsOf(ctx, comp);
    const out: JsonObject = {
      uuid: stableUuid('component', comp.id),
      type: comp.type,
      title: comp.title,
      description: comp.description,
      ...(comp.purpose ? { purpose: comp.purpose } : {}),
      props: [airlockProp('component-id', comp.id)],
    };
    if (reqs.length > 0) {
      out['control-implementations'] = [
        {
          uuid: stableUuid(...base, 'component', comp.id, 'control-implementation'),
          source: ctx.hrefs.profile ?? 'profile.json',
          description: `How ${comp.title} supports the controls of ${fw.name} ${fw.version}.`,
          'implemented-requirements': reqs.map((r) => ({
            uuid: stableUuid(...base, 'component', comp.id, 'requirement', r.control),
            'control-id': ids.get(r.control) as string,
            description: r.description,
            ...(r.policies || r.signals ? { props: [...(r.policies ?? []).map((p) => airlockProp('policy', p)), ...(r.signals ?? []).map((x) => airlockProp('evidence-signal', x))] } : {}),
          })),
        },
      ];
    }
    return out;
  });
  const body: JsonObject = {
    metadata: metadata(ctx, `${fw.name} ${fw.version}: Airlock platform components`),
    components,
  };
  return withDocumentUuid('component-definition', ctx, 'component-definition', body);
}

export const componentDefinitionExporter: OscalExporter = {
  name: 'component-definition',
  model: 'component-definition',
  fileName: 'component-definition.json',
  build: buildComponentDefinition,
};
