/**
 * Java archives (jar, war, ear, jpi, hpi, par, sar, nar), nested archives included
 * (WEB-INF/lib/*.jar, BOOT-INF/lib/*.jar). Packages come from pom.properties entries
 * (normally META-INF/maven/G/A/); an archive without one falls back to MANIFEST.MF
 * (Implementation-Title/Version, Bundle-SymbolicName) and then to its file name, as
 * Trivy does. Nesting depth, entry count and uncompressed bytes are bounded (zip bombs).
 *
 * Only the zip's central directory is read, and of its entries only pom.properties,
 * MANIFEST.MF and nested archives (zip-directory.ts); a file reached again by another
 * path (same device, inode, size and time) is read once per scan.
 */
import { AirlockError } from '../../common/errors.ts';
import { bufferReader, type FileReader } from '../targets/vfs.ts';
import type { Package } from '../types.ts';
import { baseName, type CatalogContext, type Cataloger } from './cataloger.ts';
import { purl } from './purl.ts';
import { endsWithAscii, readZipDirectory, readZipEntry, type ZipEntry } from './zip-directory.ts';

export const ARCHIVE = /\.(?:jar|war|ear|jpi|hpi|par|sar|nar)$/i;
const MAX_DEPTH = 16;
const MAX_ENTRIES = 200_000;
const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;
const MAX_META_BYTES = 4 * 1024 * 1024;

export interface JavaBudget {
  /** Uncompressed bytes still allowed for this top-level archive. */
  bytesLeft: number;
  entriesLeft: number;
}

export interface MavenCoordinates {
  groupId: string;
  artifactId: string;
  version: string;
  location: string;
}

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** MANIFEST.MF main section (continuation lines start with one space). */
export function parseManifestMf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && last) {
      out[last] += line.slice(1);
      continue;
    }
    const c = line.indexOf(':');
    if (c <= 0) continue;
    last = line.slice(0, c).trim();
    out[last] = line.slice(c + 1).trim();
  }
  return out;
}

/** "commons-lang3-3.12.0.jar" -> artifactId and version. */
export function nameFromFileName(file: string): { artifactId: string; version: string } | undefined {
  const m = /^(.+?)-(\d[\w.+-]*?)\.[a-z]+$/i.exec(baseName(file));
  return m ? { artifactId: m[1]!, version: m[2]! } : undefined;
}

const MANIFEST = 'META-INF/MANIFEST.MF';
const ARCHIVE_EXTENSIONS = new Set(['jar', 'war', 'ear', 'jpi', 'hpi', 'par', 'sar', 'nar']);

/** A cheap test on raw name bytes: could this entry be pom.properties, the manifest or an archive? */
function candidate(raw: Buffer, start: number, end: number): boolean {
  if (endsWithAscii(raw, start, end, 'pom.properties') || endsWithAscii(raw, start, end, 'MANIFEST.MF')) return true;
  return end - start >= 4 && raw[end - 4] === 0x2e && ARCHIVE_EXTENSIONS.has(raw.toString('latin1', end - 3, end).toLowerCase());
}

function isMetadata(name: string): boolean {
  // Trivy takes any entry named pom.properties, not only META-INF/maven/G/A/pom.properties.
  return name === 'pom.properties' || name.endsWith('/pom.properties') || name === MANIFEST;
}

/** Every Maven coordinate in an archive (a file, or its bytes) and the archives nested in it. */
export async function readJavaArchive(
  archive: FileReader | Buffer,
  location: string,
  depth = 0,
  budget: JavaBudget = { bytesLeft: MAX_ARCHIVE_BYTES * 4, entriesLeft: MAX_ENTRIES },
): Promise<MavenCoordinates[]> {
  if (depth > MAX_DEPTH) throw new AirlockError('BAD_INPUT', `${location}: archives nested deeper than ${MAX_DEPTH}`);
  const file = Buffer.isBuffer(archive) ? bufferReader(archive) : archive;
  const dir = await readZipDirectory(file, location, MAX_ENTRIES, candidate, (name) => !name.endsWith('/') && (isMetadata(name) || ARCHIVE.test(name)));
  budget.entriesLeft -= dir.entryCount;
  if (budget.entriesLeft < 0) throw new AirlockError('BAD_INPUT', `${location}: more than ${MAX_ENTRIES} zip entries in all nested archives`);
  const found: MavenCoordinates[] = [];
  const nested: { name: string; data: Buffer }[] = [];
  let manifest: ZipEntry | undefined;
  for (const entry of dir.entries) {
    const name = entry.name;
    // The manifest matters only when no pom.properties names the archive: read it then.
    if (name === MANIFEST) manifest = entry;
    else if (isMetadata(name)) {
      const p = parseProperties((await readZipEntry(file, entry, MAX_META_BYTES, location)).toString('utf8'));
      if (p.groupId && p.artifactId && p.version) found.push({ groupId: p.groupId, artifactId: p.artifactId, version: p.version, location });
    } else {
      budget.bytesLeft -= entry.uncompressedSize;
      if (budget.bytesLeft < 0) throw new AirlockError('BAD_INPUT', `${location}: nested archives expand beyond ${MAX_ARCHIVE_BYTES * 4} bytes (zip bomb?)`);
      nested.push({ name, data: await readZipEntry(file, entry, MAX_ARCHIVE_BYTES, location) });
    }
  }
  if (found.length === 0) {
    const m = manifest ? parseManifestMf((await readZipEntry(file, manifest, MAX_META_BYTES, location)).toString('utf8')) : {};
    const fromName = nameFromFileName(location);
    const artifactId = m['Implementation-Title'] ?? fromName?.artifactId;
    const version = m['Implementation-Version'] ?? m['Bundle-Version'] ?? fromName?.version;
    const groupId = m['Implementation-Vendor-Id'] ?? m['Bundle-SymbolicName']?.split(';')[0]?.replace(new RegExp(`\\.${artifactId ?? ''}$`), '') ?? '';
    if (artifactId && version && /\d/.test(version)) found.push({ groupId, artifactId, version, location });
  }
  for (const n of nested) found.push(...(await readJavaArchive(n.data, `${location}!/${n.name}`, depth + 1, budget)));
  return found;
}

export function mavenPackage(c: MavenCoordinates, foundBy: string): Package {
  const name = c.groupId ? `${c.groupId}:${c.artifactId}` : c.artifactId;
  return { ecosystem: 'Maven', name, version: c.version, purl: purl({ type: 'maven', ...(c.groupId ? { namespace: c.groupId } : {}), name: c.artifactId, version: c.version }), locations: [c.location], foundBy };
}

/** Per scan: what each archive on disk held, by identity, with its locations relative to it. */
const readBefore = new WeakMap<CatalogContext, Map<string, MavenCoordinates[]>>();

/**
 * An archive's coordinates, read once per scan however many paths lead to the file. The
 * file name is part of the key: it is the last fallback for an archive without metadata.
 */
async function coordinatesOf(ctx: CatalogContext, file: FileReader, path: string): Promise<MavenCoordinates[]> {
  let memo = readBefore.get(ctx);
  if (!memo) readBefore.set(ctx, (memo = new Map()));
  const key = file.identity === undefined ? undefined : `${file.identity}\u0000${baseName(path)}`;
  const prior = key === undefined ? undefined : memo.get(key);
  if (prior) return prior.map((c) => ({ ...c, location: path + c.location }));
  const found = await readJavaArchive(file, path);
  // Kept relative to the archive ("" or "!/WEB-INF/lib/x.jar"), to be re-rooted at another path.
  if (key !== undefined) memo.set(key, found.map((c) => ({ ...c, location: c.location.slice(path.length) })));
  return found;
}

export const javaCataloger: Cataloger = {
  name: 'java-archive',
  kind: 'installed',
  hint: { extensions: [...ARCHIVE_EXTENSIONS].map((e) => `.${e}`) },
  // Every file of a tree is asked: the regular expression only for a four-character extension.
  matches: (p) => p.charCodeAt(p.length - 4) === 0x2e && ARCHIVE.test(p),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      const file = await ctx.fs.open(path);
      if (!file) continue;
      let coordinates: MavenCoordinates[];
      try {
        coordinates = await coordinatesOf(ctx, file, path);
      } finally {
        await file.close();
      }
      const seen = new Set<string>();
      for (const c of coordinates) {
        const p = mavenPackage(c, 'java-archive');
        if (!seen.has(p.purl + c.location)) {
          seen.add(p.purl + c.location);
          out.push(p);
        }
      }
    }
    return out;
  },
};
