/**
 * `airlock bundle inspect` and `airlock bundle diff`: what a bundle holds, read from its
 * descriptor without verifying (inspect says so), and what changed between two bundles.
 */
import { createHash } from 'node:crypto';
import { parseSigstoreBundle } from '../trust/sigstore.ts';
import { type BundleDescriptor, DESCRIPTOR_FILE, parseDescriptor, SIGNATURE_FILE, totalBytes } from './descriptor.ts';
import { locateBundle, readHead } from './format.ts';

export interface InspectResult {
  bundle: string;
  format: 'dir' | 'tar' | 'split';
  verified: false;
  descriptorDigest: string;
  signedBy?: string;
  descriptor: BundleDescriptor;
  bytes: number;
  omittedBytes: number;
  parts?: { name: string; size: number }[];
}

export async function inspectBundle(path: string): Promise<InspectResult> {
  const loc = await locateBundle(path);
  const head = await readHead(loc);
  const descriptor = parseDescriptor(head.descriptor, `${path}: ${DESCRIPTOR_FILE}`);
  const signedBy = head.signature ? parseSigstoreBundle(head.signature, `${path}: ${SIGNATURE_FILE}`).verificationMaterial.publicKey.hint : undefined;
  return {
    bundle: path,
    format: loc.kind,
    verified: false,
    descriptorDigest: `sha256:${createHash('sha256').update(head.descriptor).digest('hex')}`,
    ...(signedBy ? { signedBy } : {}),
    descriptor,
    bytes: totalBytes(descriptor.blobs),
    omittedBytes: totalBytes(descriptor.omitted),
    ...(loc.kind === 'split' ? { parts: loc.parts.parts.map((p) => ({ name: p.name, size: p.size })) } : {}),
  };
}

export interface DiffResult {
  old: { bundle: string; name: string; version: string; sequence: number };
  new: { bundle: string; name: string; version: string; sequence: number };
  items: { added: DiffItem[]; removed: DiffItem[]; changed: (DiffItem & { oldDigest: string })[]; unchanged: number };
  blobs: { added: number; addedBytes: number; removed: number; removedBytes: number; shared: number; sharedBytes: number };
  /** Whether NEW is a delta whose base is OLD. */
  deltaOfOld: boolean;
}

interface DiffItem {
  name: string;
  type: string;
  digest: string;
}

export async function diffBundles(oldPath: string, newPath: string): Promise<DiffResult> {
  const [a, b] = [await inspectBundle(oldPath), await inspectBundle(newPath)];
  const oldItems = new Map(a.descriptor.items.map((i) => [i.name, i]));
  const newItems = new Map(b.descriptor.items.map((i) => [i.name, i]));
  const pick = (i: { name: string; type: string; digest: string }): DiffItem => ({ name: i.name, type: i.type, digest: i.digest });
  const added = [...newItems.values()].filter((i) => !oldItems.has(i.name)).map(pick);
  const removed = [...oldItems.values()].filter((i) => !newItems.has(i.name)).map(pick);
  const changed = [...newItems.values()]
    .filter((i) => oldItems.has(i.name) && oldItems.get(i.name)?.digest !== i.digest)
    .map((i) => ({ ...pick(i), oldDigest: oldItems.get(i.name)?.digest as string }));
  const unchanged = [...newItems.values()].filter((i) => oldItems.get(i.name)?.digest === i.digest).length;
  const all = (d: BundleDescriptor) => new Map([...d.blobs, ...d.omitted].map((x) => [x.digest, x.size]));
  const oldBlobs = all(a.descriptor);
  const newBlobs = all(b.descriptor);
  const sum = (m: Map<string, number>, keep: (k: string) => boolean) => {
    let n = 0;
    let bytes = 0;
    for (const [k, v] of m) {
      if (!keep(k)) continue;
      n++;
      bytes += v;
    }
    return [n, bytes] as const;
  };
  const [addedN, addedBytes] = sum(newBlobs, (k) => !oldBlobs.has(k));
  const [removedN, removedBytes] = sum(oldBlobs, (k) => !newBlobs.has(k));
  const [sharedN, sharedBytes] = sum(newBlobs, (k) => oldBlobs.has(k));
  const info = (r: InspectResult) => ({ bundle: r.bundle, name: r.descriptor.name, version: r.descriptor.version, sequence: r.descriptor.sequence });
  return {
    old: info(a),
    new: info(b),
    items: { added, removed, changed, unchanged },
    blobs: { added: addedN, addedBytes, removed: removedN, removedBytes, shared: sharedN, sharedBytes },
    deltaOfOld: b.descriptor.base?.descriptorDigest === a.descriptorDigest,
  };
}
