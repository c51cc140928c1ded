/**
 * go.mod: the `require` directives (single-line and blocks), with `replace` applied
 * for module-path -> module-path@version replacements. Local replacements (paths
 * starting with ./ or ../ or /) have no version and are left out.
 */
import type { Package } from '../types.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { purl } from './purl.ts';

export interface GoModule {
  path: string;
  version: string;
  indirect: boolean;
}

function stripComment(line: string): { text: string; comment: string } {
  const i = line.indexOf('//');
  return i < 0 ? { text: line.trim(), comment: '' } : { text: line.slice(0, i).trim(), comment: line.slice(i + 2).trim() };
}

const unquote = (s: string): string => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s.startsWith('`') && s.endsWith('`') ? s.slice(1, -1) : s);

export function parseGoMod(text: string): GoModule[] {
  const requires = new Map<string, GoModule>();
  const replaces: { from: string; fromVersion?: string; to: string; toVersion?: string }[] = [];
  let block: string | undefined;
  for (const raw of text.split('\n')) {
    const { text: line, comment } = stripComment(raw);
    if (line === '') continue;
    if (block) {
      if (line === ')') {
        block = undefined;
        continue;
      }
      handle(block, line.split(/\s+/), comment);
      continue;
    }
    const m = /^(require|replace|exclude|retract|module|go|toolchain|godebug)\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '(') block = m[1];
    else handle(m[1]!, m[2]!.split(/\s+/), comment);
  }
  function handle(kind: string, f: string[], comment: string): void {
    if (kind === 'require' && f.length >= 2) {
      const path = unquote(f[0]!);
      requires.set(path, { path, version: f[1]!, indirect: /(^|;\s*)indirect(;|$)/.test(comment) });
    } else if (kind === 'replace') {
      const arrow = f.indexOf('=>');
      if (arrow < 1) return;
      const from = unquote(f[0]!);
      const to = unquote(f[arrow + 1] ?? '');
      replaces.push({ from, ...(arrow === 2 ? { fromVersion: f[1]! } : {}), to, ...(f[arrow + 2] ? { toVersion: f[arrow + 2]! } : {}) });
    }
  }
  for (const r of replaces) {
    const req = requires.get(r.from);
    if (!req || (r.fromVersion && r.fromVersion !== req.version)) continue;
    requires.delete(r.from);
    if (r.toVersion) requires.set(r.to, { path: r.to, version: r.toVersion, indirect: req.indirect });
  }
  return [...requires.values()];
}

export function goPackage(path: string, version: string, location: string, foundBy: string): Package {
  const slash = path.lastIndexOf('/');
  const p = slash > 0 ? purl({ type: 'golang', namespace: path.slice(0, slash), name: path.slice(slash + 1), version }) : purl({ type: 'golang', name: path, version });
  return { ecosystem: 'Go', name: path, version, purl: p, locations: [location], foundBy };
}

export const goModCataloger: Cataloger = {
  name: 'go-mod',
  kind: 'declared',
  hint: { names: ['go.mod'] },
  matches: (p) => baseName(p) === 'go.mod' && !p.includes('/vendor/'),
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const m of parseGoMod(text)) out.push(goPackage(m.path, m.version, path, 'go-mod'));
    });
  },
};
