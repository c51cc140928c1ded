/**
 * The bundle descriptor (`airlock-bundle.json`): what the bundle is (name, channel,
 * version, sequence, validity), what it holds (items, every blob), and for a delta what
 * it leaves out because the base already delivered it. It also pins the digest of the
 * layout's `index.json`. The Sigstore signature covers the descriptor's exact bytes, so
 * it covers the whole Merkle tree: descriptor -> index -> manifests -> blobs.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { parseJsonStrict } from '../common/json.ts';

export const DESCRIPTOR_FILE = 'airlock-bundle.json';
export const SIGNATURE_FILE = 'airlock-bundle.sigstore.json';
export const DESCRIPTOR_MEDIA_TYPE = 'application/vnd.airlock.bundle.descriptor.v1+json';
export const MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024;

/** Annotations Airlock puts on the layout's index entries. */
export const ITEM_TYPE_ANNOTATION = 'dev.airlock.item.type';
export const ITEM_SOURCE_ANNOTATION = 'dev.airlock.item.source';
/** On a store's index entries: the bundle name@version that delivered the item. */
export const BUNDLE_ANNOTATION = 'dev.airlock.bundle';

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 lowercase hex digits>');
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const BlobRefSchema = z.object({ digest, size }).strict();

const ItemSchema = z
  .object({
    type: z.enum(['image', 'file', 'vulndb', 'policy', 'trivy-db', 'trivy-java-db']),
    name: z.string().min(1).max(255),
    source: z.string().max(4096),
    mediaType: z.string().max(255),
    artifactType: z.string().max(255).optional(),
    digest,
    size,
    platforms: z.array(z.string().max(128)).max(64).optional(),
  })
  .strict();

export const BundleDescriptorSchema = z
  .object({
    schemaVersion: z.literal(1),
    mediaType: z.literal(DESCRIPTOR_MEDIA_TYPE),
    name: z.string().min(1).max(128),
    channel: z.string().min(1).max(128),
    version: z.string().min(1).max(128),
    sequence: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    created: z.iso.datetime(),
    expires: z.iso.datetime(),
    base: z
      .object({ name: z.string().max(128), version: z.string().max(128), sequence: z.number().int().positive(), descriptorDigest: digest })
      .strict()
      .optional(),
    index: BlobRefSchema,
    items: z.array(ItemSchema).max(100_000),
    blobs: z.array(BlobRefSchema).max(10_000_000),
    omitted: z.array(BlobRefSchema).max(10_000_000),
  })
  .strict();

export type BundleDescriptor = z.infer<typeof BundleDescriptorSchema>;
export type BundleItem = BundleDescriptor['items'][number];
export type BlobRef = z.infer<typeof BlobRefSchema>;

/** Parses descriptor bytes; structural problems are verification failures (exit 1). */
export function parseDescriptor(bytes: Uint8Array, source: string): BundleDescriptor {
  const raw = parseJsonStrict(bytes, source, { maxBytes: MAX_DESCRIPTOR_BYTES, code: 'VERIFY_FAILED' });
  const r = BundleDescriptorSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new AirlockError('VERIFY_FAILED', `${source}: not a valid bundle descriptor: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const d = r.data;
  const seen = new Set<string>();
  for (const b of [...d.blobs, ...d.omitted]) {
    if (seen.has(b.digest)) throw new AirlockError('VERIFY_FAILED', `${source}: blob ${b.digest} is listed twice`);
    seen.add(b.digest);
  }
  const names = new Set<string>();
  for (const it of d.items) {
    if (names.has(it.name)) throw new AirlockError('VERIFY_FAILED', `${source}: item name "${it.name}" appears twice`);
    names.add(it.name);
  }
  return d;
}

export function totalBytes(blobs: readonly BlobRef[]): number {
  return blobs.reduce((n, b) => n + b.size, 0);
}
