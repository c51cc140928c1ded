/**
 * Installed Python packages: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`,
 * `EGG-INFO/PKG-INFO`, single-file `*.egg-info` (core metadata, RFC 822 headers) and
 * zipped `*.egg` files (their EGG-INFO/PKG-INFO).
 */
import { bufferReader, type FileReader } from '../targets/vfs.ts';
import type { Package } from '../types.ts';
import { readText, type CatalogContext, type Cataloger } from './cataloger.ts';
import { purl } from './purl.ts';
import { endsWithAscii, readZipDirectory, readZipEntry } from './zip-directory.ts';

const EGG_PKG_INFO = 'EGG-INFO/PKG-INFO';

/** The PKG-INFO of a zipped egg (a file, or its bytes), or undefined when it has none. */
export async function readEggPkgInfo(egg: FileReader | Buffer, source: string): Promise<string | undefined> {
  const file = Buffer.isBuffer(egg) ? bufferReader(egg) : egg;
  const dir = await readZipDirectory(file, source, 100_000, (raw, start, end) => endsWithAscii(raw, start, end, 'PKG-INFO'), (name) => name === EGG_PKG_INFO);
  const last = dir.entries[dir.entries.length - 1];
  return last ? (await readZipEntry(file, last, 4 * 1024 * 1024, source)).toString('utf8') : undefined;
}

export interface PythonMetadata {
  name: string;
  /** Empty when the metadata has no Version header. */
  version: string;
  licenses: string[];
}

export function parseCoreMetadata(text: string): PythonMetadata | undefined {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of text.split('\n')) {
    if (line.trim() === '') break;
    if (line[0] === ' ' || line[0] === '\t') continue;
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const k = line.slice(0, c).toLowerCase();
    if (headers[k] === undefined) headers[k] = line.slice(c + 1).trim();
  }
  const name = headers.name;
  if (!name) return undefined;
  // Metadata without a Version (old egg-info, hand-written) still names an installed
  // package: it is listed with an empty version, which the matcher never matches.
  const version = headers.version ?? '';
  const lic = headers['license-expression'] ?? headers.license;
  const licenses = lic && lic !== 'UNKNOWN' && lic.length < 200 ? [lic] : [];
  return { name, version, licenses };
}

export function pypiPackage(name: string, version: string, location: string, foundBy: string, licenses: string[] = []): Package {
  return { ecosystem: 'PyPI', name, version, purl: purl({ type: 'pypi', name, version }), locations: [location], foundBy, ...(licenses.length > 0 ? { licenses } : {}) };
}

async function readEgg(ctx: CatalogContext, path: string): Promise<string | undefined> {
  const file = await ctx.fs.open(path);
  if (!file) return undefined;
  try {
    return await readEggPkgInfo(file, path);
  } finally {
    await file.close();
  }
}

const MAY_END = new Set(['A', 'O', 'o', 'g'].map((c) => c.charCodeAt(0)));
const WANT = /(?:\.dist-info\/METADATA|\.egg-info\/PKG-INFO|(?:^|\/)EGG-INFO\/PKG-INFO|\.egg-info|\.egg)$/;

export const pythonCataloger: Cataloger = {
  name: 'python',
  kind: 'installed',
  hint: { names: ['METADATA', 'PKG-INFO'], extensions: ['.egg-info', '.egg'] },
  // Every file of a tree is asked: the regular expression only for names ending as one of those (METADATA, PKG-INFO, .egg-info, .egg).
  matches: (p) => MAY_END.has(p.charCodeAt(p.length - 1)) && WANT.test(p),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      const text = path.endsWith('.egg') ? await readEgg(ctx, path) : await readText(ctx, path, 16 * 1024 * 1024);
      if (text === undefined) continue;
      const m = parseCoreMetadata(text);
      if (m) out.push(pypiPackage(m.name, m.version, path, 'python', m.licenses));
      else ctx.warn(`${path}: no Name in Python package metadata`);
    }
    return out;
  },
};
