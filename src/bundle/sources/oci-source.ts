/**
 * `oci:PATH[:TAG]` images: manifests or indexes from a local OCI image layout, copied
 * with every blob below them. Each blob's digest is proven while it is copied, so a
 * corrupt source layout fails here rather than on the isolated side.
 */
import { basename } from 'node:path';
import { AirlockError } from '../../common/errors.ts';
import { OciLayout } from '../../oci/layout.ts';
import { parseIndex, type Descriptor } from '../../oci/manifest.ts';
import { isIndexMediaType, REF_NAME_ANNOTATION } from '../../oci/media-types.ts';
import { walkTree } from '../../oci/walk.ts';
import { refComponent } from './artifact.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

function platformsOf(desc: Descriptor, indexBytes: Buffer | undefined, source: string): string[] | undefined {
  if (!indexBytes || !isIndexMediaType(desc.mediaType)) return undefined;
  return parseIndex(indexBytes, source)
    .manifests.map((m) => (m.platform ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') : undefined))
    .filter((p): p is string => p !== undefined);
}

/** Copies the tree below `root` from one layout into another and returns what it stored. */
export async function copyTree(src: OciLayout, root: Descriptor, { out, pool }: ImportContext, source: string): Promise<Buffer | undefined> {
  let rootBytes: Buffer | undefined;
  const tree = await walkTree([root], { read: async (d) => src.readBlob(d) }, source);
  for (const d of tree.blobs) {
    const stored = await out.putFile(pool, src.blobPath(d.digest), { digest: d.digest, size: d.size }).catch((e: unknown) => {
      if (e instanceof AirlockError && e.code === 'NOT_FOUND') {
        throw new AirlockError('BAD_INPUT', `${source}: blob ${d.digest} is missing from the layout`);
      }
      throw e;
    });
    if (d.digest === root.digest) rootBytes = await out.readBlob(stored);
  }
  return rootBytes;
}

export const ociSource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'image' && src.transport === 'oci',
  async import(src: SourceRef, ctx: ImportContext): Promise<ImportedItem[]> {
    const layout = await OciLayout.open(src.path).catch((e: unknown) => {
      throw e instanceof AirlockError ? new AirlockError(e.code, `${src.field}: ${e.message}`) : e;
    });
    const index = await layout.readIndex();
    const named = index.manifests.filter((m) => m.annotations?.[REF_NAME_ANNOTATION] !== undefined);
    let chosen: Descriptor[];
    if (src.tag !== undefined) {
      chosen = index.manifests.filter((m) => m.annotations?.[REF_NAME_ANNOTATION] === src.tag);
      if (chosen.length === 0) {
        const tags = named.map((m) => m.annotations?.[REF_NAME_ANNOTATION]).join(', ') || 'none';
        throw new AirlockError('BAD_INPUT', `${src.path}: ${src.field}: no image tagged "${src.tag}" (tags: ${tags})`);
      }
    } else if (named.length > 0) {
      chosen = named;
    } else if (index.manifests.length === 1) {
      chosen = index.manifests;
    } else {
      throw new AirlockError('BAD_INPUT', `${src.path}: ${src.field}: the layout holds ${index.manifests.length} untagged images; name one with oci:PATH:TAG`);
    }
    const items: ImportedItem[] = [];
    for (const desc of chosen) {
      const tag = desc.annotations?.[REF_NAME_ANNOTATION];
      const root: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, ...(desc.artifactType ? { artifactType: desc.artifactType } : {}) };
      const rootBytes = await copyTree(layout, root, ctx, `${src.path} (${src.field})`);
      // A ref name that is already a full reference (skopeo writes "registry/repo:tag") is kept.
      const name = src.name ?? (tag && /[/:]/.test(tag) ? tag : `${refComponent(basename(src.path))}:${tag ?? 'latest'}`);
      const platforms = platformsOf(root, rootBytes, src.path);
      items.push({ type: 'image', name, source: src.ref, descriptor: root, ...(platforms ? { platforms } : {}) });
    }
    return items;
  },
};
