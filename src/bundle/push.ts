/**
 * `bundle apply --registry URL [--prefix P]`: after a bundle is applied to the store,
 * every item (images and artifacts) is pushed from the store into the registry, keeping
 * repository paths under the prefix (`docker.io/library/nginx:1.25` ->
 * `<registry>/<prefix>/library/nginx:1.25`). Blobs the registry already holds are not
 * sent, and a blob pushed to one repository is mounted into the next, so a rerun after an
 * interruption sends only what is missing.
 */
import { AirlockError } from '../common/errors.ts';
import { REF_NAME_ANNOTATION } from '../oci/media-types.ts';
import { BlobLocations, ClientPool, formatReference, mirrorReference, parseReference, pushImage, type RegistryOptions } from '../oci/registry/index.ts';
import { TRIVY_TARGETS } from './sources/trivy-source.ts';
import { ITEM_TYPE_ANNOTATION } from './descriptor.ts';
import type { Store } from './store.ts';

export interface PushedItem {
  name: string;
  target: string;
  digest: string;
  uploaded: number;
  mounted: number;
  skipped: number;
  bytesUploaded: number;
}

export async function pushStoreItems(store: Store, names: readonly string[], registry: string, prefix: string | undefined, options: RegistryOptions): Promise<PushedItem[]> {
  const index = await store.layout.readIndex();
  const clients = new ClientPool(options);
  const locations = new BlobLocations();
  const out: PushedItem[] = [];
  try {
    for (const name of names) {
      const entry = index.manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === name);
      if (!entry) throw new AirlockError('NOT_FOUND', `${store.root}: item ${name} is not in the store`);
      // Trivy's DBs go where Trivy looks for them: <registry>/<prefix>/trivy-db:2 and trivy-java-db:1.
      const type = entry.annotations?.[ITEM_TYPE_ANNOTATION] as keyof typeof TRIVY_TARGETS | undefined;
      const trivy = type !== undefined ? TRIVY_TARGETS[type] : undefined;
      const source = trivy ? { ...parseReference(trivy), repository: trivy.split(':')[0] as string } : parseReference(name);
      const target = mirrorReference(source.tag === undefined && source.digest === undefined ? { ...source, tag: 'latest' } : source, registry, prefix);
      // A digest-only source is pushed by digest; otherwise by tag.
      const targetRef = formatReference(target.tag !== undefined ? { registry: target.registry, repository: target.repository, tag: target.tag } : target);
      const { annotations: _a, ...descriptor } = entry;
      const r = await pushImage(store.layout, descriptor, targetRef, { ...options, client: await clients.get(target.registry), locations });
      out.push({ name, target: r.ref, digest: r.digest, uploaded: r.uploaded, mounted: r.mounted, skipped: r.skipped, bytesUploaded: r.bytesUploaded });
    }
  } finally {
    await clients.close();
  }
  return out;
}
