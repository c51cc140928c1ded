/**
 * The high-side store: an OCI image layout that every applied bundle's content lands in,
 * a state file recording the last applied sequence per channel (anti-rollback) and the
 * history of applies, the active and previous vulnerability DB, and a lock so that two
 * applies never interleave. Everything is written temp-then-rename; the index and the
 * state are written last, so a kill -9 at any moment leaves a valid store.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { pathExists, readFileBounded, writeFileAtomic, mkdirp } from '../common/fsx.ts';
import { jsonBytes, parseJsonStrict } from '../common/json.ts';
import { takeDirLock, type Unlock } from '../common/lock.ts';
import { OciLayout } from '../oci/layout.ts';

export const STATE_FILE = 'airlock-state.json';
export const LOCK_FILE = '.lock';
export const STAGING_DIR = '.staging';
export const VULNDB_DIR = 'vulndb';
export const VULNDB_CURRENT = 'current.json';

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const Applied = z
  .object({
    name: z.string(),
    version: z.string(),
    sequence: z.number().int().positive(),
    descriptorDigest: digest,
    keyId: z.string(),
    appliedAt: z.string(),
    downgrade: z.boolean().optional(),
    /** The highest sequence ever applied on the channel, when above the current one. */
    highWater: z.number().int().positive().optional(),
  })
  .strict();

const StateSchema = z
  .object({
    schemaVersion: z.literal(1),
    channels: z.record(z.string(), Applied),
    history: z.array(Applied.extend({ channel: z.string() })),
  })
  .strict();

export type StoreState = z.infer<typeof StateSchema>;
export type AppliedRecord = z.infer<typeof Applied>;

const VulnDbRecord = z.object({ digest, file: z.string().regex(/^[a-f0-9]{64}\.db$/), bundle: z.string(), version: z.string(), installedAt: z.string() }).strict();
const VulnDbCurrent = z.object({ active: VulnDbRecord, previous: VulnDbRecord.optional() }).strict();
export type VulnDbPointer = z.infer<typeof VulnDbCurrent>;

export class Store {
  readonly root: string;
  readonly layout: OciLayout;

  private constructor(root: string, layout: OciLayout) {
    this.root = root;
    this.layout = layout;
  }

  static async open(root: string, { create }: { create: boolean }): Promise<Store> {
    if (!create && !(await pathExists(join(root, 'oci-layout')))) {
      throw new AirlockError('NOT_FOUND', `${root}: no Airlock store here (apply a bundle with --store to create one)`);
    }
    const layout = await OciLayout.openOrCreate(root);
    return new Store(root, layout);
  }

  async readState(): Promise<StoreState> {
    const path = join(this.root, STATE_FILE);
    if (!(await pathExists(path))) return { schemaVersion: 1, channels: {}, history: [] };
    const r = StateSchema.safeParse(parseJsonStrict(await readFileBounded(path, 64 * 1024 * 1024, 'state'), path));
    if (!r.success) {
      // Never reset anti-rollback state silently: a damaged state file stops every apply.
      throw new AirlockError('BAD_INPUT', `${path}: damaged store state (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''}); restore it from backup`);
    }
    return r.data;
  }

  async writeState(state: StoreState): Promise<void> {
    await writeFileAtomic(join(this.root, STATE_FILE), jsonBytes(state));
  }

  /** Takes the store's lock; a lock left by a process that no longer runs is taken over. */
  lock(): Promise<Unlock> {
    return takeDirLock(this.root, LOCK_FILE, 'applying to this store');
  }

  stagingPath(descriptorDigest: string): string {
    return join(this.root, STAGING_DIR, descriptorDigest.slice('sha256:'.length));
  }

  /** Removes staging folders of other bundles (left by an interrupted apply). */
  async pruneStaging(keep?: string): Promise<void> {
    const dir = join(this.root, STAGING_DIR);
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const n of names) if (join(dir, n) !== keep) await fsp.rm(join(dir, n), { recursive: true, force: true });
  }

  async readVulnDbPointer(): Promise<VulnDbPointer | undefined> {
    const path = join(this.root, VULNDB_DIR, VULNDB_CURRENT);
    if (!(await pathExists(path))) return undefined;
    const r = VulnDbCurrent.safeParse(parseJsonStrict(await readFileBounded(path, 1 << 20, 'vulndb pointer'), path));
    if (!r.success) throw new AirlockError('BAD_INPUT', `${path}: damaged vulnerability DB pointer`);
    return r.data;
  }

  async writeVulnDbPointer(p: VulnDbPointer): Promise<void> {
    await mkdirp(join(this.root, VULNDB_DIR));
    await writeFileAtomic(join(this.root, VULNDB_DIR, VULNDB_CURRENT), jsonBytes(p));
  }
}


/** The path of the active vulnerability DB in a store, for `scan --store`. */
export async function activeVulnDbPath(root: string): Promise<string> {
  const store = await Store.open(root, { create: false });
  const p = await store.readVulnDbPointer();
  if (!p) throw new AirlockError('NOT_FOUND', `${root}: no vulnerability DB has been applied to this store`);
  return join(root, VULNDB_DIR, p.active.file);
}
