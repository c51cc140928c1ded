/**
 * yarn.lock, v1 (its own indented format) and berry v2+ (YAML with `__metadata`).
 * Entries resolved from the npm registry are kept; workspace, link, portal, patch-only,
 * file and git resolutions are not registry packages and are left out.
 */
import { AirlockError } from '../../common/errors.ts';
import { parseYaml } from '../../common/yaml.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { npmPackage } from './npm.ts';

export interface YarnEntry {
  name: string;
  version: string;
}

/** The package name in a descriptor: "@scope/name@^1.0", "name@npm:^1" -> "@scope/name", "name". */
function descriptorName(d: string): string {
  const s = d.trim().replace(/^"|"$/g, '');
  const at = s.indexOf('@', s.startsWith('@') ? 1 : 0);
  return at < 0 ? s : s.slice(0, at);
}

export function parseYarnV1(text: string, source: string): YarnEntry[] {
  const out: YarnEntry[] = [];
  let header: string | undefined;
  let version: string | undefined;
  let resolved: string | undefined;
  const flush = (): void => {
    if (header && version) {
      const first = header.split(',')[0]!;
      const spec = first.trim().replace(/^"|"$/g, '');
      const range = spec.slice(descriptorName(spec).length + 1);
      const local = /^(file:|link:|portal:|workspace:|git|github:|https?:)/.test(range) || (resolved !== undefined && /^(file:|git\+|git:)/.test(resolved));
      if (!local) out.push({ name: descriptorName(first), version });
    }
    header = version = resolved = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      flush();
      if (!line.endsWith(':')) throw new AirlockError('BAD_INPUT', `${source}: unexpected line "${line.slice(0, 80)}"`);
      header = line.slice(0, -1);
    } else if (/^ {2}\S/.test(line)) {
      const m = /^ {2}(\S+)\s+"?([^"]*)"?$/.exec(line);
      if (m?.[1] === 'version') version = m[2];
      if (m?.[1] === 'resolved') resolved = m[2];
    }
  }
  flush();
  return out;
}

export function parseYarnBerry(text: string, source: string): YarnEntry[] {
  const doc = parseYaml(text, source);
  if (!doc || typeof doc !== 'object') throw new AirlockError('BAD_INPUT', `${source}: not a yarn lock file`);
  const out: YarnEntry[] = [];
  for (const [key, v] of Object.entries(doc as Record<string, unknown>)) {
    if (key === '__metadata' || !v || typeof v !== 'object') continue;
    const e = v as { version?: unknown; resolution?: unknown; linkType?: unknown };
    if (typeof e.version !== 'string' || typeof e.resolution !== 'string') continue;
    const name = descriptorName(e.resolution);
    const protocol = e.resolution.slice(name.length + 1);
    if (!protocol.startsWith('npm:')) continue;
    out.push({ name, version: e.version });
  }
  return out;
}

export function parseYarnLock(text: string, source: string): YarnEntry[] {
  return /^__metadata:/m.test(text) ? parseYarnBerry(text, source) : parseYarnV1(text, source);
}

export const yarnCataloger: Cataloger = {
  name: 'yarn-lock',
  kind: 'declared',
  hint: { names: ['yarn.lock'] },
  matches: (p) => baseName(p) === 'yarn.lock' && !p.includes('node_modules/'),
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      const seen = new Set<string>();
      for (const e of parseYarnLock(text, path)) {
        if (seen.has(`${e.name}@${e.version}`)) continue;
        seen.add(`${e.name}@${e.version}`);
        out.push(npmPackage(e.name, e.version, path, 'yarn-lock'));
      }
    });
  },
};
