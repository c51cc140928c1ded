/**
 * Suppressions for `airlock scan --ignore FILE`: an OpenVEX document (statements with
 * status not_affected or fixed suppress; affected and under_investigation do not), or a
 * plain YAML list in which every entry carries a justification and may expire:
 *
 *   ignore:
 *     - id: CVE-2024-1234            # or any alias: GHSA-..., PYSEC-...
 *       package: openssl             # optional: only for this package name
 *       justification: not reachable, the TLS stack is not used
 *       expires: 2026-12-31          # optional: after this day the rule no longer applies
 *
 * Pure: bytes in, rules out; applying them marks findings as suppressed, never drops them.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseYaml } from '../common/yaml.ts';
import type { Finding } from './types.ts';

export interface IgnoreRule {
  id: string;
  package?: string;
  justification: string;
  expires?: string;
  /** Where the rule came from, for the report. */
  by: string;
}

const YamlSchema = z
  .object({
    ignore: z
      .array(
        z
          .object({
            id: z.string().min(1).max(256),
            package: z.string().min(1).max(512).optional(),
            justification: z.string().min(1, 'a justification is required').max(4096),
            expires: z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date (YYYY-MM-DD)'), z.date()]).optional(),
          })
          .strict(),
      )
      .max(100_000),
  })
  .strict();

const OpenVexSchema = z.object({
  '@context': z.string().regex(/openvex/, 'not an OpenVEX context'),
  statements: z
    .array(
      z.object({
        vulnerability: z.union([z.string().min(1), z.object({ name: z.string().min(1), aliases: z.array(z.string()).optional() })]),
        products: z.array(z.union([z.string(), z.object({ '@id': z.string() })])).optional(),
        status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
        justification: z.string().optional(),
        impact_statement: z.string().optional(),
        status_notes: z.string().optional(),
      }),
    )
    .max(100_000),
});

function issue(source: string, e: z.ZodError): never {
  const i = e.issues[0];
  throw new AirlockError('BAD_INPUT', `${source}: ${i?.path.map(String).join('.') || '(root)'}: ${i?.message ?? 'invalid'}`);
}

export function parseIgnoreFile(bytes: Uint8Array, source: string): IgnoreRule[] {
  const raw = parseYaml(bytes, source, { maxBytes: 16 * 1024 * 1024 });
  if (typeof raw === 'object' && raw !== null && '@context' in raw) {
    const r = OpenVexSchema.safeParse(raw);
    if (!r.success) issue(source, r.error);
    const rules: IgnoreRule[] = [];
    for (const s of r.data.statements) {
      if (s.status !== 'not_affected' && s.status !== 'fixed') continue;
      const ids = typeof s.vulnerability === 'string' ? [s.vulnerability] : [s.vulnerability.name, ...(s.vulnerability.aliases ?? [])];
      const justification = [s.status, s.justification, s.impact_statement ?? s.status_notes].filter(Boolean).join(': ');
      const purls = (s.products ?? []).map((p) => (typeof p === 'string' ? p : p['@id'])).filter((p) => p.startsWith('pkg:'));
      for (const id of ids) {
        if (purls.length === 0) rules.push({ id, justification, by: source });
        for (const purl of purls) rules.push({ id, package: purlName(purl), justification, by: source });
      }
    }
    return rules;
  }
  const r = YamlSchema.safeParse(raw);
  if (!r.success) issue(source, r.error);
  return r.data.ignore.map((x) => ({
    id: x.id,
    justification: x.justification,
    by: source,
    ...(x.package ? { package: x.package } : {}),
    ...(x.expires ? { expires: x.expires instanceof Date ? x.expires.toISOString().slice(0, 10) : x.expires.slice(0, 10) } : {}),
  }));
}

/** The package name in a purl (`pkg:type/namespace/name@version?...` -> name). */
function purlName(purl: string): string {
  const path = purl.replace(/^pkg:[^/]+\//, '').split(/[@?#]/)[0] ?? '';
  return decodeURIComponent(path.split('/').pop() ?? path);
}

/**
 * Marks findings matched by a rule (by id or alias, and package when the rule names
 * one) as suppressed. Expired rules do not apply; they are returned for a warning.
 */
export function applyIgnoreRules(findings: Finding[], rules: readonly IgnoreRule[], now: Date): { findings: Finding[]; expired: IgnoreRule[] } {
  const today = now.toISOString().slice(0, 10);
  const live = rules.filter((r) => r.expires === undefined || r.expires >= today);
  const expired = rules.filter((r) => r.expires !== undefined && r.expires < today);
  const out = findings.map((f) => {
    const ids = new Set([f.id, ...f.aliases]);
    const rule = live.find((r) => ids.has(r.id) && (r.package === undefined || r.package === f.package.name));
    return rule ? { ...f, suppressed: { by: rule.by, justification: rule.justification } } : f;
  });
  return { findings: out, expired };
}
