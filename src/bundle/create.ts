/**
 * `airlock bundle create`: imports every source of airlock.yaml into one OCI layout,
 * writes the index, lists every blob, leaves out what the base already delivered (a
 * delta), signs the descriptor, and publishes the result atomically: the bundle is
 * assembled under a temporary name beside the output and renamed into place at the end,
 * so a failed or interrupted create never leaves a half-written bundle at OUT.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AirlockError, ioError } from '../common/errors.ts';
import { fsyncDir, pathExists, readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { jsonBytes } from '../common/json.ts';
import { type Progress, silentProgress } from '../common/progress.ts';
import { BlobPool } from '../oci/blob-pool.ts';
import { OciLayout } from '../oci/layout.ts';
import { OCI_INDEX, REF_NAME_ANNOTATION } from '../oci/media-types.ts';
import { walkTree } from '../oci/walk.ts';
import { signToSigstoreBundle } from '../trust/sigstore.ts';
import type { Signer } from '../trust/signer.ts';
import {
  type BlobRef,
  type BundleDescriptor,
  DESCRIPTOR_FILE,
  DESCRIPTOR_MEDIA_TYPE,
  ITEM_SOURCE_ANNOTATION,
  ITEM_TYPE_ANNOTATION,
  parseDescriptor,
  SIGNATURE_FILE,
  totalBytes,
} from './descriptor.ts';
import { locateBundle, readHead } from './format.ts';
import { PARTS_FILE, PartWriter } from './parts.ts';
import { ClientPool } from '../oci/registry/index.ts';
import { type ImportedItem, importerFor, type RegistryImportOptions } from './sources/index.ts';
import { type BundleSpec, parseBundleSpec, parseImageRef } from './spec.ts';
import { imagesInManifests } from './manifest-images.ts';
import { loadResources } from '../policy/index.ts';
import { writeBundleTar } from './tar-writer.ts';

export interface CreateOptions {
  specFile: string;
  out: string;
  signer: Signer;
  base?: string;
  sequence?: number;
  format?: 'dir' | 'tar';
  /** Largest file written, for removable media; implies a tar in parts. */
  split?: number;
  now?: Date;
  progress?: Progress;
  /** How registry images are pulled (credentials, CA, plain HTTP, platforms). */
  registry?: RegistryImportOptions;
}

export interface CreateResult {
  out: string;
  format: 'dir' | 'tar' | 'split';
  descriptor: BundleDescriptor;
  descriptorDigest: string;
  keyId: string;
  /** Bytes of blobs in this bundle, and of blobs left out because the base holds them. */
  bytes: number;
  omittedBytes: number;
  parts?: { name: string; size: number }[];
}

/** Adds every image the `images-from:` manifests reference, once, after the listed images. */
async function addImagesFrom(spec: BundleSpec): Promise<void> {
  if (spec.imagesFrom.length === 0) return;
  const listed = new Set(spec.sources.filter((x) => x.type === 'image').map((x) => x.ref));
  const found = imagesInManifests(await loadResources(spec.imagesFrom));
  if (found.length === 0) throw new AirlockError('BAD_INPUT', `${spec.file}: images-from: no container images in ${spec.imagesFrom.join(', ')}`);
  const at = spec.sources.findIndex((x) => x.type !== 'image');
  const added = found
    .filter((ref) => !listed.has(ref))
    .map((ref) => ({ type: 'image' as const, ref, field: 'images-from', ...parseImageRef(ref, dirname(spec.file), `${spec.file}: images-from`) }));
  spec.sources.splice(at < 0 ? spec.sources.length : at, 0, ...added);
}

/** Reads the descriptor of an earlier bundle (folder, tar, parts, or the descriptor file itself). */
export async function readBaseDescriptor(path: string): Promise<{ descriptor: BundleDescriptor; digest: string }> {
  let bytes: Buffer;
  if (basename(path) === DESCRIPTOR_FILE) bytes = await readFileBounded(path, 64 * 1024 * 1024, 'descriptor');
  else bytes = (await readHead(await locateBundle(path))).descriptor;
  const descriptor = parseDescriptor(bytes, `${path}: ${DESCRIPTOR_FILE}`);
  return { descriptor, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

export async function createBundle(options: CreateOptions): Promise<CreateResult> {
  const specBytes = await readFileBounded(options.specFile, 16 * 1024 * 1024, 'bundle spec');
  const spec = parseBundleSpec(specBytes, options.specFile);
  await addImagesFrom(spec);
  const format = options.split !== undefined ? 'split' : options.format ?? 'dir';
  if (options.split !== undefined && options.format === 'dir') {
    throw new AirlockError('USAGE', '--split writes the bundle as a tar in parts; it cannot be combined with --format dir');
  }
  if (options.split !== undefined && options.split < 1024 * 1024) throw new AirlockError('USAGE', '--split: parts must be at least 1 MiB');
  const out = resolve(options.out);
  if (await pathExists(out)) throw new AirlockError('BAD_INPUT', `${options.out}: already exists; choose a new output path`);
  const base = options.base ? await readBaseDescriptor(options.base) : undefined;
  if (base && base.descriptor.channel !== spec.channel) {
    throw new AirlockError('BAD_INPUT', `${options.base}: base is on channel "${base.descriptor.channel}", this bundle on "${spec.channel}"`);
  }
  const now = options.now ?? new Date();
  const sequence = options.sequence ?? spec.sequence ?? Math.max(Math.floor(now.getTime() / 1000), (base?.descriptor.sequence ?? 0) + 1);
  if (base && sequence <= base.descriptor.sequence) {
    throw new AirlockError('USAGE', `--sequence ${sequence} must be above the base's ${base.descriptor.sequence}`);
  }
  const progress = options.progress ?? silentProgress;
  const work = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
  const pool = new BlobPool();
  const clients = new ClientPool(options.registry ?? {});
  try {
    const layout = await OciLayout.init(work);
    // Blobs are not fsynced one by one while a bundle is assembled (it is all verified on
    // the other side, and a crash leaves only the temporary folder, never a bundle at OUT).
    layout.durable = false;
    // A tar is written from this folder, re-hashing every blob: source blobs can be linked, not copied.
    layout.linkSources = format !== 'dir';
    const items: ImportedItem[] = [];
    for (const src of spec.sources) {
      progress.start('import', 0);
      items.push(...(await importerFor(src).import(src, { out: layout, pool, registry: { ...options.registry, pool: clients } })));
    }
    const names = new Set<string>();
    for (const it of items) {
      if (names.has(it.name)) throw new AirlockError('BAD_INPUT', `${options.specFile}: two items are named "${it.name}"; give one a name:`);
      names.add(it.name);
    }
    const manifests = items.map((it) => ({
      ...it.descriptor,
      annotations: { [REF_NAME_ANNOTATION]: it.name, [ITEM_TYPE_ANNOTATION]: it.type, [ITEM_SOURCE_ANNOTATION]: it.source },
    }));
    const indexBytes = await layout.writeIndex({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
    const tree = await walkTree(manifests, { read: async (d) => layout.readBlob(d) }, work);
    const held = new Set(base ? [...base.descriptor.blobs, ...base.descriptor.omitted].map((b) => b.digest) : []);
    const blobs: BlobRef[] = [];
    const omitted: BlobRef[] = [];
    for (const d of tree.blobs) (held.has(d.digest) ? omitted : blobs).push({ digest: d.digest, size: d.size });
    for (const b of omitted) await fsp.rm(layout.blobPath(b.digest), { force: true });
    // Blobs imported but not reachable (none in practice) are not shipped.
    const reachable = new Set(tree.blobs.map((d) => d.digest));
    for (const name of await fsp.readdir(join(work, 'blobs', 'sha256'))) {
      if (!reachable.has(`sha256:${name}`)) await fsp.rm(join(work, 'blobs', 'sha256', name), { force: true });
    }
    await fsp.rm(layout.tempDir, { recursive: true, force: true });
    const descriptor: BundleDescriptor = {
      schemaVersion: 1,
      mediaType: DESCRIPTOR_MEDIA_TYPE,
      name: spec.name,
      channel: spec.channel,
      version: spec.version,
      sequence,
      created: now.toISOString(),
      expires: new Date(now.getTime() + spec.expiresMs).toISOString(),
      ...(base
        ? { base: { name: base.descriptor.name, version: base.descriptor.version, sequence: base.descriptor.sequence, descriptorDigest: base.digest } }
        : {}),
      index: { digest: `sha256:${createHash('sha256').update(indexBytes).digest('hex')}`, size: indexBytes.length },
      items: items.map((it) => ({
        type: it.type,
        name: it.name,
        source: it.source,
        mediaType: it.descriptor.mediaType,
        ...(it.descriptor.artifactType ? { artifactType: it.descriptor.artifactType } : {}),
        digest: it.descriptor.digest,
        size: it.descriptor.size,
        ...(it.platforms && it.platforms.length > 0 ? { platforms: it.platforms } : {}),
      })),
      blobs,
      omitted,
    };
    const descriptorBytes = jsonBytes(descriptor);
    const signature = await signToSigstoreBundle(options.signer, descriptorBytes);
    await writeFileAtomic(join(work, DESCRIPTOR_FILE), descriptorBytes);
    await writeFileAtomic(join(work, SIGNATURE_FILE), jsonBytes(signature));
    await layout.syncBlobs();
    let parts: { name: string; size: number }[] | undefined;
    if (format === 'dir') {
      await fsp.rename(work, out).catch((e: unknown) => {
        throw ioError(out, e, 'publish bundle');
      });
    } else {
      progress.start('write', totalBytes(blobs));
      parts = await publishTar(work, out, blobs, format === 'split' ? (options.split as number) : undefined, progress);
    }
    await fsyncDir(dirname(out));
    return {
      out,
      format,
      descriptor,
      descriptorDigest: `sha256:${createHash('sha256').update(descriptorBytes).digest('hex')}`,
      keyId: options.signer.keyId,
      bytes: totalBytes(blobs),
      omittedBytes: totalBytes(omitted),
      ...(parts ? { parts } : {}),
    };
  } finally {
    progress.stop();
    await pool.close();
    await clients.close();
    await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Streams the assembled folder into a tar (or parts) under a temporary name, then renames it. */
async function publishTar(work: string, out: string, blobs: BlobRef[], split: number | undefined, progress: Progress): Promise<{ name: string; size: number }[] | undefined> {
  const tmp = join(dirname(out), `.${basename(out)}.writing-${randomBytes(4).toString('hex')}`);
  try {
    if (split === undefined) {
      const sink = new PartWriter({ single: tmp });
      try {
        await writeBundleTar(work, blobs, sink, progress);
        await sink.finish();
      } catch (e) {
        await sink.abort();
        throw e;
      }
      await fsp.rename(tmp, out);
      return undefined;
    }
    await fsp.mkdir(tmp);
    const sink = new PartWriter({ dir: tmp, partSize: split });
    let list;
    try {
      await writeBundleTar(work, blobs, sink, progress);
      list = await sink.finish();
    } catch (e) {
      await sink.abort();
      throw e;
    }
    await writeFileAtomic(join(tmp, PARTS_FILE), jsonBytes(list));
    await fsp.rename(tmp, out);
    return list?.parts.map((p) => ({ name: p.name, size: p.size }));
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e instanceof AirlockError ? e : ioError(out, e, 'write bundle');
  }
}

