/**
 * Remediation deadlines by severity (content/oscal/remediation-deadlines.yaml): the days
 * an open finding may stay open, counted from its first observation. The POA&M sets each
 * item's deadline from it; `info` findings get none (they are not POA&M items).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseYaml } from '../common/yaml.ts';
import type { Content } from '../frameworks/index.ts';
import type { EvidenceSeverity } from '../evidence/types.ts';

export const DEADLINES_FILE = join('oscal', 'remediation-deadlines.yaml');
const MAX_BYTES = 64 * 1024;

const days = z.number().int().min(1).max(3650);

export const deadlinesSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('RemediationDeadlines'),
    days: z.object({ critical: days, high: days, medium: days, low: days, unknown: days }).strict(),
  })
  .strict();

export type RemediationDeadlines = z.infer<typeof deadlinesSchema>;

export function parseDeadlines(input: string | Uint8Array, source: string): RemediationDeadlines {
  const r = deadlinesSchema.safeParse(parseYaml(input, source, { maxBytes: MAX_BYTES, maxAliasCount: 20 }));
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
    throw new AirlockError('BAD_INPUT', `${source}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const d = r.data.days;
  const order = [d.critical, d.high, d.medium, d.low];
  if (order.some((n, i) => i > 0 && n < (order[i - 1] as number))) {
    throw new AirlockError('BAD_INPUT', `${source}: days: a more severe finding may not get longer than a less severe one (critical <= high <= medium <= low)`);
  }
  return r.data;
}

export async function loadDeadlines(content: Content): Promise<RemediationDeadlines> {
  const path = join(content.root, DEADLINES_FILE);
  return parseDeadlines(await readFileBounded(path, MAX_BYTES, 'remediation deadlines'), path);
}

/** Days allowed for a severity; undefined for `info` (no POA&M item). */
export function deadlineDays(d: RemediationDeadlines, severity: EvidenceSeverity): number | undefined {
  return severity === 'info' ? undefined : d.days[severity];
}

/** The deadline: `days` after `firstSeen` (ISO 8601), at the same time of day, in UTC. */
export function deadlineFrom(firstSeen: string, days: number): string {
  return new Date(Date.parse(firstSeen) + days * 86_400_000).toISOString().replace(/\.000Z$/, 'Z');
}
