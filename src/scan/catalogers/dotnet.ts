/** .NET: *.deps.json (`libraries` of type package) and NuGet packages.lock.json (`dependencies` per target framework). */
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { purl } from './purl.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseDepsJson(text: string, source: string): { name: string; version: string }[] {
  const doc = parseJsonStrict(text, source);
  if (!isObj(doc)) throw new AirlockError('BAD_INPUT', `${source}: not a deps.json object`);
  const out: { name: string; version: string }[] = [];
  for (const [key, v] of Object.entries(isObj(doc.libraries) ? doc.libraries : {})) {
    if (!isObj(v) || v.type !== 'package') continue;
    const slash = key.lastIndexOf('/');
    if (slash <= 0) continue;
    out.push({ name: key.slice(0, slash), version: key.slice(slash + 1) });
  }
  return out;
}

export function parsePackagesLock(text: string, source: string): { name: string; version: string }[] {
  const doc = parseJsonStrict(text, source);
  if (!isObj(doc) || !isObj(doc.dependencies)) throw new AirlockError('BAD_INPUT', `${source}: no "dependencies" object`);
  const seen = new Map<string, { name: string; version: string }>();
  for (const fw of Object.values(doc.dependencies)) {
    if (!isObj(fw)) continue;
    for (const [name, v] of Object.entries(fw)) {
      if (!isObj(v) || typeof v.resolved !== 'string' || v.type === 'Project') continue;
      seen.set(`${name}@${v.resolved}`, { name, version: v.resolved });
    }
  }
  return [...seen.values()];
}

export const dotnetCataloger: Cataloger = {
  name: 'dotnet',
  kind: 'declared',
  hint: { extensions: ['.json'] },
  matches: (p) => p.endsWith('.deps.json') || baseName(p) === 'packages.lock.json',
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      const list = path.endsWith('.deps.json') ? parseDepsJson(text, path) : parsePackagesLock(text, path);
      for (const c of list) out.push({ ecosystem: 'NuGet', name: c.name, version: c.version, purl: purl({ type: 'nuget', name: c.name, version: c.version }), locations: [path], foundBy: 'dotnet' });
    });
  },
};
