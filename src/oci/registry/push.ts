/**
 * Push: an image (or artifact) from an OCI layout to a registry. The whole tree is
 * walked and proven from the layout first. When the target tag already names the same
 * root digest nothing is sent. Otherwise every blob gets a HEAD first, then a
 * cross-repository mount when an earlier push put it in another repository of the same
 * registry, then a monolithic upload (small blobs) or a chunked one (large blobs).
 * Manifests go last, children before parents, so the registry never sees a manifest
 * whose content it lacks. A rerun after an interruption sends only what is missing.
 * A root with a `subject` (a signature, an SBOM) is pushed by digest and listed as a
 * referrer of its subject, through the fallback tag when the registry lacks the API.
 */
import { AirlockError } from '../../common/errors.ts';
import { forEachLimit } from '../blob-pool.ts';
import type { OciLayout } from '../layout.ts';
import { type Descriptor, isTraversable } from '../manifest.ts';
import { walkTree } from '../walk.ts';
import { blobExists, headManifest, mountBlob, putBlobChunked, putBlobMonolithic, putManifest, pushScope, startUpload } from './api.ts';
import { RegistryClient, type RegistryOptions } from './client.ts';
import type { TransferEvent } from './pull.ts';
import { addToReferrersTag, ensureListed, referrerDescriptor, subjectOf } from './referrers.ts';
import { type ImageReference, formatReference, parseReference } from './reference.ts';

/** Where blobs were pushed, so that later pushes to the same registry can mount them. */
export class BlobLocations {
  readonly #where = new Map<string, string>();
  record(registry: string, digest: string, repo: string): void {
    this.#where.set(`${registry} ${digest}`, repo);
  }
  lookup(registry: string, digest: string): string | undefined {
    return this.#where.get(`${registry} ${digest}`);
  }
}

export interface PushOptions extends RegistryOptions {
  client?: RegistryClient;
  /** Shared between pushes to mount blobs across repositories. */
  locations?: BlobLocations;
  /** Blobs up to this size go in one PUT (default 16 MiB); larger ones in chunks. */
  monolithicMax?: number;
  /** Chunk size of chunked uploads (default 16 MiB). */
  chunkSize?: number;
  onEvent?: (e: TransferEvent) => void;
}

export interface PushResult {
  /** `registry/repo[:tag]@digest` of the pushed root. */
  ref: string;
  reference: ImageReference;
  digest: string;
  uploaded: number;
  mounted: number;
  skipped: number;
  bytesUploaded: number;
  /** True when the target already held this root and nothing was sent. */
  upToDate: boolean;
}

const MiB = 1024 * 1024;

export async function pushImage(layout: OciLayout, descriptor: Descriptor, targetRef: string, opts: PushOptions = {}): Promise<PushResult> {
  const target = parseReference(targetRef);
  if (target.digest && target.digest !== descriptor.digest) {
    throw new AirlockError('USAGE', `${targetRef}: the target digest differs from the image's ${descriptor.digest}`);
  }
  const client = opts.client ?? (await RegistryClient.create(target.registry, opts));
  try {
    return await pushWith(client, layout, descriptor, target, opts);
  } finally {
    if (!opts.client) await client.close();
  }
}

async function pushWith(client: RegistryClient, layout: OciLayout, root: Descriptor, target: ImageReference, opts: PushOptions): Promise<PushResult> {
  const repo = target.repository;
  const scopes = [pushScope(repo)];
  const pinned: ImageReference = { ...target, digest: root.digest };
  const result: PushResult = { ref: formatReference(pinned), reference: pinned, digest: root.digest, uploaded: 0, mounted: 0, skipped: 0, bytesUploaded: 0, upToDate: false };
  const source = `${layout.root}`;

  const walk = await walkTree(
    [root],
    { read: async (d) => ((await layout.hasBlob(d.digest, d.size)) ? layout.readBlob(d) : undefined) },
    source,
  );
  if (walk.unresolved.length > 0) {
    throw new AirlockError('INCOMPLETE', `${source}: manifest ${walk.unresolved[0]?.digest} is missing from the layout`);
  }
  const rootSelector = target.tag ?? root.digest;
  const rootBytes = await layout.readBlob(root);
  const subject = subjectOf(root.mediaType, rootBytes, `${source}: ${root.digest}`);
  if ((await headManifest(client, repo, rootSelector, scopes)) === root.digest) {
    if (subject) await ensureListed(client, repo, subject.digest, referrerDescriptor(root, rootBytes, source));
    result.upToDate = true;
    result.skipped = walk.blobs.length;
    return result;
  }

  const manifests = walk.blobs.filter((d) => isTraversable(d.mediaType));
  const blobs = walk.blobs.filter((d) => !isTraversable(d.mediaType));
  for (const d of blobs) {
    if (!(await layout.hasBlob(d.digest, d.size))) throw new AirlockError('INCOMPLETE', `${source}: blob ${d.digest} (${d.size} bytes) is missing from the layout`);
  }
  const monolithicMax = opts.monolithicMax ?? 16 * MiB;
  const chunkSize = Math.max(1024, opts.chunkSize ?? 16 * MiB);

  await forEachLimit(blobs, Math.max(1, opts.concurrency ?? 4), async (d) => {
    const event = (action: TransferEvent['action']): void => opts.onEvent?.({ kind: 'blob', digest: d.digest, size: d.size, action });
    if (await blobExists(client, repo, d.digest, scopes)) {
      result.skipped++;
      opts.locations?.record(client.registry, d.digest, repo);
      event('skipped');
      return;
    }
    let location: URL | undefined;
    const from = opts.locations?.lookup(client.registry, d.digest);
    if (from && from !== repo) {
      const m = await mountBlob(client, repo, d.digest, from);
      if (m === true) {
        result.mounted++;
        opts.locations?.record(client.registry, d.digest, repo);
        event('mounted');
        return;
      }
      location = m;
    }
    const file = layout.blobPath(d.digest);
    // An upload session can be lost with a dropped connection (404 BLOB_UPLOAD_UNKNOWN
    // on the retried request): one more try in a new session.
    for (let attempt = 0; ; attempt++) {
      location ??= await startUpload(client, repo);
      try {
        if (d.size <= monolithicMax) await putBlobMonolithic(client, repo, location, d.digest, d.size, file);
        else await putBlobChunked(client, repo, location, d.digest, d.size, file, chunkSize);
        break;
      } catch (e) {
        if (attempt > 0 || !(e instanceof AirlockError) || (e.code !== 'IO' && e.code !== 'NOT_FOUND')) throw e;
        location = undefined;
      }
    }
    result.uploaded++;
    result.bytesUploaded += d.size;
    opts.locations?.record(client.registry, d.digest, repo);
    event('uploaded');
  });

  // The walk lists parents before children; reversed, every child precedes its parent.
  for (const d of manifests.reverse()) {
    const isRoot = d.digest === root.digest;
    const bytes = await layout.readBlob(d);
    if (!isRoot && (await headManifest(client, repo, d.digest, scopes)) === d.digest) {
      result.skipped++;
      opts.onEvent?.({ kind: 'manifest', digest: d.digest, size: d.size, action: 'skipped' });
      continue;
    }
    const listedBy = await putManifest(client, repo, isRoot ? rootSelector : d.digest, d.mediaType, bytes);
    // A registry with the referrers API says so with OCI-Subject; otherwise keep the fallback tag.
    if (isRoot && subject && listedBy !== subject.digest) await addToReferrersTag(client, repo, subject.digest, referrerDescriptor(root, rootBytes, source));
    opts.onEvent?.({ kind: 'manifest', digest: d.digest, size: d.size, action: 'uploaded' });
  }
  return result;
}
