/** The vuln.db SQLite schema. Bump SCHEMA_VERSION on any change readers must know about. */
import type Database from 'better-sqlite3';
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE advisory (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  modified TEXT,
  published TEXT,
  withdrawn TEXT,
  aliases TEXT NOT NULL,
  upstream TEXT NOT NULL,
  summary TEXT,
  severity TEXT NOT NULL,
  text_severity TEXT,
  refs TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE TABLE alias (advisory INTEGER NOT NULL, alias TEXT NOT NULL, PRIMARY KEY (advisory, alias)) WITHOUT ROWID;
CREATE TABLE affected (
  advisory INTEGER NOT NULL,
  eco_base TEXT NOT NULL,
  eco_release TEXT NOT NULL,
  name_key TEXT NOT NULL,
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX affected_by_advisory ON affected (advisory);
CREATE TABLE nvd_cvss (cve TEXT PRIMARY KEY, vectors TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE bad_record (source TEXT NOT NULL, entry TEXT NOT NULL, id TEXT, error TEXT NOT NULL);
`;

/** Indexes are built after the bulk load: faster than maintaining them row by row. */
export const INDEX_SQL = `
CREATE INDEX affected_by_package ON affected (eco_base, eco_release, name_key);
CREATE INDEX alias_by_alias ON alias (alias);
`;

/** Advisories per base ecosystem ("Debian", "PyPI"), as `vulndb info` and every scan report state them. */
export function countEcosystems(db: Database.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of db.prepare('SELECT eco_base, count(DISTINCT advisory) AS n FROM affected GROUP BY eco_base ORDER BY eco_base').all() as { eco_base: string; n: number }[]) out[r.eco_base] = r.n;
  return out;
}
