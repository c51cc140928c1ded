/**
 * Installed Python packages: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`,
 * `EGG-INFO/PKG-INFO` and single-file `*.egg-info` (core metadata, RFC 822 headers).
 */
import type { Package } from '../types.ts';
import { readText, type Cataloger } from './cataloger.ts';
import { purl } from './purl.ts';

export interface PythonMetadata {
  name: string;
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
  const version = headers.version;
  if (!name || !version) return undefined;
  const lic = headers['license-expression'] ?? headers.license;
  const licenses = lic && lic !== 'UNKNOWN' && lic.length < 200 ? [lic] : [];
  return { name, version, licenses };
}

export function pypiPackage(name: string, version: string, location: string, foundBy: string, licenses: string[] = []): Package {
  return { ecosystem: 'PyPI', name, version, purl: purl({ type: 'pypi', name, version }), locations: [location], foundBy, ...(licenses.length > 0 ? { licenses } : {}) };
}

const WANT = /(?:\.dist-info\/METADATA|\.egg-info\/PKG-INFO|(?:^|\/)EGG-INFO\/PKG-INFO|\.egg-info)$/;

export const pythonCataloger: Cataloger = {
  name: 'python',
  kind: 'installed',
  matches: (p) => WANT.test(p),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      const text = await readText(ctx, path, 16 * 1024 * 1024);
      if (text === undefined) continue;
      const m = parseCoreMetadata(text);
      if (m) out.push(pypiPackage(m.name, m.version, path, 'python', m.licenses));
      else ctx.warn(`${path}: no Name and Version in Python package metadata`);
    }
    return out;
  },
};
