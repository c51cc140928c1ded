/**
 * Evidence signals (content/evidence-signals.yaml): named kinds of evidence
 * (vulnerability scanning, runtime threat detection, audit logging, ...) each mapped,
 * per framework, to the controls it supports with a one-line rationale. Importers attach
 * signals to their records; the resolver in controls.ts turns them into control refs.
 *
 * Parsing is pure (bytes in, a checked value or AirlockError out); loadEvidenceSignals
 * reads the file and cross-checks every control against the framework indexes.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseYaml } from '../common/yaml.ts';
import type { ControlIndex } from '../frameworks/schema.ts';

/** The file name under the content folder. */
export const SIGNALS_FILE = 'evidence-signals.yaml';
const MAX_SIGNALS_BYTES = 1024 * 1024;

/** The signals the importers attach; the content must define every one of them. */
export const SIGNALS = [
  'vulnerability-scanning',
  'flaw-remediation',
  'configuration-policy',
  'runtime-threat-detection',
  'intrusion-detection',
  'audit-logging',
  'audit-review',
  'integrity-monitoring',
] as const;
export type Signal = (typeof SIGNALS)[number];

const FRAMEWORK_ID = /^[a-z0-9][a-z0-9.-]{0,62}$/;
const SIGNAL_ID = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
const text = (max: number) => z.string().trim().min(1).max(max);

const mappingEntrySchema = z
  .object({
    control: text(64),
    rationale: text(400).refine((s) => !s.includes('\n'), 'must be one line'),
  })
  .strict();

const signalSchema = z
  .object({
    id: z.string().regex(SIGNAL_ID, 'must be a lowercase slug'),
    title: text(200),
    mappings: z.record(z.string().regex(FRAMEWORK_ID, 'must be a framework id'), z.array(mappingEntrySchema).min(1).max(100)),
  })
  .strict();

const signalsSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('EvidenceSignals'),
    signals: z.array(signalSchema).min(1).max(200),
  })
  .strict();

export type SignalDefinition = z.infer<typeof signalSchema>;

export interface EvidenceSignals {
  /** Signal id to its definition, in file order. */
  signals: Map<string, SignalDefinition>;
}

/** Parses content/evidence-signals.yaml; checks shape, unique ids and unique controls per framework. */
export function parseEvidenceSignals(input: string | Uint8Array, source: string): EvidenceSignals {
  const raw = parseYaml(input, source, { maxBytes: MAX_SIGNALS_BYTES, maxAliasCount: 100 });
  const r = signalsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
    throw new AirlockError('BAD_INPUT', `${source}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const signals = new Map<string, SignalDefinition>();
  for (const s of r.data.signals) {
    if (signals.has(s.id)) throw new AirlockError('BAD_INPUT', `${source}: signal ${s.id} is defined twice`);
    for (const [fw, entries] of Object.entries(s.mappings)) {
      const seen = new Set<string>();
      for (const e of entries) {
        if (seen.has(e.control)) throw new AirlockError('BAD_INPUT', `${source}: signal ${s.id}: ${fw} control ${e.control} is mapped twice`);
        seen.add(e.control);
      }
    }
    signals.set(s.id, s);
  }
  for (const needed of SIGNALS) {
    if (!signals.has(needed)) throw new AirlockError('BAD_INPUT', `${source}: signal ${needed} is missing (the importers use it)`);
  }
  return { signals };
}

/** Checks that every mapped framework and control exists in the loaded indexes. */
export function checkEvidenceSignals(signals: EvidenceSignals, frameworks: ReadonlyMap<string, ControlIndex>, source: string): void {
  for (const s of signals.signals.values()) {
    for (const [fw, entries] of Object.entries(s.mappings)) {
      const index = frameworks.get(fw);
      if (!index) throw new AirlockError('BAD_INPUT', `${source}: signal ${s.id}: unknown framework ${fw}`);
      const known = new Set(index.controls.map((c) => c.id));
      for (const e of entries) {
        if (!known.has(e.control)) throw new AirlockError('BAD_INPUT', `${source}: signal ${s.id}: ${fw} has no control ${e.control}`);
      }
    }
  }
}

/** Reads and checks <contentRoot>/evidence-signals.yaml against the framework indexes. */
export async function loadEvidenceSignals(contentRoot: string, frameworks: ReadonlyMap<string, ControlIndex>): Promise<EvidenceSignals> {
  const path = join(contentRoot, SIGNALS_FILE);
  const signals = parseEvidenceSignals(await readFileBounded(path, MAX_SIGNALS_BYTES, 'evidence signals'), path);
  checkEvidenceSignals(signals, frameworks, path);
  return signals;
}
