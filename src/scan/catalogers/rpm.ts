/**
 * rpm: the SQLite rpmdb (`rpmdb.sqlite`, RHEL 9+, Fedora 33+, CBL-Mariner, SUSE with
 * sqlite) opened read-only from memory with better-sqlite3, headers parsed by
 * rpm-header.ts. Berkeley DB (`Packages`) and NDB (`Packages.db`) databases are
 * reported as unsupported by name, never skipped silently. A database left in WAL mode
 * with unmerged `-wal` pages is read as of its last checkpoint.
 */
import Database from 'better-sqlite3';
import { AirlockError } from '../../common/errors.ts';
import { distroRelease, osEcosystem, purlDistro } from '../os-release.ts';
import type { Package } from '../types.ts';
import { baseName, MAX_METADATA_BYTES, type Cataloger } from './cataloger.ts';
import { osPurl } from './purl.ts';
import { parseRpmHeader, splitSourceRpm, type RpmHeader } from './rpm-header.ts';

const DIRS = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/'];

export function isRpmSqlite(path: string): boolean {
  return DIRS.some((d) => path === `${d}rpmdb.sqlite`);
}

/** Pure: the bytes of an rpmdb.sqlite to its package headers. */
export function readRpmSqlite(bytes: Buffer, source: string, withFiles = false): RpmHeader[] {
  let db: Database.Database;
  try {
    // A WAL-mode database (header bytes 18-19 = 2) cannot be deserialised into memory;
    // marking a private copy as rollback-journal mode reads the same pages.
    const copy = Buffer.from(bytes);
    if (copy.length >= 20 && copy[18] === 2 && copy[19] === 2) {
      copy[18] = 1;
      copy[19] = 1;
    }
    db = new Database(copy, { readonly: true });
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${source}: not an SQLite rpm database: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as { hnum: number; blob: Buffer }[];
    return rows.map((r) => parseRpmHeader(r.blob, `${source} (package ${r.hnum})`, withFiles)).filter((h) => h.name !== 'gpg-pubkey');
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${source}: not an rpm database: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db.close();
  }
}

function namespace(id: string | undefined): string {
  if (id === 'rhel' || id === undefined) return 'redhat';
  if (id.startsWith('opensuse') || id === 'sles') return 'opensuse';
  return id;
}

export function evr(h: { epoch?: number; version: string; release: string }): string {
  return `${h.epoch ? `${h.epoch}:` : ''}${h.version}-${h.release}`;
}

export const rpmCataloger: Cataloger = {
  name: 'rpm',
  kind: 'os',
  hint: { names: ['rpmdb.sqlite', 'Packages', 'Packages.db'] },
  matches: (p) => (p.startsWith('var/') || p.startsWith('usr/')) && DIRS.some((d) => p.startsWith(d) && ['rpmdb.sqlite', 'Packages', 'Packages.db'].includes(p.slice(d.length))),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    const eco = osEcosystem(ctx.os, 'Red Hat');
    const release = distroRelease(ctx.os);
    for (const path of paths) {
      const b = baseName(path);
      if (b === 'Packages') throw new AirlockError('UNSUPPORTED', `${path}: Berkeley DB rpm databases are not supported; its packages were not cataloged (convert with "rpmdb --rebuilddb" to sqlite, or scan an SBOM)`);
      if (b === 'Packages.db') throw new AirlockError('UNSUPPORTED', `${path}: NDB rpm databases are not supported; its packages were not cataloged`);
      const bytes = await ctx.fs.readFile(path, MAX_METADATA_BYTES * 8);
      if (!bytes) continue;
      for (const h of readRpmSqlite(bytes, path)) {
        const version = evr(h);
        const src = h.sourceRpm ? splitSourceRpm(h.sourceRpm) : undefined;
        const sourceName = src?.name ?? h.name;
        const sourceVersion = src ? evr({ ...(h.epoch ? { epoch: h.epoch } : {}), version: src.version, release: src.release }) : version;
        out.push({
          ecosystem: eco,
          name: h.name,
          version,
          purl: osPurl('rpm', namespace(ctx.os?.id), { name: h.name, version, arch: h.arch, distro: purlDistro(ctx.os), sourceName, sourceVersion }),
          ...(release ? { distroRelease: release } : {}),
          sourceName,
          sourceVersion,
          locations: [path],
          foundBy: 'rpm',
          ...(h.license ? { licenses: [h.license] } : {}),
        });
      }
    }
    return out;
  },
};
