/**
 * Builds a small OCI image from in-memory files into a layout: one gzip layer per given
 * set of files, a config with matching diff_ids, a manifest, and a ref name in the
 * index. Deterministic (fixed timestamps), so the same files give the same digests.
 * Used by the demo and by tests and benchmarks that need real images.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { jsonBytes } from '../common/json.ts';
import type { OciLayout } from './layout.ts';
import type { Descriptor } from './manifest.ts';
import { OCI_CONFIG, OCI_LAYER_TAR_GZIP, OCI_MANIFEST, REF_NAME_ANNOTATION } from './media-types.ts';

export type LayerFiles = Record<string, string | Buffer>;

/** Fills a tar-stream packer with `fill`, finalizes it, and returns the whole archive. */
export async function packToBuffer(fill: (pack: tar.Pack) => void): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  fill(pack);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function tarOf(files: LayerFiles): Promise<Buffer> {
  return packToBuffer((pack) => {
    for (const name of Object.keys(files).sort()) {
      const body = files[name] as string | Buffer;
      pack.entry({ name, mtime: new Date(0), mode: 0o644, uid: 0, gid: 0 }, typeof body === 'string' ? Buffer.from(body) : body);
    }
  });
}

export interface BuiltImage {
  descriptor: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

export async function buildImage(
  layout: OciLayout,
  refName: string,
  layers: LayerFiles[],
  platform: { os: string; architecture: string } = { os: 'linux', architecture: 'amd64' },
): Promise<BuiltImage> {
  const layerDescs: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const files of layers) {
    const raw = await tarOf(files);
    diffIds.push(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    const gz = gzipSync(raw, { level: 6 });
    const r = await layout.putBytes(gz);
    layerDescs.push({ mediaType: OCI_LAYER_TAR_GZIP, digest: r.digest, size: r.size });
  }
  const configBody = {
    created: '1970-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'airlock build-image' })),
  };
  const c = await layout.putBytes(jsonBytes(configBody));
  const config: Descriptor = { mediaType: OCI_CONFIG, digest: c.digest, size: c.size };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: layerDescs };
  const m = await layout.putBytes(jsonBytes(manifest));
  const descriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: m.digest, size: m.size };
  const index = await layout.readIndex();
  const manifests = index.manifests.filter((x) => x.annotations?.[REF_NAME_ANNOTATION] !== refName);
  manifests.push({ ...descriptor, annotations: { [REF_NAME_ANNOTATION]: refName } });
  await layout.writeIndex({ ...index, manifests });
  return { descriptor, config, layers: layerDescs };
}
