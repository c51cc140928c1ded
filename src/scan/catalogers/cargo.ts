/** Cargo.lock: `[[package]]` entries from a registry (path and git sources are left out). */
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { purl } from './purl.ts';
import { parseToml_ } from './python-lock.ts';

export function parseCargoLock(text: string, source: string): { name: string; version: string }[] {
  const doc = parseToml_(text, source);
  const out: { name: string; version: string }[] = [];
  for (const p of Array.isArray(doc.package) ? doc.package : []) {
    if (!p || typeof p !== 'object') continue;
    const e = p as { name?: unknown; version?: unknown; source?: unknown };
    if (typeof e.name !== 'string' || typeof e.version !== 'string') continue;
    // without `source` the crate is a member of the workspace itself
    if (typeof e.source !== 'string' || !e.source.startsWith('registry+') && !e.source.startsWith('sparse+')) continue;
    out.push({ name: e.name, version: e.version });
  }
  return out;
}

export const cargoCataloger: Cataloger = {
  name: 'cargo-lock',
  kind: 'declared',
  hint: { names: ['Cargo.lock'] },
  matches: (p) => baseName(p) === 'Cargo.lock',
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const c of parseCargoLock(text, path)) {
        out.push({ ecosystem: 'crates.io', name: c.name, version: c.version, purl: purl({ type: 'cargo', name: c.name, version: c.version }), locations: [path], foundBy: 'cargo-lock' });
      }
    });
  },
};
