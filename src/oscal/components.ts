/**
 * The platform components of the component definition (content/oscal/components.yaml):
 * each with a title, a description and, per framework, the controls it supports with a
 * one-line description. A component marked `fromPolicies` (Kyverno) takes its controls
 * from the policy mappings instead. `signals` names the evidence signals the component's
 * records carry, which add the controls each signal supports. Parsing is pure; loading checks every control id
 * against the framework's index so a typo is an error, not a missing requirement.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseYaml } from '../common/yaml.ts';
import { SIGNALS } from '../evidence/signals.ts';
import { FRAMEWORK_ID, type Content } from '../frameworks/index.ts';

export const COMPONENTS_FILE = join('oscal', 'components.yaml');
const MAX_BYTES = 2 * 1024 * 1024;
const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\n'), 'must be one line');

const requirementSchema = z.object({ control: line(64), description: line(400) }).strict();

const componentSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a lowercase slug'),
    title: line(200),
    /** OSCAL component type: software, service, hardware, ... */
    type: z.enum(['software', 'service', 'hardware', 'policy', 'process-procedure', 'validation', 'this-system', 'system', 'interconnection', 'plan', 'guidance', 'standard', 'physical']),
    description: z.string().trim().min(1).max(4000),
    purpose: line(1000).optional(),
    fromPolicies: z.literal(true).optional(),
    /**
     * The evidence signals (content/evidence-signals.yaml) the component's records carry:
     * the component supports every control a signal maps to, for the signal's reason,
     * besides the controls listed in `mappings`.
     */
    signals: z.array(z.enum(SIGNALS)).min(1).max(SIGNALS.length).optional(),
    mappings: z.record(z.string().regex(FRAMEWORK_ID), z.array(requirementSchema).min(1).max(500)).optional(),
  })
  .strict();

export const componentIndexSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('ComponentIndex'),
    components: z.array(componentSchema).min(1).max(200),
  })
  .strict();

export type PlatformComponent = z.infer<typeof componentSchema>;
export type ComponentIndex = z.infer<typeof componentIndexSchema>;

export function parseComponentIndex(input: string | Uint8Array, source: string): ComponentIndex {
  const r = componentIndexSchema.safeParse(parseYaml(input, source, { maxBytes: MAX_BYTES, maxAliasCount: 200 }));
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
    throw new AirlockError('BAD_INPUT', `${source}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const ids = new Set<string>();
  for (const c of r.data.components) {
    if (ids.has(c.id)) throw new AirlockError('BAD_INPUT', `${source}: component ${c.id} is listed twice`);
    ids.add(c.id);
    if (c.fromPolicies && c.mappings) throw new AirlockError('BAD_INPUT', `${source}: component ${c.id} has both fromPolicies and mappings`);
    if (c.signals && new Set(c.signals).size !== c.signals.length) throw new AirlockError('BAD_INPUT', `${source}: component ${c.id}: a signal is listed twice`);
    for (const [fw, reqs] of Object.entries(c.mappings ?? {})) {
      const seen = new Set<string>();
      for (const q of reqs) {
        if (seen.has(q.control)) throw new AirlockError('BAD_INPUT', `${source}: component ${c.id}: ${fw} control ${q.control} is listed twice`);
        seen.add(q.control);
      }
    }
  }
  return r.data;
}

/** Cross-checks the components against the loaded frameworks. */
export function checkComponentIndex(index: ComponentIndex, content: Content, source: string): void {
  for (const c of index.components) {
    for (const [fw, reqs] of Object.entries(c.mappings ?? {})) {
      const framework = content.frameworks.get(fw);
      if (!framework) throw new AirlockError('BAD_INPUT', `${source}: component ${c.id}: unknown framework ${fw}`);
      const known = new Set(framework.controls.map((x) => x.id));
      for (const q of reqs) if (!known.has(q.control)) throw new AirlockError('BAD_INPUT', `${source}: component ${c.id}: ${fw} has no control ${q.control}`);
    }
  }
}

export async function loadComponentIndex(content: Content): Promise<ComponentIndex> {
  const path = join(content.root, COMPONENTS_FILE);
  const index = parseComponentIndex(await readFileBounded(path, MAX_BYTES, 'component index'), path);
  checkComponentIndex(index, content, path);
  return index;
}
