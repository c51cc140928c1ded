/**
 * Pull: an image (manifest, index or Docker manifest list) from a registry into an OCI
 * layout. Manifests are read and digest-checked first, then blobs are streamed into the
 * layout with their digests proven on the way in (a wrong byte stores nothing), then the
 * manifests are stored, children before parents. Blobs already in the layout are skipped.
 * With a platform filter the root index is rewritten to hold only those platforms, so
 * its digest changes; the result says so (`filtered`).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AirlockError } from '../../common/errors.ts';
import { jsonBytes, parseJsonStrict } from '../../common/json.ts';
import { forEachLimit } from '../blob-pool.ts';
import type { OciLayout } from '../layout.ts';
import { type Descriptor, parseIndex, parseManifest } from '../manifest.ts';
import { isIndexMediaType } from '../media-types.ts';
import { type FetchedManifest, getBlob, getManifest, getReferrers } from './api.ts';
import { RegistryClient, type RegistryOptions } from './client.ts';
import { referrerDescriptor } from './referrers.ts';
import { filterIndex, formatPlatform, parsePlatform, type PlatformFilter } from './platform.ts';
import { type ImageReference, formatReference, parseReference, referenceSelector } from './reference.ts';

export type TransferEvent = { kind: 'blob' | 'manifest'; digest: string; size: number; action: 'downloaded' | 'uploaded' | 'mounted' | 'skipped' };

export interface PullOptions extends RegistryOptions {
  /** Platforms to keep from an index (`os/arch[/variant]`); absent or 'all' keeps every one. */
  platforms?: readonly (string | PlatformFilter)[] | 'all';
  /** A client to reuse (same registry); otherwise one is made and closed. */
  client?: RegistryClient;
  /** Also pull the referrers (signatures, SBOMs...) of the root and of each image manifest. */
  referrers?: boolean;
  onEvent?: (e: TransferEvent) => void;
}

export interface PulledReferrer {
  /** Digest of the manifest the referrer points at. */
  subject: string;
  descriptor: Descriptor;
}

export interface PullResult {
  /** The root as stored in the layout (the filtered index when platforms were given). */
  descriptor: Descriptor;
  /** The source reference, normalised, pinned to the registry's root digest. */
  ref: string;
  reference: ImageReference;
  /** The root digest at the source (differs from descriptor.digest when filtered). */
  sourceDigest: string;
  filtered: boolean;
  /** Referrers stored in the layout (with `referrers: true`). */
  referrers: PulledReferrer[];
  downloaded: number;
  skipped: number;
  bytes: number;
}

const MAX_DEPTH = 4;
const WRITE_BYTES = 1024 * 1024;

/** Joins the socket's small chunks into writes of about 1 MiB: fewer file-system calls. */
async function* coalesce(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= WRITE_BYTES) {
      yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

interface Node {
  manifest: FetchedManifest;
  children: Node[];
}

export async function pullImage(refText: string, layout: OciLayout, opts: PullOptions = {}): Promise<PullResult> {
  const reference = parseReference(refText);
  const client = opts.client ?? (await RegistryClient.create(reference.registry, opts));
  try {
    return await pullWith(client, reference, layout, opts);
  } finally {
    if (!opts.client) await client.close();
  }
}

async function pullWith(client: RegistryClient, reference: ImageReference, layout: OciLayout, opts: PullOptions): Promise<PullResult> {
  const repo = reference.repository;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const filters = opts.platforms === undefined || opts.platforms === 'all' ? undefined : opts.platforms.map((p) => (typeof p === 'string' ? parsePlatform(p) : p));
  const root = await getManifest(client, repo, referenceSelector(reference));
  if (reference.digest && reference.tag === undefined && root.digest !== reference.digest) {
    throw new AirlockError('VERIFY_FAILED', `${formatReference(reference)}: registry returned ${root.digest}`);
  }
  const blobs = new Map<string, Descriptor>();
  const source = (d: string): string => `${client.registry}/${repo}@${d}`;

  let stored = root;
  let filtered = false;
  if (filters && isIndexMediaType(root.mediaType)) {
    const index = parseIndex(root.bytes, source(root.digest));
    const kept = filterIndex(index, filters);
    if (kept.manifests.length === 0) {
      const have = index.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : '?')).join(', ');
      throw new AirlockError('NOT_FOUND', `${formatReference(reference)}: no manifest for ${filters.map(formatPlatform).join(', ')} (the index has ${have})`);
    }
    if (kept.manifests.length !== index.manifests.length) {
      // Rewrite the raw document so that fields the schema does not know survive.
      const raw = parseJsonStrict(root.bytes, source(root.digest)) as Record<string, unknown>;
      const keep = new Set(kept.manifests);
      raw.manifests = (raw.manifests as unknown[]).filter((_, i) => keep.has(index.manifests[i] as Descriptor));
      const bytes = jsonBytes(raw);
      stored = { mediaType: root.mediaType, bytes, size: bytes.length, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
      filtered = true;
    }
  }

  const load = async (m: FetchedManifest, depth: number): Promise<Node> => {
    if (depth > MAX_DEPTH) throw new AirlockError('BAD_INPUT', `${source(m.digest)}: indexes nested deeper than ${MAX_DEPTH}`);
    const node: Node = { manifest: m, children: [] };
    if (isIndexMediaType(m.mediaType)) {
      const index = parseIndex(m.bytes, source(m.digest));
      const children: Node[] = new Array<Node>(index.manifests.length);
      await forEachLimit(index.manifests, concurrency, async (d, i) => {
        const child = await getManifest(client, repo, d.digest, d.mediaType);
        if (child.size !== d.size) throw new AirlockError('VERIFY_FAILED', `${source(d.digest)}: size ${child.size} differs from the ${d.size} its index declares`);
        children[i] = await load(child, depth + 1);
      });
      node.children = children;
    } else {
      const mf = parseManifest(m.bytes, source(m.digest));
      for (const d of [mf.config, ...mf.layers]) {
        const prior = blobs.get(d.digest);
        if (prior && prior.size !== d.size) throw new AirlockError('VERIFY_FAILED', `${source(m.digest)}: blob ${d.digest} is referenced with two sizes`);
        blobs.set(d.digest, d);
      }
    }
    return node;
  };
  const tree = await load(stored, 0);
  const trees = [tree];
  const referrers: PulledReferrer[] = [];
  if (opts.referrers) {
    // Referrers of the source root only when the root is stored as it is at the source.
    const subjects = [...(filtered ? [] : [root.digest]), ...tree.children.map((c) => c.manifest.digest)];
    for (const subject of subjects) {
      const listed = await getReferrers(client, repo, subject);
      for (const d of listed.manifests) {
        if (referrers.some((r) => r.descriptor.digest === d.digest)) continue;
        const m = await getManifest(client, repo, d.digest, d.mediaType);
        trees.push(await load(m, 1));
        const descriptor = referrerDescriptor(m, m.bytes, source(m.digest));
        referrers.push({ subject, descriptor });
      }
    }
  }

  let downloaded = 0;
  let skipped = 0;
  let bytes = 0;
  await forEachLimit([...blobs.values()], concurrency, async (d) => {
    if (await layout.hasBlob(d.digest, d.size)) {
      skipped++;
      opts.onEvent?.({ kind: 'blob', digest: d.digest, size: d.size, action: 'skipped' });
      return;
    }
    const res = await getBlob(client, repo, d.digest);
    await layout.putStream(Readable.from(coalesce(res.body)), source(d.digest), { digest: d.digest, size: d.size });
    downloaded++;
    bytes += d.size;
    opts.onEvent?.({ kind: 'blob', digest: d.digest, size: d.size, action: 'downloaded' });
  });

  const storeTree = async (n: Node): Promise<void> => {
    for (const c of n.children) await storeTree(c);
    const r = await layout.putBytes(n.manifest.bytes);
    if (r.digest !== n.manifest.digest) throw new AirlockError('VERIFY_FAILED', `${source(n.manifest.digest)}: stored manifest digest differs`);
    opts.onEvent?.({ kind: 'manifest', digest: r.digest, size: r.size, action: 'downloaded' });
  };
  for (const t of trees) await storeTree(t);
  await layout.syncBlobs();

  const pinned: ImageReference = { ...reference, digest: root.digest };
  return {
    descriptor: { mediaType: stored.mediaType, digest: stored.digest, size: stored.size },
    ref: formatReference(pinned),
    reference: pinned,
    sourceDigest: root.digest,
    filtered,
    referrers,
    downloaded,
    skipped,
    bytes,
  };
}
