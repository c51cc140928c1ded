/**
 * Loading policies and resources from files: multi-document YAML, JSON, `List` kinds and
 * directories, with limits for hostile input (file size, document count, nesting depth,
 * file count; symbolic links are not followed). Pure parsers (`parsePolicyDocuments`,
 * `parseResourceDocuments`) are separate from the file walking.
 */
import { promises as fsp } from 'node:fs';
import { join, extname } from 'node:path';
import { AirlockError, ioError } from '../common/errors.ts';
import { parseYamlAll } from '../common/yaml.ts';
import { parseJsonStrict } from '../common/json.ts';
import { readFileBounded } from '../common/fsx.ts';
import { PolicySchema, type Policy, type Resource } from './types.ts';
import { joinBindings, parseAdmissionDocuments, type AdmissionPolicy } from './admission.ts';
import { parseExceptionDocuments, type PolicyException } from './exceptions.ts';

export const LIMITS = {
  maxFileBytes: 16 * 1024 * 1024,
  maxDocuments: 20_000,
  maxDepth: 64,
  maxFiles: 20_000,
};

const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);

function depthOf(v: unknown, limit: number, at = 0): number {
  if (at > limit) return at;
  let max = at;
  if (Array.isArray(v)) {
    for (const x of v) max = Math.max(max, depthOf(x, limit, at + 1));
  } else if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) max = Math.max(max, depthOf(x, limit, at + 1));
  }
  return max;
}

/** Parses the bytes of a manifest file into documents, checking the hostile-input limits. */
export function parseManifestBytes(bytes: Uint8Array | string, source: string): unknown[] {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  const trimmed = text.trimStart();
  const docs = source.endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[')
    ? [parseJsonStrict(text, source, { maxBytes: LIMITS.maxFileBytes, maxDepth: LIMITS.maxDepth })]
    : parseYamlAll(text, source, { maxBytes: LIMITS.maxFileBytes, maxAliasCount: 1000 });
  if (docs.length > LIMITS.maxDocuments) throw new AirlockError('BAD_INPUT', `${source}: ${docs.length} documents exceed the limit of ${LIMITS.maxDocuments}`);
  docs.forEach((d, i) => {
    if (depthOf(d, LIMITS.maxDepth) > LIMITS.maxDepth) {
      throw new AirlockError('BAD_INPUT', `${source}${docs.length > 1 ? ` (document ${i + 1})` : ''}: nesting deeper than ${LIMITS.maxDepth}`);
    }
  });
  return docs;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(document)';
}

/** Validates one parsed document as a Kyverno policy. */
export function parsePolicy(doc: unknown, source: string): Policy {
  const r = PolicySchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const name = isMap(doc) && isMap(doc.metadata) && typeof doc.metadata.name === 'string' ? ` policy ${doc.metadata.name}:` : '';
    throw new AirlockError('BAD_INPUT', `${source}:${name} field ${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`, {
      ...(r.error.issues.length > 1 ? { details: r.error.issues.slice(1).map((i) => `${formatPath(i.path)}: ${i.message}`) } : {}),
    });
  }
  const policy = r.data as Policy;
  const seen = new Set<string>();
  policy.spec.rules.forEach((rule, i) => {
    if (seen.has(rule.name)) throw new AirlockError('BAD_INPUT', `${source}: policy ${policy.metadata.name}: field spec.rules[${i}].name: duplicate rule name "${rule.name}"`);
    seen.add(rule.name);
  });
  Object.defineProperty(policy, 'source', { value: source, enumerable: false });
  return policy;
}

/** Policies among the documents of one file; other kinds are ignored. */
export function parsePolicyDocuments(docs: readonly unknown[], source: string): Policy[] {
  const out: Policy[] = [];
  for (const doc of docs) {
    const kyverno = isMap(doc) && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('kyverno.io/');
    if (kyverno && (doc.kind === 'ClusterPolicy' || doc.kind === 'Policy')) out.push(parsePolicy(doc, source));
  }
  return out;
}

/** Resources among the documents of one file, with `*List` kinds flattened. */
export function parseResourceDocuments(docs: readonly unknown[], source: string): Resource[] {
  const out: Resource[] = [];
  const add = (doc: unknown, where: string): void => {
    if (!isMap(doc)) throw new AirlockError('BAD_INPUT', `${where}: a resource must be a mapping`);
    if (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
      doc.items.forEach((item, i) => add(item, `${where} items[${i}]`));
      return;
    }
    if (typeof doc.kind !== 'string' || doc.kind === '') throw new AirlockError('BAD_INPUT', `${where}: field kind: missing`);
    if (typeof doc.apiVersion !== 'string') throw new AirlockError('BAD_INPUT', `${where}: field apiVersion: missing`);
    if (!isMap(doc.metadata)) throw new AirlockError('BAD_INPUT', `${where}: field metadata: missing`);
    out.push(doc);
    if (out.length > LIMITS.maxDocuments) throw new AirlockError('BAD_INPUT', `${source}: more than ${LIMITS.maxDocuments} resources`);
  };
  docs.forEach((d, i) => add(d, docs.length > 1 ? `${source} (document ${i + 1})` : source));
  return out;
}

/** Lists manifest files under the paths (files as given; directories recursively, sorted). */
export async function listManifestFiles(paths: readonly string[], filter: (name: string) => boolean = (n) => MANIFEST_EXT.has(extname(n))): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, top: boolean): Promise<void> => {
    let st;
    try {
      st = await fsp.lstat(p);
    } catch (e) {
      throw ioError(p, e);
    }
    if (st.isSymbolicLink()) {
      if (top) throw new AirlockError('BAD_INPUT', `${p}: symbolic links are not followed`);
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = (await fsp.readdir(p)).sort();
      } catch (e) {
        throw ioError(p, e);
      }
      for (const n of names) {
        if (n.startsWith('.')) continue;
        await walk(join(p, n), false);
      }
      return;
    }
    if (st.isFile() && (top || filter(p))) {
      out.push(p);
      if (out.length > LIMITS.maxFiles) throw new AirlockError('BAD_INPUT', `${paths.join(', ')}: more than ${LIMITS.maxFiles} files`);
    }
  };
  for (const p of paths) await walk(p, true);
  return out;
}

export async function readManifestFile(path: string): Promise<unknown[]> {
  return parseManifestBytes(await readFileBounded(path, LIMITS.maxFileBytes, 'manifest'), path);
}

/** Loads every ClusterPolicy/Policy under the paths. */
export async function loadPolicies(paths: readonly string[]): Promise<Policy[]> {
  const out: Policy[] = [];
  for (const f of await listManifestFiles(paths)) {
    const docs = await readManifestFile(f);
    out.push(...parsePolicyDocuments(docs, f));
  }
  return out;
}

/** Loads every ValidatingAdmissionPolicy (with its bindings) and ValidatingPolicy under the paths. */
export async function loadAdmissionPolicies(paths: readonly string[]): Promise<AdmissionPolicy[]> {
  const policies: AdmissionPolicy[] = [];
  const bindings: Parameters<typeof joinBindings>[1][number][] = [];
  for (const f of await listManifestFiles(paths)) {
    const r = parseAdmissionDocuments(await readManifestFile(f), f);
    policies.push(...r.policies);
    bindings.push(...r.bindings);
  }
  return joinBindings(policies, bindings);
}

/** Loads every PolicyException under the paths. */
export async function loadExceptions(paths: readonly string[]): Promise<PolicyException[]> {
  const out: PolicyException[] = [];
  for (const f of await listManifestFiles(paths)) out.push(...parseExceptionDocuments(await readManifestFile(f), f));
  return out;
}

const POLICY_KINDS = new Set(['PolicyException', 'ClusterPolicy', 'Policy', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingPolicy', 'Test', 'Values']);

/** Loads every resource under the paths (policies and kyverno test files are left out). */
export async function loadResources(paths: readonly string[]): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const f of await listManifestFiles(paths)) {
    const docs = (await readManifestFile(f)).filter(
      (d) => !(isMap(d) && typeof d.kind === 'string' && POLICY_KINDS.has(d.kind) && typeof d.apiVersion === 'string' && /(kyverno\.io|admissionregistration\.k8s\.io)\//.test(d.apiVersion)),
    );
    out.push(...parseResourceDocuments(docs, f));
  }
  return out;
}
