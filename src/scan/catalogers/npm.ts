/**
 * npm installed packages: on an installed system (rootfs, image) every package.json
 * with a name and a version, as Trivy reports them; in a source tree (dir:) only those
 * under node_modules/, since a project's own package.json is not a dependency.
 */
import { parseJsonStrict } from '../../common/json.ts';
import type { Package } from '../types.ts';
import { readText, type Cataloger } from './cataloger.ts';
import { purl } from './purl.ts';

const IN_NODE_MODULES = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/;

export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  return slash > 0 ? purl({ type: 'npm', namespace: name.slice(0, slash), name: name.slice(slash + 1), version }) : purl({ type: 'npm', name, version });
}

export function npmPackage(name: string, version: string, location: string, foundBy: string, licenses?: string[]): Package {
  return { ecosystem: 'npm', name, version, purl: npmPurl(name, version), locations: [location], foundBy, ...(licenses && licenses.length > 0 ? { licenses } : {}) };
}

/** License of a package.json: a string, {type}, or the legacy `licenses` array. */
export function npmLicenses(doc: Record<string, unknown>): string[] {
  const l = doc.license;
  if (typeof l === 'string') return [l];
  if (l && typeof l === 'object' && typeof (l as { type?: unknown }).type === 'string') return [(l as { type: string }).type];
  if (Array.isArray(doc.licenses)) return doc.licenses.map((x) => (typeof x === 'string' ? x : (x as { type?: unknown })?.type)).filter((x): x is string => typeof x === 'string');
  return [];
}

export function parsePackageJson(text: string, source: string): { name: string; version: string; licenses: string[] } | undefined {
  const doc = parseJsonStrict(text, source, { maxBytes: 16 * 1024 * 1024 });
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (typeof d.name !== 'string' || typeof d.version !== 'string' || d.name === '' || d.version === '') return undefined;
  return { name: d.name, version: d.version, licenses: npmLicenses(d) };
}

export const npmCataloger: Cataloger = {
  name: 'npm',
  kind: 'installed',
  hint: { names: ['package.json'] },
  matches: (p) => p === 'package.json' || p.endsWith('/package.json'),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      if (ctx.tree === 'source' && !IN_NODE_MODULES.test(path)) continue;
      try {
        const text = await readText(ctx, path, 16 * 1024 * 1024);
        if (text === undefined) continue;
        const p = parsePackageJson(text, path);
        if (p) out.push(npmPackage(p.name, p.version, path, 'npm', p.licenses));
      } catch (e) {
        ctx.warn(e instanceof Error ? e.message : String(e));
      }
    }
    return out;
  },
};
