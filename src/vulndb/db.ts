/**
 * Read-only access to a built vuln.db: lookups by (ecosystem, package), by id, NVD
 * vectors for CVE ids, and the metadata `vulndb info` shows. Opening checks that the file
 * is a vuln.db of a schema version this build understands.
 */
import Database from 'better-sqlite3';
import { AirlockError, ioError } from '../common/errors.ts';
import { packageKey, releaseKey, splitEcosystem } from './names.ts';
import { countEcosystems, SCHEMA_VERSION } from './schema.ts';
import type { SourceSummary } from './build.ts';
import type { AffectedPackage, Advisory, SeverityEntry } from './types.ts';

export interface VulnDbInfo {
  path: string;
  schemaVersion: number;
  builtAt: string;
  advisories: number;
  withdrawn: number;
  bad: number;
  nvdCves: number;
  /** Advisories per base ecosystem, from the affected packages actually stored. */
  ecosystems: Record<string, number>;
  sources: SourceSummary[];
}

interface AdvisoryRow {
  rowid: number;
  id: string;
  modified: string | null;
  published: string | null;
  withdrawn: string | null;
  aliases: string;
  upstream: string;
  summary: string | null;
  severity: string;
  text_severity: string | null;
  refs: string;
}

type AffectedRow = AdvisoryRow & { ecosystem: string; name: string; data: string };

const ADVISORY_COLUMNS = 'a.rowid AS rowid, a.id, a.modified, a.published, a.withdrawn, a.aliases, a.upstream, a.summary, a.severity, a.text_severity, a.refs';

export class VulnDb {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly byPackage: Database.Statement<[string, string, string], AffectedRow>;
  private readonly byId: Database.Statement<[string], AdvisoryRow>;
  private readonly affectedOf: Database.Statement<[number], { ecosystem: string; name: string; data: string }>;
  private readonly nvd: Database.Statement<[string], { vectors: string }>;
  private readonly aliasing: Database.Statement<[string], { id: string }>;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.byPackage = db.prepare(
      `SELECT ${ADVISORY_COLUMNS}, f.ecosystem, f.name, f.data FROM affected f JOIN advisory a ON a.rowid = f.advisory
       WHERE f.eco_base = ? AND f.eco_release = ? AND f.name_key = ? ORDER BY a.id`,
    );
    this.byId = db.prepare(`SELECT ${ADVISORY_COLUMNS} FROM advisory a WHERE a.id = ?`);
    this.affectedOf = db.prepare('SELECT ecosystem, name, data FROM affected WHERE advisory = ?');
    this.nvd = db.prepare('SELECT vectors FROM nvd_cvss WHERE cve = ?');
    this.aliasing = db.prepare('SELECT a.id FROM alias l JOIN advisory a ON a.rowid = l.advisory WHERE l.alias = ? ORDER BY a.id');
  }

  /** Opens a DB read-only; errors name the file and what is wrong. */
  static open(path: string): VulnDb {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw ioError(path, e, 'open vulnerability DB');
    }
    try {
      const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
      if (!row) throw new AirlockError('BAD_INPUT', `${path}: not an airlock vulnerability DB (no schema version)`);
      if (Number(row.value) !== SCHEMA_VERSION) {
        throw new AirlockError('UNSUPPORTED', `${path}: vulnerability DB schema ${row.value} is not supported (this build reads schema ${SCHEMA_VERSION})`);
      }
    } catch (e) {
      db.close();
      if (e instanceof AirlockError) throw e;
      throw new AirlockError('BAD_INPUT', `${path}: not an airlock vulnerability DB (${(e as Error).message})`);
    }
    return new VulnDb(path, db);
  }

  /**
   * Advisories affecting a package. `ecosystem` is OSV's, with the release for distro
   * packages ("Debian:12"); only the affected entries for that package are returned.
   */
  lookup(ecosystem: string, name: string): Advisory[] {
    const { base, release } = splitEcosystem(ecosystem);
    const rows = this.byPackage.all(base, releaseKey(base, release), packageKey(base, name));
    const out = new Map<number, Advisory>();
    for (const r of rows) {
      let a = out.get(r.rowid);
      if (!a) {
        a = this.toAdvisory(r);
        out.set(r.rowid, a);
      }
      a.affected.push(toAffected(r));
    }
    return [...out.values()];
  }

  /** One advisory by its id, with all its affected packages. */
  get(id: string): Advisory | undefined {
    const r = this.byId.get(id);
    if (!r) return undefined;
    const a = this.toAdvisory(r);
    a.affected = this.affectedOf.all(r.rowid).map(toAffected);
    return a;
  }

  /** Ids of the advisories that list `id` among their aliases (CVE-2021-44228 -> GHSA-jfh8-...). */
  idsAliasing(id: string): string[] {
    return this.aliasing.all(id).map((r) => r.id);
  }

  /** CVSS vectors NVD gives for a CVE id (empty when none or when no NVD feed was imported). */
  nvdVectors(cve: string): SeverityEntry[] {
    const r = this.nvd.get(cve);
    return r ? (JSON.parse(r.vectors) as SeverityEntry[]) : [];
  }

  info(): VulnDbInfo {
    const meta = new Map((this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    const counts = JSON.parse(meta.get('counts') ?? '{}') as Record<string, number>;
    // DBs built before the counts were stored in meta are counted here.
    const stored = meta.get('ecosystems');
    const ecosystems = stored ? (JSON.parse(stored) as Record<string, number>) : countEcosystems(this.db);
    return {
      path: this.path,
      schemaVersion: Number(meta.get('schema_version')),
      builtAt: meta.get('built_at') ?? '',
      advisories: counts.advisories ?? 0,
      withdrawn: counts.withdrawn ?? 0,
      bad: counts.bad ?? 0,
      nvdCves: counts.nvdCves ?? 0,
      ecosystems,
      sources: JSON.parse(meta.get('sources') ?? '[]') as SourceSummary[],
    };
  }

  close(): void {
    this.db.close();
  }

  private toAdvisory(r: AdvisoryRow): Advisory {
    return {
      id: r.id,
      aliases: JSON.parse(r.aliases) as string[],
      upstream: JSON.parse(r.upstream) as string[],
      modified: r.modified ?? undefined,
      published: r.published ?? undefined,
      withdrawn: r.withdrawn ?? undefined,
      summary: r.summary ?? undefined,
      severity: JSON.parse(r.severity) as SeverityEntry[],
      textSeverity: r.text_severity ?? undefined,
      references: JSON.parse(r.refs) as string[],
      affected: [],
    };
  }
}

function toAffected(r: { ecosystem: string; name: string; data: string }): AffectedPackage {
  const d = JSON.parse(r.data) as Omit<AffectedPackage, 'ecosystem' | 'name'>;
  return { ecosystem: r.ecosystem, name: r.name, ...d };
}
