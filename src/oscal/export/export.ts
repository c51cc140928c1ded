/**
 * `airlock oscal export`: builds the documents of the chosen exporters for one framework,
 * validates every one against NIST's schema before any takes its name, each written
 * durably to a temporary file as soon as it is valid (so that only one document is in
 * memory at a time) and renamed into the output folder once all are. Invalid output is a bug
 * in a builder and stops the export with every schema error (exit 1), nothing written.
 *
 * metadata.last-modified comes from the inputs, never from the clock, so the same
 * inputs give byte-identical files. For the content documents (catalog, profile,
 * component definition): the caller's timestamp, else SOURCE_DATE_EPOCH, else the newest
 * modification time of the files they are built from (the control index, the policy
 * folders mapped to the framework, the component index, the evidence signals, the
 * imported catalog record),
 * to the second, in UTC. For the evidence documents (SSP, assessment results, POA&M):
 * the latest collected-at of the records used (the content documents' timestamp when
 * the period holds none).
 *
 * With an evidence store, the period's records that name a control of the framework are
 * read once (in chain order), assessed in one pass (src/evidence/assessment), and kept
 * for the observations; the system description comes from --system, else the shipped
 * example (with a warning).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, ioError } from '../../common/errors.ts';
import { fsyncDir, mkdirp, pathExists, tempName } from '../../common/fsx.ts';
import { collectGarbage } from '../../common/gc.ts';
import { Assessor } from '../../evidence/assessment/index.ts';
import { loadEvidenceSignals, SIGNALS_FILE } from '../../evidence/signals.ts';
import type { EvidenceQuery, EvidenceRecord } from '../../evidence/types.ts';
import { getFramework, type Content } from '../../frameworks/index.ts';
import { CatalogStore, type ImportedCatalog } from '../catalog-store.ts';
import { COMPONENTS_FILE, loadComponentIndex } from '../components.ts';
import { loadDeadlines } from '../deadlines.ts';
import type { JsonObject } from '../document.ts';
import type { OscalVersion } from '../models.ts';
import { loadSystemDescription, SYSTEM_EXAMPLE_FILE } from '../system.ts';
import { validateOscal, type ValidationIssue } from '../validate.ts';
import { CONTENT_EXPORTERS, EXPORTERS, exportHrefs, exporterByName } from './registry.ts';
import { documentChunks } from './common.ts';
import { observe } from './evidence-common.ts';
import type { EvidenceExport, ExportContext, ObservedRecord, OscalExporter } from './types.ts';

/** Where the evidence documents read records from: an open EvidenceStore fits. */
export interface EvidenceSource {
  storeId: string;
  records(q: EvidenceQuery): AsyncIterable<EvidenceRecord>;
  /**
   * Called once the records are read, before the documents are built: closing the
   * store there (and ending the thread that read it, src/evidence/reader-thread.ts)
   * frees the embedded database's memory before the largest documents are built.
   */
  release?(): Promise<void>;
}

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
  /** Exporter names; all when absent (the content documents only, without evidence). */
  documents?: readonly string[];
  /** The evidence store: adds the SSP, the assessment results and the POA&M. */
  evidence?: EvidenceSource;
  /** Bounds on the records' observed-at: a date-time with zone, or a date (from: its start; to: its end, UTC). */
  from?: string;
  to?: string;
  /** system.yaml; default the content's oscal/system.example.yaml, with a warning. */
  system?: string;
  /** Warnings (the example system description is used, ...). */
  warn?: (message: string) => void;
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
  /** Documents not written because the data gives them nothing to hold (a POA&M without open findings). */
  skipped: { name: string; path: string; reason: string; removedOlder: boolean }[];
  evidence?: {
    storeId: string;
    records: number;
    from: string | null;
    to: string | null;
    lastModified: string;
    system: string;
    systemIsExample: boolean;
    controls: { satisfied: number; notSatisfied: number; notAssessed: number };
    openVulnerabilities: number;
  };
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
    join(content.root, SIGNALS_FILE),
    ...content.policies.filter((p) => (p.mappings.get(framework)?.length ?? 0) > 0).map((p) => p.dir),
    ...(recordPath ? [recordPath] : []),
  ];
  return isoSeconds(await newestMtime(inputs));
}

/**
 * Writes a document's text to a temporary file beside `path` (same folder, so a rename
 * later is atomic), flushed, chunk by chunk (an assessment result of 10,000 observations
 * is 28 MiB of text; one buffer of it would be as much again), hashing what it writes.
 * Returns the file, its size and its SHA-256.
 */
async function stageFile(path: string, chunks: Iterable<string>): Promise<{ tmp: string; bytes: number; sha256: string }> {
  const tmp = tempName(path);
  const hash = createHash('sha256');
  let bytes = 0;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', 0o644);
    for (const text of chunks) {
      const chunk = Buffer.from(text, 'utf8');
      hash.update(chunk);
      bytes += chunk.length;
      await fh.write(chunk);
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    return { tmp, bytes, sha256: hash.digest('hex') };
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(path, e, 'write');
  }
}

/** Builds the chosen documents (pure given the context); `doc` is undefined for one with nothing to hold. */
export function buildDocuments(ctx: ExportContext, exporters: readonly OscalExporter[] = EXPORTERS): { exporter: OscalExporter; doc: JsonObject | undefined }[] {
  return exporters.map((exporter) => ({ exporter, doc: exporter.build(ctx) }));
}

/** A period bound as ISO 8601 UTC: a date-time with zone, or a date (the start of the day for `from`, its last millisecond for `to`). */
export function periodBound(value: string, which: 'from' | 'to'): string {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const t = Date.parse(`${v}T00:00:00Z`);
    if (Number.isNaN(t) || !new Date(t).toISOString().startsWith(v)) throw new AirlockError('USAGE', `--${which}: ${JSON.stringify(value)} is not a calendar date`);
    return new Date(which === 'from' ? t : t + 86_400_000 - 1).toISOString();
  }
  return new Date(Date.parse(checkTimestamp(v, `--${which}`))).toISOString();
}

/** Reads the period's records for the framework, assesses them, and loads the system and the deadlines. */
export async function loadEvidence(o: {
  content: Content;
  framework: ExportContext['framework'];
  source: EvidenceSource;
  from?: string;
  to?: string;
  system?: string;
  fallbackLastModified: string;
  warn?: (m: string) => void;
}): Promise<{ evidence: EvidenceExport; systemFile: string; systemIsExample: boolean }> {
  const from = o.from !== undefined ? periodBound(o.from, 'from') : undefined;
  const to = o.to !== undefined ? periodBound(o.to, 'to') : undefined;
  if (from && to && Date.parse(from) > Date.parse(to)) throw new AirlockError('USAGE', `--from ${from} is after --to ${to}`);
  const systemIsExample = o.system === undefined;
  const systemFile = o.system ?? join(o.content.root, SYSTEM_EXAMPLE_FILE);
  const system = await loadSystemDescription(systemFile);
  if (systemIsExample) o.warn?.(`no --system given: the SSP describes the example system of ${systemFile}; copy it, describe your system and pass it with --system`);
  const deadlines = await loadDeadlines(o.content);
  // Every record of the period is read once, assessed as it comes, and kept only as what
  // the documents say of it (its payload goes). The store's control filter (a pattern
  // over each row's controls) costs more than reading the rows, so the framework is picked here.
  const prefix = `${o.framework.id}:`;
  const assessor = new Assessor({
    framework: o.framework,
    period: { ...(from ? { from } : {}), ...(to ? { to } : {}) },
    // Every record a verdict rests on is related in the documents, not only the newest.
    maxEvidencePerItem: Number.POSITIVE_INFINITY,
    maxListedAlerts: 0,
  });
  const records: ObservedRecord[] = [];
  let latest = '';
  for await (const r of o.source.records({ ...(from ? { from } : {}), ...(to ? { to } : {}) })) {
    if (!r.controls.some((c) => c.startsWith(prefix))) continue;
    assessor.add(r);
    records.push(observe(r));
    if (latest === '' || Date.parse(r.collectedAt) > Date.parse(latest)) latest = r.collectedAt;
  }
  // Everything is read: the store's memory goes before the documents are built.
  await o.source.release?.();
  const lastModified = latest === '' ? o.fallbackLastModified : latest;
  const assessment = assessor.finish(lastModified);
  return {
    evidence: {
      records,
      byId: new Map(records.map((r) => [r.id, r])),
      assessment,
      period: { ...(from ? { from } : {}), ...(to ? { to } : {}) },
      lastModified,
      storeId: o.source.storeId,
      system,
      deadlines,
    },
    systemFile,
    systemIsExample,
  };
}

export async function exportFramework(options: ExportOptions): Promise<ExportResult> {
  const fw = getFramework(options.content, options.framework);
  const components = await loadComponentIndex(options.content);
  const signals = await loadEvidenceSignals(options.content.root, options.content.frameworks);
  let official: ImportedCatalog | undefined;
  let recordPath: string | undefined;
  if (options.store) {
    const store = new CatalogStore(options.store);
    official = await store.readRecord(fw.id);
    if (official) recordPath = store.recordPath(fw.id);
  }
  const lastModified = options.lastModified !== undefined ? checkTimestamp(options.lastModified, '--last-modified') : await inputTimestamp(options.content, fw.id, recordPath);
  const exporters = options.documents ? options.documents.map(exporterByName) : options.evidence ? EXPORTERS : CONTENT_EXPORTERS;
  if (!options.evidence) {
    const needs = exporters.filter((e) => e.fromEvidence);
    if (needs.length > 0) throw new AirlockError('USAGE', `${needs.map((e) => e.fileName).join(', ')}: built from evidence; give the evidence store (--evidence DIR)`);
    if (options.from !== undefined || options.to !== undefined || options.system !== undefined) throw new AirlockError('USAGE', '--from, --to and --system select and describe evidence; give the evidence store (--evidence DIR)');
  }
  // Evidence is read only for the documents built from it.
  const loaded = options.evidence && exporters.some((e) => e.fromEvidence)
    ? await loadEvidence({
        content: options.content,
        framework: fw,
        source: options.evidence,
        ...(options.from !== undefined ? { from: options.from } : {}),
        ...(options.to !== undefined ? { to: options.to } : {}),
        ...(options.system !== undefined ? { system: options.system } : {}),
        fallbackLastModified: lastModified,
        ...(options.warn ? { warn: options.warn } : {}),
      })
    : undefined;
  const ctx: ExportContext = {
    content: options.content,
    framework: fw,
    components,
    signals,
    ...(official ? { official } : {}),
    oscalVersion: options.oscalVersion,
    lastModified,
    producer: options.producer,
    hrefs: exportHrefs(),
    ...(loaded ? { evidence: loaded.evidence } : {}),
  };
  // One document at a time: built, validated, serialised into a temporary file beside
  // its final name, and dropped, so that memory holds one document, not all of them.
  // Only when every document is valid do the temporary files take their names; on any
  // problem they are removed (and the output folder too, when this export created it).
  const existed = await pathExists(options.out);
  const staged: { exporter: OscalExporter; path: string; tmp?: string; bytes: number; sha256: string }[] = [];
  const problems: string[] = [];
  const discard = async (): Promise<void> => {
    for (const st of staged) if (st.tmp) await fsp.rm(st.tmp, { force: true }).catch(() => undefined);
    if (!existed) await fsp.rmdir(options.out).catch(() => undefined);
  };
  try {
    for (const exporter of exporters) {
      const path = join(options.out, exporter.fileName);
      // The previous document is garbage now; collect it before building the next (src/common/gc.ts).
      if (staged.length > 0) collectGarbage();
      const doc = exporter.build(ctx);
      if (!doc) {
        staged.push({ exporter, path, bytes: 0, sha256: '' });
        continue;
      }
      const r = await validateOscal(doc, exporter.model, options.oscalVersion, { schemaDir: options.schemaDir, maxErrors: 20 });
      if (!r.valid) problems.push(...r.errors.map((e: ValidationIssue) => `${exporter.fileName}: ${e.pointer || '/'}: ${e.message}`));
      if (problems.length > 0) continue;
      await mkdirp(options.out);
      staged.push({ exporter, path, ...(await stageFile(path, documentChunks(doc))) });
    }
  } catch (e) {
    await discard();
    throw e;
  }
  if (problems.length > 0) {
    await discard();
    throw new AirlockError('CHECK_FAILED', `${fw.id}: the exported OSCAL ${options.oscalVersion} documents are not valid: ${problems[0]}`, { details: problems });
  }

  await mkdirp(options.out);
  const files: ExportedFile[] = [];
  const skipped: ExportResult['skipped'] = [];
  try {
    for (const st of staged) {
      const { exporter, path } = st;
      if (!st.tmp) {
        let removedOlder = false;
        try {
          await fsp.unlink(path);
          removedOlder = true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(path, e, 'remove');
        }
        skipped.push({ name: exporter.name, path, reason: exporter.emptyReason ?? 'nothing to export', removedOlder });
        continue;
      }
      try {
        await fsp.rename(st.tmp, path);
      } catch (e) {
        throw ioError(path, e, 'write');
      }
      st.tmp = undefined;
      files.push({ name: exporter.name, model: exporter.model, path, bytes: st.bytes, sha256: st.sha256 });
    }
    await fsyncDir(options.out);
  } catch (e) {
    for (const st of staged) if (st.tmp) await fsp.rm(st.tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  return {
    framework: fw.id,
    oscalVersion: options.oscalVersion,
    lastModified,
    ...(official ? { official: { file: official.source.file, sha256: official.source.sha256, found: official.controls.length, missing: official.missing.length } } : {}),
    files,
    skipped,
    ...(loaded
      ? {
          evidence: {
            storeId: loaded.evidence.storeId,
            records: loaded.evidence.records.length,
            from: loaded.evidence.period.from ?? null,
            to: loaded.evidence.period.to ?? null,
            lastModified: loaded.evidence.lastModified,
            system: loaded.systemFile,
            systemIsExample: loaded.systemIsExample,
            controls: {
              satisfied: loaded.evidence.assessment.totals.satisfied,
              notSatisfied: loaded.evidence.assessment.totals['not-satisfied'],
              notAssessed: loaded.evidence.assessment.totals['not-assessed'],
            },
            openVulnerabilities: loaded.evidence.assessment.vulnerabilities.findings.length,
          },
        }
      : {}),
  };
}
