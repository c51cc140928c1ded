/**
 * Queries over loaded content: the framework list with counts and coverage, one
 * framework in detail, the policy folders of a framework (what `policy audit --framework`
 * evaluates) and the controls a policy supports (to label audit results).
 */
import { AirlockError } from '../common/errors.ts';
import type { Content, MappingEntry, PolicyEntry } from './content.ts';
import type { ControlIndex, Severity } from './schema.ts';

export interface FrameworkSummary {
  id: string;
  name: string;
  version: string;
  publisher: string;
  controls: number;
  policies: number;
  /** Policy-to-control mappings. */
  mappings: number;
  minimumMappings: number;
  /** Controls with at least one policy. */
  coveredControls: number;
  /** coveredControls / controls, 0..1. */
  coverage: number;
}

export interface ControlDetail {
  id: string;
  family: string;
  title: string;
  policies: string[];
}

export interface PolicyInFramework {
  name: string;
  title: string;
  category: string;
  severity: Severity;
  controls: MappingEntry[];
}

export interface FrameworkDetail extends FrameworkSummary {
  description: string;
  idFormat: string;
  verification: string;
  controlList: ControlDetail[];
  policyList: PolicyInFramework[];
}

function policiesOf(content: Content, id: string): PolicyEntry[] {
  return content.policies.filter((p) => (p.mappings.get(id)?.length ?? 0) > 0);
}

export function getFramework(content: Content, id: string): ControlIndex {
  const fw = content.frameworks.get(id);
  if (!fw) {
    const known = [...content.frameworks.keys()].sort().join(', ');
    throw new AirlockError('NOT_FOUND', `unknown framework ${JSON.stringify(id)}; known: ${known || 'none'}`);
  }
  return fw;
}

function summarise(content: Content, fw: ControlIndex): FrameworkSummary {
  const pols = policiesOf(content, fw.id);
  const covered = new Set<string>();
  let mappings = 0;
  for (const p of pols) {
    for (const e of p.mappings.get(fw.id) ?? []) {
      covered.add(e.control);
      mappings++;
    }
  }
  return {
    id: fw.id,
    name: fw.name,
    version: fw.version,
    publisher: fw.publisher,
    controls: fw.controls.length,
    policies: pols.length,
    mappings,
    minimumMappings: fw.minimumMappings,
    coveredControls: covered.size,
    coverage: fw.controls.length === 0 ? 0 : covered.size / fw.controls.length,
  };
}

export function listFrameworks(content: Content): FrameworkSummary[] {
  return [...content.frameworks.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((fw) => summarise(content, fw));
}

export function showFramework(content: Content, id: string): FrameworkDetail {
  const fw = getFramework(content, id);
  const pols = policiesOf(content, id);
  const byControl = new Map<string, string[]>();
  for (const p of pols) {
    for (const e of p.mappings.get(id) ?? []) {
      const list = byControl.get(e.control) ?? [];
      list.push(p.name);
      byControl.set(e.control, list);
    }
  }
  return {
    ...summarise(content, fw),
    description: fw.description,
    idFormat: fw.idFormat,
    verification: fw.verification,
    controlList: fw.controls.map((c) => ({ id: c.id, family: c.family, title: c.title, policies: byControl.get(c.id) ?? [] })),
    policyList: pols.map((p) => ({
      name: p.name,
      title: p.head.title,
      category: p.head.category,
      severity: p.head.severity,
      controls: p.mappings.get(id) ?? [],
    })),
  };
}

/** Absolute folders of the policies mapped to a framework, sorted by policy name. */
export function frameworkPolicyDirs(content: Content, id: string): string[] {
  getFramework(content, id);
  return policiesOf(content, id).map((p) => p.dir);
}

/** Framework id to control ids supported by one policy (empty when the policy is unknown). */
export function controlsForPolicy(content: Content, policyName: string): Map<string, string[]> {
  const p = content.policies.find((x) => x.name === policyName);
  const out = new Map<string, string[]>();
  if (!p) return out;
  for (const [fw, entries] of p.mappings) out.set(fw, entries.map((e) => e.control));
  return out;
}
