/**
 * The Merkle walk: from root descriptors down through indexes and manifests to every
 * blob they reach. Each manifest and index is read with its digest checked, so a walk
 * that completes proves the whole tree below the roots.
 */
import { AirlockError } from '../common/errors.ts';
import { childrenOf, isTraversable, type Descriptor } from './manifest.ts';

export interface BlobReader {
  /** Returns the verified bytes of a small blob, or undefined when it is absent. */
  read(desc: Descriptor): Promise<Buffer | undefined>;
}

export interface WalkResult {
  /** Every reachable descriptor, parents before children, each digest once. */
  blobs: Descriptor[];
  /** Manifests and indexes that were absent, so their children are unknown. */
  unresolved: Descriptor[];
}

export async function walkTree(roots: readonly Descriptor[], reader: BlobReader, source: string): Promise<WalkResult> {
  const seen = new Map<string, Descriptor>();
  const unresolved: Descriptor[] = [];
  const queue: Descriptor[] = [...roots];
  while (queue.length > 0) {
    const desc = queue.shift() as Descriptor;
    const prior = seen.get(desc.digest);
    if (prior) {
      if (prior.size !== desc.size) {
        throw new AirlockError('VERIFY_FAILED', `${source}: blob ${desc.digest} is referenced with two sizes (${prior.size} and ${desc.size})`);
      }
      continue;
    }
    seen.set(desc.digest, desc);
    if (!isTraversable(desc.mediaType)) continue;
    const bytes = await reader.read(desc);
    if (bytes === undefined) {
      unresolved.push(desc);
      continue;
    }
    queue.push(...childrenOf(desc.mediaType, bytes, `${source}: ${desc.digest}`));
  }
  return { blobs: [...seen.values()], unresolved };
}
