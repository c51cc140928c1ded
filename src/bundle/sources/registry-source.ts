/**
 * Registry images (`registry/repo:tag`, `registry/repo@sha256:...`): pulled with the OCI
 * distribution client straight into the bundle's layout, every blob's digest proven on
 * the way in. The bundle records the reference pinned to the digest it resolved, and for
 * a multi-platform image the platforms it kept.
 */
import { pullImage, formatReference, parseReference } from '../../oci/registry/index.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

export const registrySource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'image' && src.transport === 'registry',
  async import(src: SourceRef, ctx: ImportContext): Promise<ImportedItem[]> {
    const opts = ctx.registry ?? {};
    const platforms = src.platforms ?? opts.platforms;
    const pulled = await pullImage(src.path, ctx.out, {
      ...opts,
      ...(opts.pool ? { client: await opts.pool.get(parseReference(src.path).registry) } : {}),
      ...(platforms && platforms.length > 0 ? { platforms } : {}),
    });
    // The name keeps the tag (or digest) the user wrote; the source records the resolved digest.
    const { digest: _digest, ...named } = pulled.reference;
    const name = src.name ?? formatReference(pulled.reference.tag !== undefined ? named : pulled.reference);
    return [
      {
        type: 'image',
        name,
        source: pulled.ref,
        descriptor: pulled.descriptor,
        ...(platforms && platforms.length > 0 ? { platforms: [...platforms] } : {}),
      },
    ];
  },
};
