/**
 * Builds vuln.db from OSV sources (and optional NVD feeds): records are streamed one at
 * a time and inserted in batches, one transaction per batch, so memory stays flat however
 * large the corpus. Bad records are counted and listed by id, never abort the build. The
 * DB is written to a temporary file beside the output and renamed into place only when
 * complete, so the output path never holds a half-built DB.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError, ioError } from '../common/errors.ts';
import { fsyncDir } from '../common/fsx.ts';
import { silentProgress, type Progress } from '../common/progress.ts';
import { parseOsvRecord } from './osv.ts';
import { parseNvdDocument } from './nvd.ts';
import { packageKey, splitEcosystem } from './names.ts';
import { DEFAULT_LIMITS, readSource, type SourceLimits } from './sources.ts';
import { countEcosystems, INDEX_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.ts';
import type { Advisory } from './types.ts';

export interface BuildOptions {
  osv: string[];
  nvd?: string[];
  output: string;
  progress?: Progress;
  /** Build time recorded in the DB (defaults to now). */
  now?: Date;
  batchSize?: number;
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

export async function buildVulnDb(options: BuildOptions): Promise<BuildReport> {
  const started = Date.now();
  const output = resolve(options.output);
  const progress = options.progress ?? silentProgress;
  const batchSize = options.batchSize ?? 2000;
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
    db.exec(SCHEMA_SQL);
    const report = await load(db, options, output, progress, batchSize, maxListed);
    db.exec(INDEX_SQL);
    db.exec('ANALYZE');
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    meta.run('schema_version', String(SCHEMA_VERSION));
    meta.run('built_at', report.builtAt);
    meta.run('sources', JSON.stringify(report.sources));
    meta.run('counts', JSON.stringify({ advisories: report.advisories, withdrawn: report.withdrawn, duplicates: report.duplicates, bad: report.badCount, nvdCves: report.nvdCves }));
    // Counted once here: every scan report states them, and counting takes a scan of the affected table.
    meta.run('ecosystems', JSON.stringify(countEcosystems(db)));
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

async function load(db: Database.Database, options: BuildOptions, output: string, progress: Progress, batchSize: number, maxListed: number): Promise<BuildReport> {
  const findAdvisory = db.prepare<[string], { rowid: number; modified: string | null }>('SELECT rowid, modified FROM advisory WHERE id = ?');
  const deleteAdvisory = db.prepare('DELETE FROM advisory WHERE rowid = ?');
  const deleteAffected = db.prepare('DELETE FROM affected WHERE advisory = ?');
  const deleteAliases = db.prepare('DELETE FROM alias WHERE advisory = ?');
  const insertAdvisory = db.prepare(
    'INSERT INTO advisory (id, modified, published, withdrawn, aliases, upstream, summary, severity, text_severity, refs, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
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

  const insert = (a: Advisory, source: string): 'new' | 'replaced' | 'duplicate' => {
    const existing = findAdvisory.get(a.id);
    let result: 'new' | 'replaced' = 'new';
    if (existing) {
      if ((a.modified ?? '') <= (existing.modified ?? '')) return 'duplicate';
      deleteAffected.run(existing.rowid);
      deleteAliases.run(existing.rowid);
      deleteAdvisory.run(existing.rowid);
      result = 'replaced';
    }
    const info = insertAdvisory.run(
      a.id, a.modified ?? null, a.published ?? null, a.withdrawn ?? null, JSON.stringify([...a.aliases].sort()), JSON.stringify(a.upstream), a.summary ?? null,
      JSON.stringify(a.severity), a.textSeverity ?? null, JSON.stringify(a.references), source,
    );
    const rowid = Number(info.lastInsertRowid);
    for (const alias of a.aliases) insertAlias.run(rowid, alias);
    for (const p of a.affected) {
      const { base, release } = splitEcosystem(p.ecosystem);
      const data = { purl: p.purl, ranges: p.ranges, versions: p.versions, severity: p.severity, textSeverity: p.textSeverity };
      insertAffected.run(rowid, base, release, packageKey(base, p.name), p.ecosystem, p.name, JSON.stringify(data));
    }
    return result;
  };

  let pending: (() => void)[] = [];
  const flush = db.transaction(() => {
    for (const f of pending) f();
  });
  const commit = (): void => {
    if (pending.length === 0) return;
    flush();
    pending = [];
  };

  progress.start('importing OSV records', 0);
  for (const path of options.osv) {
    const summary: SourceSummary = { path, kind: 'osv', records: 0, bad: 0, ecosystems: {} };
    report.sources.push(summary);
    for await (const entry of readSource(path, options.limits ?? DEFAULT_LIMITS)) {
      if (entry.kind === 'skipped') {
        summary.bad++;
        pending.push(() => addBad({ source: path, entry: entry.name, error: `${entry.name}: ${entry.reason}` }));
      } else {
        const parsed = parseOsvRecord(entry.data, entry.name);
        const a = parsed.advisory;
        if (!a) {
          summary.bad++;
          const err = parsed.error ?? { message: 'unreadable record' };
          pending.push(() => addBad({ source: path, entry: entry.name, id: err.id, error: err.message }));
        } else {
          summary.records++;
          for (const eco of new Set(a.affected.map((p) => splitEcosystem(p.ecosystem).base))) summary.ecosystems[eco] = (summary.ecosystems[eco] ?? 0) + 1;
          pending.push(() => {
            const r = insert(a, path);
            if (r === 'duplicate' || r === 'replaced') report.duplicates++;
            if (r === 'new') report.advisories++;
          });
        }
      }
      if (pending.length >= batchSize) {
        commit();
        progress.advance(batchSize);
      }
    }
    commit();
  }
  for (const path of options.nvd ?? []) {
    const summary: SourceSummary = { path, kind: 'nvd', records: 0, bad: 0, ecosystems: {} };
    report.sources.push(summary);
    const limits = { ...(options.limits ?? DEFAULT_LIMITS), maxEntryBytes: 1024 * 1024 * 1024 };
    for await (const entry of readSource(path, limits)) {
      if (entry.kind === 'skipped') {
        summary.bad++;
        pending.push(() => addBad({ source: path, entry: entry.name, error: `${entry.name}: ${entry.reason}` }));
        continue;
      }
      try {
        for (const item of parseNvdDocument(entry.data, entry.name)) {
          summary.records++;
          pending.push(() => upsertNvd.run(item.cve, JSON.stringify(item.vectors)));
          if (pending.length >= batchSize) commit();
        }
      } catch (e) {
        summary.bad++;
        const message = e instanceof AirlockError ? e.message : `${entry.name}: ${(e as Error).message}`;
        pending.push(() => addBad({ source: path, entry: entry.name, error: message }));
      }
    }
    commit();
  }
  progress.stop();
  report.withdrawn = (db.prepare('SELECT count(*) AS n FROM advisory WHERE withdrawn IS NOT NULL').get() as { n: number }).n;
  report.advisories = (db.prepare('SELECT count(*) AS n FROM advisory').get() as { n: number }).n;
  report.nvdCves = (db.prepare('SELECT count(*) AS n FROM nvd_cvss').get() as { n: number }).n;
  return report;
}
