/**
 * Pure parsers for the compliance content: bytes in, a typed value or an AirlockError
 * naming the file and the first problem out. No file-system access here (see content.ts).
 */
import type { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseYaml, parseYamlAll } from '../common/yaml.ts';
import {
  FRAMEWORK_ID,
  controlIndexSchema,
  controlMappingSchema,
  policyHeadSchema,
  type ControlIndex,
  type ControlMappingFile,
  type Severity,
} from './schema.ts';

/** Content files are small; anything bigger is a mistake or an attack. */
export const MAX_CONTENT_FILE_BYTES = 2 * 1024 * 1024;

function check<S extends z.ZodType>(schema: S, value: unknown, source: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<S>;
  const issue = r.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
  throw new AirlockError('BAD_INPUT', `${source}: ${path}: ${issue?.message ?? 'invalid'}`, {
    details: r.error.issues.slice(0, 10).map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`),
  });
}

function yamlOne(input: string | Uint8Array, source: string): unknown {
  return parseYaml(input, source, { maxBytes: MAX_CONTENT_FILE_BYTES, maxAliasCount: 100 });
}

export function parseControlIndex(input: string | Uint8Array, source: string): ControlIndex {
  const index = check(controlIndexSchema, yamlOne(input, source), source);
  const seen = new Set<string>();
  for (const c of index.controls) {
    if (seen.has(c.id)) throw new AirlockError('BAD_INPUT', `${source}: control ${c.id} is listed twice`);
    seen.add(c.id);
  }
  return index;
}

export function parseControlMapping(input: string | Uint8Array, source: string): ControlMappingFile {
  const mapping = check(controlMappingSchema, yamlOne(input, source), source);
  for (const [fw, entries] of Object.entries(mapping.mappings)) {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.control)) throw new AirlockError('BAD_INPUT', `${source}: ${fw} control ${e.control} is mapped twice`);
      seen.add(e.control);
    }
  }
  return mapping;
}

/**
 * The `airlock.dev/controls` annotation: one line per framework, `framework-id: id, id`.
 * It repeats controls.yaml (which carries the rationales) so that the policy alone, as
 * deployed in a cluster, still says which controls it supports.
 */
export function parseControlsAnnotation(value: string, source: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [n, raw] of value.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    const fw = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!FRAMEWORK_ID.test(fw)) {
      throw new AirlockError('BAD_INPUT', `${source}: annotation airlock.dev/controls line ${n + 1}: expected "framework-id: control, control"`);
    }
    if (out.has(fw)) throw new AirlockError('BAD_INPUT', `${source}: annotation airlock.dev/controls names ${fw} twice`);
    const ids = line
      .slice(colon + 1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) throw new AirlockError('BAD_INPUT', `${source}: annotation airlock.dev/controls line ${n + 1}: no control ids for ${fw}`);
    out.set(fw, ids);
  }
  return out;
}

export interface PolicyHead {
  name: string;
  kind: 'ClusterPolicy' | 'Policy';
  title: string;
  category: string;
  severity: Severity;
  description: string;
  /** Framework id to control ids, from the airlock.dev/controls annotation. */
  annotatedControls: Map<string, string[]>;
  ruleNames: string[];
}

/** Parses a policy.yaml that must hold exactly one Kyverno policy with Airlock's annotations. */
export function parsePolicyHead(input: string | Uint8Array, source: string): PolicyHead {
  const docs = parseYamlAll(input, source, { maxBytes: MAX_CONTENT_FILE_BYTES, maxAliasCount: 100 });
  if (docs.length !== 1) throw new AirlockError('BAD_INPUT', `${source}: expected exactly one policy document, found ${docs.length}`);
  const p = check(policyHeadSchema, docs[0], source);
  const a = p.metadata.annotations;
  const ruleNames = p.spec.rules.map((r) => r.name);
  if (new Set(ruleNames).size !== ruleNames.length) throw new AirlockError('BAD_INPUT', `${source}: rule names must be unique`);
  return {
    name: p.metadata.name,
    kind: p.kind,
    title: a['policies.kyverno.io/title'],
    category: a['policies.kyverno.io/category'],
    severity: a['policies.kyverno.io/severity'],
    description: a['policies.kyverno.io/description'],
    annotatedControls: parseControlsAnnotation(a['airlock.dev/controls'], source),
    ruleNames,
  };
}
