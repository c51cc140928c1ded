/**
 * The outline of a `kyverno test` file (cli.kyverno.io/v1alpha1 Test) as far as the
 * content checks need it: which policy and resource files it names and which results it
 * expects. Running the test is the policy engine's job; this only checks that a shipped
 * policy carries a test with at least one passing and one failing case, and that the test
 * names files inside its own folder.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseYaml } from '../common/yaml.ts';
import { MAX_CONTENT_FILE_BYTES } from './parse.ts';

/** A file named by a test must be a plain name or a relative path that stays in the folder. */
export function isContainedRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

const fileRef = z.string().min(1).max(255).refine(isContainedRelativePath, 'must be a relative path inside the policy folder');

const resultSchema = z
  .object({
    policy: z.string().min(1),
    rule: z.string().min(1),
    resources: z.array(z.string().min(1)).min(1).optional(),
    resource: z.string().min(1).optional(),
    kind: z.string().min(1).optional(),
    result: z.enum(['pass', 'fail', 'skip', 'error', 'warn']),
  })
  .passthrough()
  .refine((r) => r.resources !== undefined || r.resource !== undefined, 'a result needs resources');

const testSchema = z
  .object({
    apiVersion: z.literal('cli.kyverno.io/v1alpha1'),
    kind: z.literal('Test'),
    metadata: z.object({ name: z.string().min(1) }).passthrough(),
    policies: z.array(fileRef).min(1),
    resources: z.array(fileRef).min(1),
    variables: fileRef.optional(),
    results: z.array(resultSchema).min(1),
  })
  .passthrough();

export interface KyvernoTestOutline {
  name: string;
  policyFiles: string[];
  resourceFiles: string[];
  variablesFile?: string;
  /** Number of resource results expected per outcome. */
  expected: Record<'pass' | 'fail' | 'skip' | 'error' | 'warn', number>;
  /** Policy names the results refer to. */
  policies: string[];
}

export function parseKyvernoTestOutline(input: string | Uint8Array, source: string): KyvernoTestOutline {
  const value = parseYaml(input, source, { maxBytes: MAX_CONTENT_FILE_BYTES, maxAliasCount: 100 });
  const r = testSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new AirlockError('BAD_INPUT', `${source}: ${i?.path.map(String).join('.') || '(document)'}: ${i?.message ?? 'invalid'}`);
  }
  const t = r.data;
  const expected = { pass: 0, fail: 0, skip: 0, error: 0, warn: 0 };
  for (const res of t.results) expected[res.result] += res.resources?.length ?? 1;
  const outline: KyvernoTestOutline = {
    name: t.metadata.name,
    policyFiles: t.policies,
    resourceFiles: t.resources,
    expected,
    policies: [...new Set(t.results.map((x) => x.policy))].sort(),
  };
  if (t.variables !== undefined) outline.variablesFile = t.variables;
  return outline;
}
