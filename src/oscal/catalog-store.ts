/**
 * Imported OSCAL catalogs in an Airlock data folder (the `--store` folder that bundles
 * are applied to; it is created when missing). Layout, beside the store's own files:
 *
 *   oscal/sources/<sha256>.json     every OSCAL file an import read, byte for byte
 *   oscal/sources/index.json        what each of them is: file name, model, title, version
 *   oscal/catalogs/<framework>.json the official text of one framework's controls
 *
 * Sources are written first and the framework record last, each atomically, so an
 * interrupted import leaves the previous record in place. Everything read back is
 * checked again (schema of the record, digest of a source) because the folder is as
 * hostile as any other input.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { mkdirp, pathExists, readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { jsonBytes, parseJsonStrict } from '../common/json.ts';
import { FRAMEWORK_ID } from '../frameworks/index.ts';
import { MAX_OSCAL_BYTES } from './document.ts';
import { OSCAL_VERSIONS } from './models.ts';
import { officialControlSchema } from './official.ts';

export const STORE_ENV = 'AIRLOCK_STORE';
export const OSCAL_DIR = 'oscal';
const MAX_RECORD_BYTES = 32 * 1024 * 1024;
const MAX_SOURCES = 1000;

const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/);

const sourceEntrySchema = z
  .object({
    sha256: sha256Hex,
    /** The file name it was imported from (no folder). */
    file: z.string().min(1).max(255),
    model: z.enum(['catalog', 'profile']),
    title: z.string().max(2000),
    version: z.string().max(200),
    oscalVersion: z.string().max(64),
  })
  .strict();
export type StoredSource = z.infer<typeof sourceEntrySchema>;

const sourceIndexSchema = z.object({ apiVersion: z.literal('airlock.dev/v1alpha1'), kind: z.literal('OscalSources'), sources: z.array(sourceEntrySchema).max(MAX_SOURCES) }).strict();

export const importedCatalogSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('ImportedCatalog'),
    framework: z.string().regex(FRAMEWORK_ID),
    source: z
      .object({
        file: z.string().min(1).max(255),
        sha256: sha256Hex,
        model: z.enum(['catalog', 'profile']),
        uuid: z.string().max(64),
        title: z.string().max(2000),
        version: z.string().max(200),
        lastModified: z.string().max(64),
        oscalVersion: z.string().max(64),
        schemaVersion: z.enum(OSCAL_VERSIONS),
      })
      .strict(),
    /** For a profile: what was read to resolve it and what its modifications did. */
    resolution: z
      .object({
        sources: z.array(z.object({ file: z.string().max(255), sha256: sha256Hex }).strict()).max(32),
        selected: z.number().int().min(0),
        setParameters: z.object({ applied: z.number().int().min(0), unmatched: z.number().int().min(0) }).strict(),
        alters: z.object({ adds: z.number().int().min(0), removes: z.number().int().min(0), unmatched: z.number().int().min(0), unsupported: z.number().int().min(0) }).strict(),
      })
      .strict()
      .optional(),
    controls: z.array(officialControlSchema).max(5000),
    missing: z.array(z.string().max(64)).max(5000),
  })
  .strict();
export type ImportedCatalog = z.infer<typeof importedCatalogSchema>;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class CatalogStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  private get sourcesDir(): string {
    return join(this.root, OSCAL_DIR, 'sources');
  }
  private get catalogsDir(): string {
    return join(this.root, OSCAL_DIR, 'catalogs');
  }
  recordPath(framework: string): string {
    if (!FRAMEWORK_ID.test(framework)) throw new AirlockError('USAGE', `${JSON.stringify(framework)} is not a framework id`);
    return join(this.catalogsDir, `${framework}.json`);
  }

  async listSources(): Promise<StoredSource[]> {
    const path = join(this.sourcesDir, 'index.json');
    if (!(await pathExists(path))) return [];
    const r = sourceIndexSchema.safeParse(parseJsonStrict(await readFileBounded(path, MAX_RECORD_BYTES, 'source index'), path));
    if (!r.success) throw new AirlockError('BAD_INPUT', `${path}: damaged source index (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`);
    return r.data.sources;
  }

  /** The bytes of a stored source, checked against its digest. */
  async readSource(entry: StoredSource): Promise<{ bytes: Buffer; path: string }> {
    const path = join(this.sourcesDir, `${entry.sha256}.json`);
    const bytes = await readFileBounded(path, MAX_OSCAL_BYTES, 'OSCAL source');
    if (sha256(bytes) !== entry.sha256) throw new AirlockError('VERIFY_FAILED', `${path}: content does not match its sha256; the store is damaged`);
    return { bytes, path };
  }

  /** Stores source files (deduplicated by digest) and updates the index. */
  async addSources(items: readonly { bytes: Uint8Array; entry: StoredSource }[]): Promise<void> {
    await mkdirp(this.sourcesDir);
    const index = await this.listSources();
    for (const { bytes, entry } of items) {
      const path = join(this.sourcesDir, `${entry.sha256}.json`);
      if (!(await pathExists(path))) await writeFileAtomic(path, bytes);
      const at = index.findIndex((e) => e.sha256 === entry.sha256);
      if (at >= 0) index[at] = entry;
      else index.push(entry);
    }
    if (index.length > MAX_SOURCES) throw new AirlockError('BAD_INPUT', `${this.sourcesDir}: more than ${MAX_SOURCES} sources`);
    index.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.sha256 < b.sha256 ? -1 : 1));
    await writeFileAtomic(join(this.sourcesDir, 'index.json'), jsonBytes({ apiVersion: 'airlock.dev/v1alpha1', kind: 'OscalSources', sources: index }));
  }

  async writeRecord(record: ImportedCatalog): Promise<string> {
    const path = this.recordPath(record.framework);
    await mkdirp(this.catalogsDir);
    await writeFileAtomic(path, jsonBytes(importedCatalogSchema.parse(record)));
    return path;
  }

  /** The imported official text of a framework, or undefined when none was imported. */
  async readRecord(framework: string): Promise<ImportedCatalog | undefined> {
    const path = this.recordPath(framework);
    if (!(await pathExists(path))) return undefined;
    const r = importedCatalogSchema.safeParse(parseJsonStrict(await readFileBounded(path, MAX_RECORD_BYTES, 'imported catalog'), path));
    if (!r.success) throw new AirlockError('BAD_INPUT', `${path}: damaged imported catalog (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''}); import it again`);
    if (r.data.framework !== framework) throw new AirlockError('BAD_INPUT', `${path}: holds framework ${r.data.framework}, not ${framework}`);
    return r.data;
  }
}
