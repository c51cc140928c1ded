/**
 * Builds vuln.db from OSV sources (and optional NVD feeds). Entries are streamed from the
 * sources into batches; parser threads (parse-pool.ts) turn each batch into SQL values
 * while this thread reads on and writes the batches that are back, in the order they were
 * read, one transaction each. At most two batches per thread are in flight, so memory
 * stays flat however large the corpus. Bad records are counted and listed by id, never
 * abort the build. The DB is written to a temporary file beside the output and renamed
 * into place only when complete, so the output path never holds a half-built DB.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError, ioError } from '../common/errors.ts';
import { fsyncDir } from '../common/fsx.ts';
import { silentProgress, type Progress } from '../common/progress.ts';
import { parseNvdDocument, type NvdCvss } from './nvd.ts';
import { BatchBuilder, EntryStatus, parseBatch, SHAPE_STRIDE, type ParsedBatch } from './parse-batch.ts';
import { defaultParserThreads, ParsePool } from './parse-pool.ts';
import { ADVISORY_VALUES, AFFECTED_VALUES, type SqlValue } from './rows.ts';
import { DEFAULT_LIMITS, readSource, type SourceLimits } from './sources.ts';
import { INDEX_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.ts';

export interface BuildOptions {
  osv: string[];
  nvd?: string[];
  output: string;
  progress?: Progress;
  /** Build time recorded in the DB (defaults to now). */
  now?: Date;
  /** Records per batch handed to a parser thread (and per transaction). */
  batchSize?: number;
  /** Parser threads; 0 parses on the calling thread. Defaults to the cores left over, at least one. */
  parserThreads?: number;
  limits?: SourceLimits;
  /** How many bad records the report lists (all are kept in the DB's bad_record table). */
  maxListedBad?: number;
}

export interface BadRecord {
  source: string;
  entry: string;
  id?: string;
  error: string;
}

export interface SourceSummary {
  path: string;
  kind: 'osv' | 'nvd';
  records: number;
  bad: number;
  /** OSV: records per base ecosystem (a record naming two ecosystems counts in both). */
  ecosystems: Record<string, number>;
}

export interface BuildReport {
  output: string;
  schemaVersion: number;
  builtAt: string;
  advisories: number;
  withdrawn: number;
  /** Records whose id was already imported; the newer (by `modified`) is kept. */
  duplicates: number;
  nvdCves: number;
  badCount: number;
  bad: BadRecord[];
  sources: SourceSummary[];
  durationMs: number;
}

const MAX_BAD_ROWS = 100_000;
/** A batch is also cut at this many bytes of entries, so that large records do not make large batches. */
const BATCH_BYTES = 1024 * 1024;

export async function buildVulnDb(options: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const output = resolve(options.output);
  const progress = options.progress ?? silentProgress;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const maxListed = options.maxListedBad ?? 1000;
  if (options.osv.length === 0) throw new AirlockError('USAGE', 'give at least one --osv source');
  const tmp = join(dirname(output), `.${basename(output)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let db: Database.Database | undefined;
  try {
    try {
      db = new Database(tmp);
    } catch (e) {
      throw ioError(tmp, e, 'create database');
    }
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(SCHEMA_SQL);
    const report = await load(db, options, output, progress, batchSize, maxListed);
    db.exec(INDEX_SQL);
    // Statistics for the query planner from a sample of each index: exact counts are not needed, and a full scan grows with the DB.
    db.pragma('analysis_limit = 1000');
    db.exec('ANALYZE');
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    meta.run('schema_version', String(SCHEMA_VERSION));
    meta.run('built_at', report.builtAt);
    meta.run('sources', JSON.stringify(report.sources));
    meta.run('counts', JSON.stringify({ advisories: report.advisories, withdrawn: report.withdrawn, duplicates: report.duplicates, bad: report.badCount, nvdCves: report.nvdCves }));
    db.close();
    db = undefined;
    try {
      // SQLite wrote without syncing (fast import); the file is made durable once, before it gets its name.
      const fh = await fsp.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, output);
      await fsyncDir(dirname(output));
    } catch (e) {
      throw ioError(output, e, 'write database');
    }
    report.durationMs = Date.now() - started;
    return report;
  } finally {
    db?.close();
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** A batch handed to the parser threads, in submission order; `result`/`error` once it is back. */
interface InFlight {
  source: number;
  names: string[];
  settled: Promise<void>;
  result?: ParsedBatch;
  error?: unknown;
}

async function load(db: Database.Database, options: BuildOptions, output: string, progress: Progress, batchSize: number, maxListed: number): Promise<BuildReport> {
  const findAdvisory = db.prepare<[string], { rowid: number; modified: string | null }>('SELECT rowid, modified FROM advisory WHERE id = ?');
  const deleteAdvisory = db.prepare('DELETE FROM advisory WHERE rowid = ?');
  const deleteAffected = db.prepare('DELETE FROM affected WHERE advisory = ?');
  const deleteAliases = db.prepare('DELETE FROM alias WHERE advisory = ?');
  const insertAdvisory = db.prepare(
    'INSERT INTO advisory (id, modified, published, withdrawn, aliases, upstream, summary, severity, text_severity, refs, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const insertAlias = db.prepare('INSERT OR IGNORE INTO alias (advisory, alias) VALUES (?, ?)');
  const insertAffected = db.prepare('INSERT INTO affected (advisory, eco_base, eco_release, name_key, ecosystem, name, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertBad = db.prepare('INSERT INTO bad_record (source, entry, id, error) VALUES (?, ?, ?, ?)');
  const upsertNvd = db.prepare('INSERT INTO nvd_cvss (cve, vectors) VALUES (?, ?) ON CONFLICT (cve) DO UPDATE SET vectors = excluded.vectors');

  const report: BuildReport = {
    output,
    schemaVersion: SCHEMA_VERSION,
    builtAt: (options.now ?? new Date()).toISOString(),
    advisories: 0,
    withdrawn: 0,
    duplicates: 0,
    nvdCves: 0,
    badCount: 0,
    bad: [],
    sources: [],
    durationMs: 0,
  };

  const addBad = (b: BadRecord): void => {
    report.badCount++;
    if (report.bad.length < maxListed) report.bad.push(b);
    if (report.badCount <= MAX_BAD_ROWS) insertBad.run(b.source, b.entry, b.id ?? null, b.error);
  };

  /** Inserts one parsed advisory (values as rows.ts lays them out, from `at`); a known id is kept unless this one is newer. */
  const insert = (v: SqlValue[], at: number, aliases: number, affected: number, source: string): void => {
    const add = (): Database.RunResult => insertAdvisory.run(v[at], v[at + 1], v[at + 2], v[at + 3], v[at + 4], v[at + 5], v[at + 6], v[at + 7], v[at + 8], v[at + 9], source);
    let info = add();
    if (info.changes === 0) {
      report.duplicates++;
      const existing = findAdvisory.get(v[at] as string);
      if (!existing || (v[at + 1] ?? '') <= (existing.modified ?? '')) return;
      deleteAffected.run(existing.rowid);
      deleteAliases.run(existing.rowid);
      deleteAdvisory.run(existing.rowid);
      info = add();
    }
    const rowid = info.lastInsertRowid;
    let i = at + ADVISORY_VALUES;
    for (const end = i + aliases; i < end; i++) insertAlias.run(rowid, v[i]);
    for (let k = 0; k < affected; k++, i += AFFECTED_VALUES) insertAffected.run(rowid, v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5]);
  };

  /** Writes one parsed batch (one transaction) and counts it in its source's summary. */
  const apply = db.transaction((batch: ParsedBatch, names: string[], source: SourceSummary) => {
    const { shape, values } = batch;
    let v = 0;
    for (let e = 0; e < names.length; e++) {
      const at = e * SHAPE_STRIDE;
      const status = shape[at];
      if (status === EntryStatus.Fatal) throw new AirlockError('BAD_INPUT', values[v] ?? `${names[e]}: unreadable entry`);
      if (status === EntryStatus.Bad) {
        source.bad++;
        addBad({ source: source.path, entry: names[e] as string, id: values[v] ?? undefined, error: values[v + 1] ?? 'unreadable record' });
        v += 2;
        continue;
      }
      const aliases = shape[at + 1] as number;
      const affected = shape[at + 2] as number;
      const bases = shape[at + 3] as number;
      source.records++;
      insert(values, v, aliases, affected, source.path);
      v += ADVISORY_VALUES + aliases + affected * AFFECTED_VALUES;
      for (const end = v + bases; v < end; v++) {
        const eco = values[v] as string;
        source.ecosystems[eco] = (source.ecosystems[eco] ?? 0) + 1;
      }
    }
  });

  progress.start('importing OSV records', 0);
  const threads = options.parserThreads ?? defaultParserThreads();
  let pool: ParsePool | undefined;
  const window: InFlight[] = [];
  const maxInFlight = Math.max(2, threads * 2);
  let seq = 0;
  const settle = (f: InFlight): void => {
    if (f.error !== undefined) throw f.error;
    apply(f.result as ParsedBatch, f.names, report.sources[f.source] as SourceSummary);
    progress.advance(f.names.length);
  };
  /** `full`: cut because the batch is full (so more may follow), not because a source ended. */
  const submit = async (builder: BatchBuilder, source: number, full: boolean): Promise<void> => {
    if (builder.count === 0) return;
    const batch = builder.take(seq++);
    const f: InFlight = { source, names: batch.names, settled: Promise.resolve() };
    // Threads start with the first full batch: a small build is parsed here, sparing their start-up.
    if (threads === 0 || (!pool && !full)) {
      f.result = parseBatch(batch);
    } else {
      pool ??= new ParsePool(threads);
      f.settled = pool.parse(batch).then(
        (r) => void (f.result = r),
        (e: unknown) => void (f.error = e),
      );
    }
    window.push(f);
    // Batches are written in the order they were read, so the DB does not depend on thread timing.
    while (window.length > 0 && ((window[0] as InFlight).result !== undefined || (window[0] as InFlight).error !== undefined || window.length >= maxInFlight)) {
      const head = window.shift() as InFlight;
      await head.settled;
      settle(head);
    }
  };
  try {
    for (const path of options.osv) {
      const source = report.sources.push({ path, kind: 'osv', records: 0, bad: 0, ecosystems: {} }) - 1;
      const builder = new BatchBuilder();
      for await (const entry of readSource(path, options.limits ?? DEFAULT_LIMITS, { inflate: false })) {
        builder.add(entry);
        if (builder.count >= batchSize || builder.byteLength >= BATCH_BYTES) await submit(builder, source, true);
      }
      await submit(builder, source, false);
    }
    while (window.length > 0) {
      const head = window.shift() as InFlight;
      await head.settled;
      settle(head);
    }
  } finally {
    await pool?.close();
  }

  const nvdBatch = db.transaction((items: NvdCvss[]) => {
    for (const item of items) upsertNvd.run(item.cve, JSON.stringify(item.vectors));
  });
  for (const path of options.nvd ?? []) {
    const summary: SourceSummary = { path, kind: 'nvd', records: 0, bad: 0, ecosystems: {} };
    report.sources.push(summary);
    const limits = { ...(options.limits ?? DEFAULT_LIMITS), maxEntryBytes: 1024 * 1024 * 1024 };
    for await (const entry of readSource(path, limits)) {
      if (entry.kind !== 'file') {
        summary.bad++;
        addBad({ source: path, entry: entry.name, error: `${entry.name}: ${entry.kind === 'skipped' ? entry.reason : 'not inflated'}` });
        continue;
      }
      let items: NvdCvss[];
      try {
        items = parseNvdDocument(entry.data, entry.name);
      } catch (e) {
        summary.bad++;
        addBad({ source: path, entry: entry.name, error: e instanceof AirlockError ? e.message : `${entry.name}: ${(e as Error).message}` });
        continue;
      }
      summary.records += items.length;
      for (let i = 0; i < items.length; i += batchSize) nvdBatch(items.slice(i, i + batchSize));
    }
  }
  progress.stop();
  report.withdrawn = (db.prepare('SELECT count(*) AS n FROM advisory WHERE withdrawn IS NOT NULL').get() as { n: number }).n;
  report.advisories = (db.prepare('SELECT count(*) AS n FROM advisory').get() as { n: number }).n;
  report.nvdCves = (db.prepare('SELECT count(*) AS n FROM nvd_cvss').get() as { n: number }).n;
  return report;
}
