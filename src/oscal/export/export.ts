/**
 * `airlock oscal export`: builds the documents of the chosen exporters for one framework,
 * validates every one against NIST's schema before writing any, then writes each
 * atomically (temp file, fsync, rename) into the output folder. Invalid output is a bug
 * in a builder and stops the export with every schema error (exit 1), nothing written.
 *
 * metadata.last-modified comes from the inputs, never from the clock, so the same
 * inputs give byte-identical files: the caller's timestamp, else SOURCE_DATE_EPOCH, else
 * the newest modification time of the files the documents are built from (the control
 * index, the policy folders mapped to the framework, the component index, the imported
 * catalog record), to the second, in UTC.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, ioError } from '../../common/errors.ts';
import { mkdirp, writeFileAtomic } from '../../common/fsx.ts';
import { jsonBytes } from '../../common/json.ts';
import { getFramework, type Content } from '../../frameworks/index.ts';
import { CatalogStore, type ImportedCatalog } from '../catalog-store.ts';
import { COMPONENTS_FILE, loadComponentIndex } from '../components.ts';
import type { JsonObject } from '../document.ts';
import type { OscalVersion } from '../models.ts';
import { validateOscal, type ValidationIssue } from '../validate.ts';
import { EXPORTERS, exportHrefs, exporterByName } from './registry.ts';
import type { ExportContext, OscalExporter } from './types.ts';

export interface ExportOptions {
  content: Content;
  framework: string;
  out: string;
  oscalVersion: OscalVersion;
  producer: { name: string; version: string };
  /** ISO 8601 with zone; see the header for the default. */
  lastModified?: string;
  /** Airlock data folder with imported catalogs (official control text). */
  store?: string;
  schemaDir?: string;
  /** Exporter names; all when absent. */
  documents?: readonly string[];
}

export interface ExportedFile {
  name: string;
  model: string;
  path: string;
  bytes: number;
  sha256: string;
}

export interface ExportResult {
  framework: string;
  oscalVersion: OscalVersion;
  lastModified: string;
  /** The imported catalog whose text the documents carry, if any. */
  official?: { file: string; sha256: string; found: number; missing: number };
  files: ExportedFile[];
}

const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function checkTimestamp(value: string, what: string): string {
  if (!DATE_TIME_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new AirlockError('USAGE', `${what}: ${JSON.stringify(value)} is not a date-time with a time zone (for example 2025-01-31T12:00:00Z)`);
  }
  return value;
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

async function newestMtime(paths: readonly string[]): Promise<number> {
  let newest = 0;
  for (const p of paths) {
    try {
      const st = await fsp.stat(p);
      if (st.mtimeMs > newest) newest = st.mtimeMs;
      if (st.isDirectory()) {
        for (const f of await fsp.readdir(p)) {
          const s = await fsp.stat(join(p, f));
          if (s.mtimeMs > newest) newest = s.mtimeMs;
        }
      }
    } catch (e) {
      throw ioError(p, e);
    }
  }
  return newest;
}

/** The default last-modified of an export (see the header). */
export async function inputTimestamp(content: Content, framework: string, recordPath: string | undefined): Promise<string> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch.trim() !== '') {
    if (!/^\d{1,12}$/.test(epoch.trim())) throw new AirlockError('USAGE', `SOURCE_DATE_EPOCH: ${JSON.stringify(epoch)} is not a number of seconds`);
    return isoSeconds(Number(epoch.trim()) * 1000);
  }
  const inputs = [
    join(content.root, 'frameworks', `${framework}.yaml`),
    join(content.root, COMPONENTS_FILE),
    ...content.policies.filter((p) => (p.mappings.get(framework)?.length ?? 0) > 0).map((p) => p.dir),
    ...(recordPath ? [recordPath] : []),
  ];
  return isoSeconds(await newestMtime(inputs));
}

/** Builds the chosen documents (pure given the context). */
export function buildDocuments(ctx: ExportContext, exporters: readonly OscalExporter[] = EXPORTERS): { exporter: OscalExporter; doc: JsonObject }[] {
  return exporters.map((exporter) => ({ exporter, doc: exporter.build(ctx) }));
}

export async function exportFramework(options: ExportOptions): Promise<ExportResult> {
  const fw = getFramework(options.content, options.framework);
  const components = await loadComponentIndex(options.content);
  let official: ImportedCatalog | undefined;
  let recordPath: string | undefined;
  if (options.store) {
    const store = new CatalogStore(options.store);
    official = await store.readRecord(fw.id);
    if (official) recordPath = store.recordPath(fw.id);
  }
  const lastModified = options.lastModified !== undefined ? checkTimestamp(options.lastModified, '--last-modified') : await inputTimestamp(options.content, fw.id, recordPath);
  const ctx: ExportContext = {
    content: options.content,
    framework: fw,
    components,
    ...(official ? { official } : {}),
    oscalVersion: options.oscalVersion,
    lastModified,
    producer: options.producer,
    hrefs: exportHrefs(),
  };
  const exporters = options.documents ? options.documents.map(exporterByName) : EXPORTERS;
  const built = buildDocuments(ctx, exporters);

  const problems: string[] = [];
  for (const { exporter, doc } of built) {
    const r = await validateOscal(doc, exporter.model, options.oscalVersion, { schemaDir: options.schemaDir, maxErrors: 20 });
    if (!r.valid) problems.push(...r.errors.map((e: ValidationIssue) => `${exporter.fileName}: ${e.pointer || '/'}: ${e.message}`));
  }
  if (problems.length > 0) {
    throw new AirlockError('CHECK_FAILED', `${fw.id}: the exported OSCAL ${options.oscalVersion} documents are not valid: ${problems[0]}`, { details: problems });
  }

  await mkdirp(options.out);
  const files: ExportedFile[] = [];
  for (const { exporter, doc } of built) {
    const bytes = jsonBytes(doc);
    const path = join(options.out, exporter.fileName);
    await writeFileAtomic(path, bytes);
    files.push({ name: exporter.name, model: exporter.model, path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return {
    framework: fw.id,
    oscalVersion: options.oscalVersion,
    lastModified,
    ...(official ? { official: { file: official.source.file, sha256: official.source.sha256, found: official.controls.length, missing: official.missing.length } } : {}),
    files,
  };
}
