/** Small generated images in an OCI layout: random gzip layers, one or two platforms. */
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { jsonBytes } from '../../src/common/json.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import type { Descriptor } from '../../src/oci/manifest.ts';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_TAR_GZIP, OCI_MANIFEST } from '../../src/oci/media-types.ts';
import { tagInLayout } from '../../src/oci/registry/layout-index.ts';

const execFileP = promisify(execFile);
const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function layer(layout: OciLayout, raw: Buffer): Promise<{ desc: Descriptor; diffId: string }> {
  // Level 0: random bytes do not compress, and the size stays what the test asked for.
  const gz = gzipSync(raw, { level: 0 });
  const r = await layout.putBytes(gz);
  return { desc: { mediaType: OCI_LAYER_TAR_GZIP, ...r }, diffId: sha(raw) };
}

async function manifest(layout: OciLayout, arch: string, layers: { desc: Descriptor; diffId: string }[]): Promise<Descriptor> {
  const config = jsonBytes({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) }, config: {} });
  const c = await layout.putBytes(config);
  const m = jsonBytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...c }, layers: layers.map((l) => l.desc) });
  const r = await layout.putBytes(m);
  return { mediaType: OCI_MANIFEST, ...r, platform: { os: 'linux', architecture: arch } };
}

/** An image with `sizes` random layers; with `arches`, an index of one image per arch sharing a base layer. */
export async function makeImage(dir: string, tag: string, opts: { sizes?: number[]; arches?: string[]; baseLayer?: Descriptor } = {}): Promise<{ layout: OciLayout; root: Descriptor }> {
  const layout = await OciLayout.openOrCreate(dir);
  const sizes = opts.sizes ?? [2048, 4096];
  const base = opts.baseLayer ? { desc: opts.baseLayer, diffId: opts.baseLayer.digest } : await layer(layout, randomBytes(sizes[0] ?? 1024));
  let root: Descriptor;
  if (!opts.arches) {
    const rest = await Promise.all(sizes.slice(1).map((s) => layer(layout, randomBytes(s))));
    const m = await manifest(layout, 'amd64', [base, ...rest]);
    root = { mediaType: m.mediaType, digest: m.digest, size: m.size };
  } else {
    const children: Descriptor[] = [];
    for (const arch of opts.arches) {
      const own = await layer(layout, randomBytes(sizes[1] ?? 1024));
      children.push(await manifest(layout, arch, [base, own]));
    }
    const idx = await layout.putBytes(jsonBytes({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }));
    root = { mediaType: OCI_INDEX, ...idx };
  }
  await tagInLayout(layout, root, tag);
  return { layout, root };
}

/** Runs skopeo without blocking the event loop (the token issuer runs in this process). */
export async function skopeo(args: string[]): Promise<string> {
  const r = await execFileP('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return r.stdout;
}
