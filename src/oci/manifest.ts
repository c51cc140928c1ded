/**
 * Pure parsers for OCI descriptors, image manifests and image indexes (and their Docker
 * v2 schema 2 counterparts): bytes in, typed value or AirlockError out.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseJsonStrict } from '../common/json.ts';
import { isIndexMediaType, isManifestMediaType } from './media-types.ts';

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_SIZE = Number.MAX_SAFE_INTEGER;

const annotations = z.record(z.string().max(4096), z.string().max(64 * 1024)).optional();

export const DescriptorSchema = z.object({
  mediaType: z.string().min(1).max(255),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 lowercase hex digits>'),
  size: z.number().int().nonnegative().max(MAX_SIZE),
  annotations,
  artifactType: z.string().max(255).optional(),
  urls: z.array(z.string()).max(16).optional(),
  platform: z
    .object({
      architecture: z.string().max(64),
      os: z.string().max(64),
      variant: z.string().max(64).optional(),
      'os.version': z.string().max(256).optional(),
      'os.features': z.array(z.string()).max(64).optional(),
    })
    .optional(),
});

export type Descriptor = z.infer<typeof DescriptorSchema>;

const ManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().max(255).optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema).max(10_000),
  subject: DescriptorSchema.optional(),
  annotations,
});

export type ImageManifest = z.infer<typeof ManifestSchema>;

const IndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().max(255).optional(),
  manifests: z.array(DescriptorSchema).max(100_000),
  subject: DescriptorSchema.optional(),
  annotations,
});

export type ImageIndex = z.infer<typeof IndexSchema>;

function fail(source: string, error: z.ZodError): never {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(root)';
  throw new AirlockError('BAD_INPUT', `${source}: ${where}: ${issue?.message ?? 'invalid'}`);
}

export function parseManifest(bytes: Uint8Array, source: string): ImageManifest {
  const r = ManifestSchema.safeParse(parseJsonStrict(bytes, source, { maxBytes: MAX_MANIFEST_BYTES }));
  if (!r.success) fail(source, r.error);
  if (r.data.mediaType !== undefined && !isManifestMediaType(r.data.mediaType)) {
    throw new AirlockError('BAD_INPUT', `${source}: mediaType "${r.data.mediaType}" is not an image manifest`);
  }
  return r.data;
}

export function parseIndex(bytes: Uint8Array, source: string): ImageIndex {
  const r = IndexSchema.safeParse(parseJsonStrict(bytes, source, { maxBytes: MAX_MANIFEST_BYTES }));
  if (!r.success) fail(source, r.error);
  if (r.data.mediaType !== undefined && !isIndexMediaType(r.data.mediaType)) {
    throw new AirlockError('BAD_INPUT', `${source}: mediaType "${r.data.mediaType}" is not an image index`);
  }
  return r.data;
}

/** The descriptors a manifest or index points to, given the node's media type. */
export function childrenOf(mediaType: string, bytes: Uint8Array, source: string): Descriptor[] {
  if (isIndexMediaType(mediaType)) {
    // The subject of a referrer points back at the image it describes and is not a child.
    return parseIndex(bytes, source).manifests;
  }
  if (isManifestMediaType(mediaType)) {
    const m = parseManifest(bytes, source);
    return [m.config, ...m.layers];
  }
  return [];
}

export function isTraversable(mediaType: string): boolean {
  return isIndexMediaType(mediaType) || isManifestMediaType(mediaType);
}
