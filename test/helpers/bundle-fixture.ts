/** A small connected-side workspace: an image layout, a file, a policy folder, keys and a spec. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OciLayout } from '../../src/oci/layout.ts';
import { buildImage, type LayerFiles } from '../../src/oci/build-image.ts';
import { generateKeyPair, loadPrivateKey } from '../../src/trust/keys.ts';
import { SoftwareSigner } from '../../src/trust/signer.ts';
import { createBundle, type CreateOptions, type CreateResult } from '../../src/bundle/create.ts';
import { trustRootFromKey } from '../../src/trust/trust-root.ts';
import type { TrustRoot } from '../../src/trust/trust-root.ts';

export interface Workspace {
  dir: string;
  spec: string;
  signer: SoftwareSigner;
  publicKey: string;
  privateKey: string;
  trust: TrustRoot;
  create(out: string, extra?: Partial<CreateOptions>): Promise<CreateResult>;
  /** Rewrites the image with new layer content (a new version of the app). */
  rebuildApp(layers: LayerFiles[]): Promise<void>;
}

export async function makeWorkspace(dir: string, options: { layers?: LayerFiles[]; spec?: string } = {}): Promise<Workspace> {
  mkdirSync(join(dir, 'policies', 'pci-dss-4.0'), { recursive: true });
  const layout = await OciLayout.openOrCreate(join(dir, 'layouts', 'app'));
  const layers = options.layers ?? [{ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }, { 'app/data.bin': randomBytes(64 * 1024) }];
  await buildImage(layout, '1.0', layers);
  writeFileSync(join(dir, 'openssl-fix.deb'), randomBytes(10_000));
  writeFileSync(join(dir, 'policies', 'pci-dss-4.0', 'require-labels.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-labels\n');
  const spec = join(dir, 'airlock.yaml');
  writeFileSync(
    spec,
    options.spec ??
      ['name: platform-updates', 'channel: stable', 'version: 2026.11.1', 'images:', '  - oci:./layouts/app:1.0', 'files:', '  - ./openssl-fix.deb', 'policies:', '  - ./policies/pci-dss-4.0', ''].join('\n'),
  );
  const keys = await generateKeyPair(join(dir, 'keys'), 'airlock', undefined);
  const signer = new SoftwareSigner(await loadPrivateKey(keys.privateKeyPath, undefined));
  const trust = await trustRootFromKey(keys.publicKeyPath);
  return {
    dir,
    spec,
    signer,
    publicKey: keys.publicKeyPath,
    privateKey: keys.privateKeyPath,
    trust,
    create: (out, extra = {}) => createBundle({ specFile: spec, out: join(dir, out), signer, ...extra }),
    rebuildApp: async (newLayers) => {
      await buildImage(layout, '1.0', newLayers);
    },
  };
}
