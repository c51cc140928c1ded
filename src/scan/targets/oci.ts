/**
 * `oci:DIR[:TAG]`: an image in an OCI image layout (read through src/oci). The tag is
 * the `org.opencontainers.image.ref.name` annotation; an index (multi-platform image)
 * resolves to linux/amd64, else its first image manifest. Layer blobs are streamed,
 * hashed while read and proven against their digests.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { AirlockError } from '../../common/errors.ts';
import { OciLayout } from '../../oci/layout.ts';
import { parseIndex, parseManifest, type Descriptor } from '../../oci/manifest.ts';
import { isIndexMediaType, REF_NAME_ANNOTATION } from '../../oci/media-types.ts';
import { applyLayers, DEFAULT_LIMITS, hashing, layeredFs, readLayer, type LayerBudget, type LayerContent, type LayerLimits } from './layers.ts';
import type { VirtualFs, Want } from './vfs.ts';

export interface ImageTree {
  fs: VirtualFs;
  /** Digest of the image manifest. */
  digest: string;
  layers: string[];
}

/** Splits "DIR[:TAG]": a tag is taken only when DIR alone is not an existing path. */
export async function splitRefTag(spec: string): Promise<{ path: string; tag?: string }> {
  const exists = await fsp.stat(spec).then(
    () => true,
    () => false,
  );
  if (exists) return { path: spec };
  // Reference names may hold ':' and '/' themselves (a store's "registry/team/app:1.0"):
  // the layout is the shortest prefix, ending before a ':', that is an OCI layout.
  for (let i = spec.indexOf(':'); i > 0; i = spec.indexOf(':', i + 1)) {
    const isLayout = await fsp.stat(`${spec.slice(0, i)}/oci-layout`).then(() => true, () => false);
    if (isLayout) return { path: spec.slice(0, i), tag: spec.slice(i + 1) };
  }
  const colon = spec.lastIndexOf(':');
  if (colon <= 0 || spec.slice(colon + 1).includes('/')) return { path: spec };
  return { path: spec.slice(0, colon), tag: spec.slice(colon + 1) };
}

function pick(manifests: Descriptor[], tag: string | undefined, source: string): Descriptor {
  if (tag !== undefined) {
    const hit = manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (!hit) {
      const tags = manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION]).filter((t) => t !== undefined);
      throw new AirlockError('NOT_FOUND', `${source}: no image tagged "${tag}" (tags: ${tags.join(', ') || 'none'})`);
    }
    return hit;
  }
  if (manifests.length === 0) throw new AirlockError('BAD_INPUT', `${source}: index.json lists no images`);
  if (manifests.length > 1) {
    const tags = manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION] ?? m.digest);
    throw new AirlockError('USAGE', `${source}: holds ${manifests.length} images; name one with oci:DIR:TAG (${tags.slice(0, 10).join(', ')})`);
  }
  return manifests[0]!;
}

export async function openOciImage(spec: string, want: Want, limits: LayerLimits = DEFAULT_LIMITS): Promise<ImageTree> {
  const { path, tag } = await splitRefTag(spec);
  const layout = await OciLayout.open(path);
  let desc = pick((await layout.readIndex()).manifests, tag, path);
  for (let depth = 0; isIndexMediaType(desc.mediaType); depth++) {
    if (depth > 4) throw new AirlockError('BAD_INPUT', `${path}: image indexes nested too deep`);
    const idx = parseIndex(await layout.readBlob(desc), `${path}@${desc.digest}`);
    const linux = idx.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? idx.manifests[0];
    if (!linux) throw new AirlockError('BAD_INPUT', `${path}@${desc.digest}: empty image index`);
    desc = linux;
  }
  const manifest = parseManifest(await layout.readBlob(desc), `${path}@${desc.digest}`);
  const budget: LayerBudget = { kept: 0 };
  const contents: LayerContent[] = [];
  for (const l of manifest.layers) {
    const source = `${path}: layer ${l.digest}`;
    const blob = layout.blobPath(l.digest);
    await fsp.access(blob).catch(() => {
      throw new AirlockError('NOT_FOUND', `${source}: blob missing from the layout`);
    });
    const h = hashing(createReadStream(blob));
    contents.push(await readLayer(h.stream, l.digest, source, want, limits, budget));
    for await (const _ of h.stream) {
      // drain what the tar reader left (end-of-archive padding) so the hash covers it all
    }
    h.check(l.digest, source);
  }
  return { fs: layeredFs(`oci:${spec}`, applyLayers(contents), want), digest: desc.digest, layers: manifest.layers.map((l) => l.digest) };
}
