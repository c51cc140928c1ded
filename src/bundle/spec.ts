/**
 * `airlock.yaml`, the bundle specification. Pure: text in, a validated BundleSpec or an
 * AirlockError naming the file, the field and the problem. Relative paths resolve
 * against the spec's folder. The JSON Schema for editors is generated from the same
 * zod schema (schemas/airlock.schema.json).
 *
 *   name: platform-updates
 *   channel: stable
 *   version: 2026.11.1
 *   images:
 *     - oci:./layouts/app:1.0
 *     - docker-archive:./app.tar
 *   files:
 *     - ./patches/openssl-fix.deb
 *   vulndb: ./vuln.db
 *   policies:
 *     - ./policies/pci-dss-4.0
 */
import { isAbsolute, resolve, dirname } from 'node:path';
import { isScalar, type Document } from 'yaml';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseDuration } from '../common/size.ts';
import { parseYamlDocument } from '../common/yaml.ts';
import { parseReference } from '../oci/registry/reference.ts';

const NAME_RE = /^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/;
const REF_NAME_RE = /^[A-Za-z0-9]+(?:(?:[-._:@/+]|--)[A-Za-z0-9]+)*$/;

const imageEntry = z.union([
  z.string().min(1).max(4096),
  z
    .object({
      ref: z.string().min(1).max(4096).describe('registry/repo:tag, registry/repo@sha256:..., oci:PATH[:TAG] or docker-archive:FILE'),
      name: z.string().regex(REF_NAME_RE, 'must be an OCI reference name such as library/nginx:1.25').max(255).optional(),
      platforms: z.array(z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'must be os/arch[/variant]')).min(1).max(32).optional().describe('platforms to keep from a multi-platform image (default: all, or --platform)'),
    })
    .strict(),
]);

const pathEntry = z.union([
  z.string().min(1).max(4096),
  z
    .object({
      path: z.string().min(1).max(4096),
      name: z.string().regex(REF_NAME_RE, 'must be an OCI reference name such as policies/pci-dss').max(255).optional(),
    })
    .strict(),
]);

export const BundleSpecSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1').optional(),
    kind: z.literal('Bundle').optional(),
    name: z.string().regex(NAME_RE, 'must be lowercase letters, digits, ".", "_" or "-" (at most 128)'),
    channel: z.string().regex(NAME_RE, 'must be lowercase letters, digits, ".", "_" or "-" (at most 128)').default('stable'),
    version: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be letters, digits, ".", "_", "+" or "-"'),
    sequence: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('monotonic per channel; default: seconds since 1970, or the base sequence + 1'),
    expires: z.string().regex(/^\d+[smhdw]$/, 'must be a duration such as 90d, 12h or 2w').optional().describe('validity from creation (default 90d)'),
    images: z.array(imageEntry).max(10_000).default([]),
    'images-from': z
      .array(z.string().min(1).max(4096))
      .max(10_000)
      .default([])
      .describe('Kubernetes manifest files or folders (multi-document YAML, JSON, rendered Helm output): every image they reference is added'),
    files: z.array(pathEntry).max(100_000).default([]),
    vulndb: z.union([z.string().min(1).max(4096), z.object({ path: z.string().min(1).max(4096) }).strict()]).optional(),
    'trivy-db': z.string().min(1).max(4096).optional().describe("Trivy's db.tar.gz (trivy.db and metadata.json), served as <registry>/<prefix>/trivy-db:2"),
    'trivy-java-db': z.string().min(1).max(4096).optional().describe("Trivy's javadb.tar.gz, served as <registry>/<prefix>/trivy-java-db:1"),
    policies: z.array(pathEntry).max(10_000).default([]),
  })
  .strict();

export type ItemType = 'image' | 'file' | 'vulndb' | 'policy' | 'trivy-db' | 'trivy-java-db';

export interface SourceRef {
  type: ItemType;
  /** The reference as written in the spec (for messages and the descriptor). */
  ref: string;
  /** Absolute path of the local source. */
  path: string;
  /** For oci: sources, the tag (ref name) to take; undefined takes every image. */
  tag?: string;
  transport?: 'oci' | 'docker-archive' | 'registry';
  /** For registry images: the platforms to keep from an index. */
  platforms?: string[];
  /** Reference name in the bundle; derived when absent. */
  name?: string;
  /** Where in the spec it came from, e.g. "images[1]". */
  field: string;
}

export interface BundleSpec {
  file: string;
  /** Manifest files or folders whose images are added (resolved by loadBundleSpec). */
  imagesFrom: string[];
  name: string;
  channel: string;
  version: string;
  sequence?: number;
  expiresMs: number;
  sources: SourceRef[];
}

export const DEFAULT_EXPIRY = '90d';

/** Splits "oci:PATH[:TAG]" or "docker-archive:FILE" into its parts; anything else is a registry reference. */
export function parseImageRef(ref: string, baseDir: string, source: string): Pick<SourceRef, 'transport' | 'path' | 'tag'> {
  const colon = ref.indexOf(':');
  const transport = colon > 0 ? ref.slice(0, colon) : '';
  const rest = colon > 0 ? ref.slice(colon + 1) : '';
  if (transport === 'oci') {
    // The tag is after the last ':' that follows the last '/', so paths with ':' in folders still work.
    const slash = rest.lastIndexOf('/');
    const tagColon = rest.indexOf(':', slash + 1);
    const path = tagColon >= 0 ? rest.slice(0, tagColon) : rest;
    const tag = tagColon >= 0 ? rest.slice(tagColon + 1) : undefined;
    if (!path) throw new AirlockError('BAD_INPUT', `${source}: "${ref}" has no layout path`);
    if (tag !== undefined && !REF_NAME_RE.test(tag)) throw new AirlockError('BAD_INPUT', `${source}: "${ref}": "${tag}" is not a valid tag`);
    return { transport: 'oci', path: resolve(baseDir, path), ...(tag === undefined ? {} : { tag }) };
  }
  if (transport === 'docker-archive') {
    if (!rest) throw new AirlockError('BAD_INPUT', `${source}: "${ref}" has no file`);
    return { transport: 'docker-archive', path: resolve(baseDir, rest) };
  }
  if (/^[a-z][a-z0-9-]*:\//i.test(ref)) {
    throw new AirlockError('BAD_INPUT', `${source}: "${ref}" is not a supported image reference (use registry/repo:tag, registry/repo@sha256:..., oci:PATH[:TAG] or docker-archive:FILE)`);
  }
  try {
    parseReference(ref);
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${source}: ${(e as Error).message}`);
  }
  return { transport: 'registry', path: ref };
}

/** The version as written, even where YAML would read `1.10` as the number 1.1. */
function versionSource(doc: Document): unknown {
  const node = doc.get('version', true);
  if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string') return node.source;
  return isScalar(node) && typeof node.value === 'number' ? String(node.value) : doc.toJS()?.version;
}

export function parseBundleSpec(text: string | Uint8Array, file: string): BundleSpec {
  const { value, doc } = parseYamlDocument(text, file, { maxBytes: 16 * 1024 * 1024 });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AirlockError('BAD_INPUT', `${file}: expected a mapping with name, channel, version and sources`);
  }
  const input = { ...(value as Record<string, unknown>), version: versionSource(doc) };
  const parsed = BundleSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    const message = issue?.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue?.message ?? 'invalid';
    throw new AirlockError('BAD_INPUT', `${file}: ${field}: ${message}`);
  }
  const s = parsed.data;
  const baseDir = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const sources: SourceRef[] = [];
  s.images.forEach((entry, i) => {
    const ref = typeof entry === 'string' ? entry : entry.ref;
    const field = `images[${i}]`;
    sources.push({
      type: 'image',
      ref,
      field,
      ...parseImageRef(ref, baseDir, `${file}: ${field}`),
      ...(typeof entry === 'object' && entry.name ? { name: entry.name } : {}),
      ...(typeof entry === 'object' && entry.platforms ? { platforms: entry.platforms } : {}),
    });
  });
  s.files.forEach((entry, i) => {
    const p = typeof entry === 'string' ? entry : entry.path;
    sources.push({ type: 'file', ref: p, path: abs(p), field: `files[${i}]`, ...(typeof entry === 'object' && entry.name ? { name: entry.name } : {}) });
  });
  if (s.vulndb !== undefined) {
    const p = typeof s.vulndb === 'string' ? s.vulndb : s.vulndb.path;
    sources.push({ type: 'vulndb', ref: p, path: abs(p), field: 'vulndb' });
  }
  if (s['trivy-db'] !== undefined) sources.push({ type: 'trivy-db', ref: s['trivy-db'], path: abs(s['trivy-db']), field: 'trivy-db' });
  if (s['trivy-java-db'] !== undefined) sources.push({ type: 'trivy-java-db', ref: s['trivy-java-db'], path: abs(s['trivy-java-db']), field: 'trivy-java-db' });
  s.policies.forEach((entry, i) => {
    const p = typeof entry === 'string' ? entry : entry.path;
    sources.push({ type: 'policy', ref: p, path: abs(p), field: `policies[${i}]`, ...(typeof entry === 'object' && entry.name ? { name: entry.name } : {}) });
  });
  if (sources.length === 0 && s['images-from'].length === 0) throw new AirlockError('BAD_INPUT', `${file}: the bundle has no content (add images, images-from, files, vulndb or policies)`);
  return {
    file,
    imagesFrom: s['images-from'].map(abs),
    name: s.name,
    channel: s.channel,
    version: s.version,
    ...(s.sequence === undefined ? {} : { sequence: s.sequence }),
    expiresMs: parseDuration(s.expires ?? DEFAULT_EXPIRY, `${file}: expires`),
    sources,
  };
}

/** The JSON Schema published for editors (schemas/airlock.schema.json). */
export function bundleSpecJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(BundleSpecSchema, { io: 'input' }),
    $id: 'https://airlock.dev/schemas/airlock.schema.json',
    title: 'Airlock bundle specification (airlock.yaml)',
  };
}
