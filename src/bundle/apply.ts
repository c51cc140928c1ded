/**
 * `airlock bundle apply`: verify, then write. The signature, the trust for the channel,
 * expiry and the sequence (no rollback or replay) are checked before anything is
 * written; a delta must find its base's blobs in the store. Then one streaming pass
 * verifies every blob and writes the verified ones into a staging area inside the store,
 * which is not part of the store's content. Only when the whole bundle has verified are
 * the blobs moved in, and the index and the state written last. A failed apply removes
 * its staging area and leaves the store as it was; an interrupted one is resumed by a
 * rerun, which reuses what was already staged.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, ioError } from '../common/errors.ts';
import { mkdirp } from '../common/fsx.ts';
import type { Progress } from '../common/progress.ts';
import { BlobPool } from '../oci/blob-pool.ts';
import { OciLayout } from '../oci/layout.ts';
import type { Descriptor, ImageIndex } from '../oci/manifest.ts';
import { parseManifest } from '../oci/manifest.ts';
import { REF_NAME_ANNOTATION } from '../oci/media-types.ts';
import { walkTree } from '../oci/walk.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { BUNDLE_ANNOTATION, type BundleDescriptor, ITEM_TYPE_ANNOTATION } from './descriptor.ts';
import { locateBundle, readHead } from './format.ts';
import { VULNDB_ITEM_NAME } from './sources/vulndb-source.ts';
import { type AppliedRecord, Store, VULNDB_DIR } from './store.ts';
import { authenticate, verifyBundle } from './verify.ts';

export interface ApplyOptions {
  trust: TrustRoot;
  store: string;
  allowDowngrade?: boolean;
  now?: Date;
  progress?: Progress;
}

export interface ApplyResult {
  status: 'applied' | 'already-applied';
  store: string;
  bundle: { name: string; channel: string; version: string; sequence: number; descriptorDigest: string };
  previous?: { sequence: number; version: string };
  downgrade: boolean;
  blobsWritten: number;
  bytesWritten: number;
  items: { name: string; type: string; digest: string }[];
  vulndb?: { active: string; previous?: string };
  warnings: string[];
}

export async function applyBundle(bundlePath: string, options: ApplyOptions): Promise<ApplyResult> {
  const now = options.now ?? new Date();
  // Authenticate before touching the store at all.
  const loc = await locateBundle(bundlePath);
  const head = await readHead(loc);
  const auth = authenticate(head.descriptor, head.signature, options.trust, now, bundlePath);
  const d = auth.descriptor;

  const store = await Store.open(options.store, { create: true });
  const unlock = await store.lock();
  try {
    const state = await store.readState();
    const last = state.channels[d.channel];
    const summary = { name: d.name, channel: d.channel, version: d.version, sequence: d.sequence, descriptorDigest: auth.descriptorDigest };
    const base: Omit<ApplyResult, 'status' | 'downgrade' | 'blobsWritten' | 'bytesWritten'> = {
      store: options.store,
      bundle: summary,
      ...(last ? { previous: { sequence: last.sequence, version: last.version } } : {}),
      items: d.items.map((i) => ({ name: i.name, type: i.type, digest: i.digest })),
      warnings: auth.warnings,
    };
    if (last && last.descriptorDigest === auth.descriptorDigest && (await holdsAll(store, d))) {
      return { ...base, status: 'already-applied', downgrade: false, blobsWritten: 0, bytesWritten: 0 };
    }
    const highWater = last ? Math.max(last.sequence, last.highWater ?? 0) : 0;
    const downgrade = last !== undefined && d.sequence <= highWater && last.descriptorDigest !== auth.descriptorDigest;
    if (downgrade && !options.allowDowngrade) {
      throw new AirlockError(
        'ROLLBACK',
        `${bundlePath}: sequence ${d.sequence} (${d.version}) is not above ${highWater}, the highest applied on channel "${d.channel}" (now ${last.version}): refused as a rollback or replay (--allow-downgrade to force, which is recorded)`,
      );
    }
    const missing: string[] = [];
    for (const b of d.omitted) if (!(await store.layout.hasBlob(b.digest, b.size))) missing.push(b.digest);
    if (missing.length > 0) {
      const baseName = d.base ? `${d.base.name} ${d.base.version} (sequence ${d.base.sequence})` : 'its base';
      throw new AirlockError('INCOMPLETE', `${bundlePath}: delta needs ${missing.length} blob(s) from ${baseName} that the store lacks; apply the base first`, {
        details: missing.map((m) => `missing ${m}`),
      });
    }

    const stagingRoot = store.stagingPath(auth.descriptorDigest);
    await store.pruneStaging(stagingRoot);
    const dropStaging = async () => {
      await fsp.rm(stagingRoot, { recursive: true, force: true }).catch(() => undefined);
      await fsp.rmdir(join(options.store, '.staging')).catch(() => undefined);
    };
    let staging: OciLayout;
    try {
      staging = await stageVerified(bundlePath, stagingRoot, store, auth.descriptorDigest, options, now);
    } catch (e) {
      // Nothing of a failed apply stays behind: the store is as it was.
      await dropStaging();
      throw e;
    }
    // Commit: blobs, then the vulnerability DB, then index.json, then the state.
    let blobsWritten = 0;
    let bytesWritten = 0;
    for (const b of d.blobs) {
      if (await store.layout.hasBlob(b.digest, b.size)) continue;
      try {
        await fsp.rename(staging.blobPath(b.digest), store.layout.blobPath(b.digest));
      } catch (e) {
        throw ioError(store.layout.blobPath(b.digest), e, 'move verified blob into the store');
      }
      blobsWritten++;
      bytesWritten += b.size;
    }
    await store.layout.syncBlobs();
    const vulndb = await installVulnDb(store, d, now);
    await store.layout.writeIndex(mergeIndex(await store.layout.readIndex(), d));
    const record: AppliedRecord = {
      name: d.name,
      version: d.version,
      sequence: d.sequence,
      descriptorDigest: auth.descriptorDigest,
      keyId: auth.keyId,
      appliedAt: now.toISOString(),
      ...(downgrade ? { downgrade: true } : {}),
    };
    // A forced downgrade is recorded, and the channel's high-water mark is kept.
    state.channels[d.channel] = highWater > d.sequence ? { ...record, highWater } : record;
    state.history.push({ ...record, channel: d.channel });
    await store.writeState(state);
    await dropStaging();
    return { ...base, status: 'applied', downgrade, blobsWritten, bytesWritten, ...(vulndb ? { vulndb } : {}), warnings: auth.warnings };
  } finally {
    await unlock();
  }
}

/**
 * Verifies the whole bundle, writing verified blobs into the staging layout (reused when
 * an interrupted apply of the same bundle left one), and proves completeness against the
 * base through the store. Throws on any problem; the caller removes the staging area.
 */
async function stageVerified(bundlePath: string, stagingRoot: string, store: Store, descriptorDigest: string, options: ApplyOptions, now: Date): Promise<OciLayout> {
  const staging = (await fsp.stat(join(stagingRoot, 'oci-layout')).then(() => true, () => false)) ? await OciLayout.open(stagingRoot) : await OciLayout.init(stagingRoot);
  const pool = new BlobPool();
  let report;
  try {
    report = await verifyBundle(bundlePath, {
      trust: options.trust,
      now,
      stage: staging,
      pool,
      alreadyHeld: async (b) => (await store.layout.hasBlob(b.digest, b.size)) || (await staging.hasBlob(b.digest, b.size)),
      ...(options.progress ? { progress: options.progress } : {}),
    });
  } finally {
    await pool.close();
  }
  if (report.descriptorDigest !== descriptorDigest) throw new AirlockError('VERIFY_FAILED', `${bundlePath}: the bundle changed while it was being applied`);
  if (!report.ok) {
    throw new AirlockError('VERIFY_FAILED', `${bundlePath}: verification failed; nothing was applied (${report.problems.length} problem(s))`, { details: report.problems });
  }
  // Completeness against the base: the trees below manifests the delta left out.
  if (report.baseRoots.length > 0) {
    const tree = await walkTree(report.baseRoots, { read: async (x) => store.layout.readBlob(x).catch(() => undefined) }, store.root);
    const absent: string[] = [];
    for (const x of tree.blobs) if (!(await store.layout.hasBlob(x.digest, x.size)) && !(await staging.hasBlob(x.digest, x.size))) absent.push(x.digest);
    if (absent.length > 0) {
      throw new AirlockError('INCOMPLETE', `${bundlePath}: the store lacks ${absent.length} blob(s) below the base's manifests`, { details: absent });
    }
  }
  return staging;
}

async function holdsAll(store: Store, d: BundleDescriptor): Promise<boolean> {
  for (const b of d.blobs) if (!(await store.layout.hasBlob(b.digest, b.size))) return false;
  const index = await store.layout.readIndex();
  return d.items.every((it) => index.manifests.some((m) => m.digest === it.digest && m.annotations?.[REF_NAME_ANNOTATION] === it.name));
}

/** Adds the bundle's items to the store's index, replacing entries of the same name. */
export function mergeIndex(index: ImageIndex, d: BundleDescriptor): ImageIndex {
  const names = new Set(d.items.map((i) => i.name));
  const kept = index.manifests.filter((m) => !names.has(m.annotations?.[REF_NAME_ANNOTATION] ?? ''));
  const added: Descriptor[] = d.items.map((i) => ({
    mediaType: i.mediaType,
    digest: i.digest,
    size: i.size,
    ...(i.artifactType ? { artifactType: i.artifactType } : {}),
    annotations: { [REF_NAME_ANNOTATION]: i.name, [ITEM_TYPE_ANNOTATION]: i.type, [BUNDLE_ANNOTATION]: `${d.name}@${d.version}` },
  }));
  return { ...index, manifests: [...kept, ...added] };
}

/** Makes a bundle's vulnerability DB the active one, keeping the previous; one atomic pointer swap. */
async function installVulnDb(store: Store, d: BundleDescriptor, now: Date): Promise<{ active: string; previous?: string } | undefined> {
  const item = d.items.find((i) => i.type === 'vulndb' && i.name === VULNDB_ITEM_NAME) ?? d.items.find((i) => i.type === 'vulndb');
  if (!item) return undefined;
  const manifest = parseManifest(await store.layout.readBlob(item), item.digest);
  const layer = manifest.layers[0];
  if (!layer) throw new AirlockError('VERIFY_FAILED', `vulndb item ${item.name}: manifest has no layer`);
  const current = await store.readVulnDbPointer();
  if (current?.active.digest === layer.digest) return { active: current.active.file, ...(current.previous ? { previous: current.previous.file } : {}) };
  const dir = join(store.root, VULNDB_DIR);
  await mkdirp(dir);
  const file = `${layer.digest.slice('sha256:'.length)}.db`;
  const pool = new BlobPool(1);
  try {
    await fsp.rm(join(dir, `${file}.tmp`), { force: true });
    const r = await pool.copy(store.layout.blobPath(layer.digest), join(dir, `${file}.tmp`), layer.size);
    if (r.digest !== layer.digest) throw new AirlockError('VERIFY_FAILED', `${store.layout.blobPath(layer.digest)}: store blob does not match its digest`);
    await fsp.rename(join(dir, `${file}.tmp`), join(dir, file));
  } finally {
    await pool.close();
  }
  const active = { digest: layer.digest, file, bundle: d.name, version: d.version, installedAt: now.toISOString() };
  await store.writeVulnDbPointer({ active, ...(current ? { previous: current.active } : {}) });
  // Older DBs than the previous one are no longer referenced.
  const keep = new Set([file, current?.active.file]);
  for (const n of await fsp.readdir(dir)) if (n.endsWith('.db') && !keep.has(n)) await fsp.rm(join(dir, n), { force: true });
  return { active: file, ...(current ? { previous: current.active.file } : {}) };
}
