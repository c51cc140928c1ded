/**
 * Ruby: Gemfile.lock (the `specs:` of GEM sections; GIT and PATH sources are not
 * registry gems) and installed gem specifications (specifications/NAME-VERSION.gemspec,
 * read by file name: gemspecs are Ruby code and are never evaluated).
 */
import type { Package } from '../types.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { purl } from './purl.ts';

export function parseGemfileLock(text: string): { name: string; version: string }[] {
  const out: { name: string; version: string }[] = [];
  let section = '';
  let inSpecs = false;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      section = line.trim();
      inSpecs = false;
      continue;
    }
    if (line.trim() === 'specs:') {
      inSpecs = true;
      continue;
    }
    if (section !== 'GEM' || !inSpecs) continue;
    const m = /^ {4}([^\s(]+) \(([^)]+)\)$/.exec(line);
    if (m) out.push({ name: m[1]!, version: m[2]!.replace(/-(?:x86|x64|arm|aarch|java|universal|mingw|mswin).*$/, '') });
  }
  return out;
}

export function gemPackage(name: string, version: string, location: string, foundBy: string): Package {
  return { ecosystem: 'RubyGems', name, version, purl: purl({ type: 'gem', name, version }), locations: [location], foundBy };
}

export const gemfileLockCataloger: Cataloger = {
  name: 'gemfile-lock',
  kind: 'declared',
  hint: { names: ['Gemfile.lock', 'gems.locked'] },
  matches: (p) => baseName(p) === 'Gemfile.lock' || baseName(p) === 'gems.locked',
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const g of parseGemfileLock(text)) out.push(gemPackage(g.name, g.version, path, 'gemfile-lock'));
    });
  },
};

const GEMSPEC = /(?:^|\/)specifications\/([^/]+)-(\d[^/-]*)\.gemspec$/;

export const gemspecCataloger: Cataloger = {
  name: 'gemspec',
  kind: 'installed',
  hint: { extensions: ['.gemspec'] },
  matches: (p) => p.endsWith('.gemspec') && GEMSPEC.test(p),
  async catalog(_ctx, paths) {
    return paths.flatMap((path) => {
      const m = GEMSPEC.exec(path);
      return m ? [gemPackage(m[1]!, m[2]!, path, 'gemspec')] : [];
    });
  },
};
