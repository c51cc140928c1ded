/** Target references: `rootfs:DIR`, `dir:PATH`, `oci:DIR[:TAG]`, `docker-archive:FILE[:TAG]`, `sbom:FILE`. */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../common/errors.ts';

export type TargetKind = 'rootfs' | 'dir' | 'oci' | 'docker-archive' | 'sbom';

export interface TargetRef {
  kind: TargetKind;
  /** The reference without its scheme (path, possibly with :TAG). */
  ref: string;
}

const KINDS: readonly TargetKind[] = ['rootfs', 'dir', 'oci', 'docker-archive', 'sbom'];

/** Parses "kind:ref"; without a scheme, guesses from what is on disk. */
export async function parseTarget(spec: string): Promise<TargetRef> {
  const m = /^([a-z-]+):(.*)$/.exec(spec);
  if (m && (KINDS as readonly string[]).includes(m[1]!)) {
    if (m[2] === '') throw new AirlockError('USAGE', `target "${spec}": missing path after "${m[1]}:"`);
    return { kind: m[1] as TargetKind, ref: m[2]! };
  }
  if (m && !spec.startsWith('/') && !spec.startsWith('.')) {
    throw new AirlockError('USAGE', `target "${spec}": unknown kind "${m[1]}" (use ${KINDS.map((k) => `${k}:`).join(', ')})`);
  }
  const st = await fsp.stat(spec).catch(() => undefined);
  if (!st) throw new AirlockError('NOT_FOUND', `${spec}: no such file or directory`);
  if (st.isDirectory()) {
    const isLayout = await fsp.stat(join(spec, 'oci-layout')).then(
      () => true,
      () => false,
    );
    return { kind: isLayout ? 'oci' : 'dir', ref: spec };
  }
  if (/\.json$/i.test(spec)) return { kind: 'sbom', ref: spec };
  return { kind: 'docker-archive', ref: spec };
}
