/** Naming a pulled root in a layout's index.json (`org.opencontainers.image.ref.name`). */
import type { OciLayout } from '../layout.ts';
import type { Descriptor } from '../manifest.ts';
import { REF_NAME_ANNOTATION } from '../media-types.ts';

/** Adds `desc` to index.json under `name`, replacing an entry of the same name. */
export async function tagInLayout(layout: OciLayout, desc: Descriptor, name: string): Promise<void> {
  const index = await layout.readIndex();
  const manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name);
  manifests.push({ mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [REF_NAME_ANNOTATION]: name } });
  await layout.writeIndex({ ...index, manifests });
}
