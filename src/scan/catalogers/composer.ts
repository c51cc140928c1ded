/** PHP Composer: composer.lock (`packages`, `packages-dev`) and vendor/composer/installed.json (v1 array or v2 `{packages}`). */
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { purl } from './purl.ts';

export function parseComposer(text: string, source: string): { name: string; version: string; licenses: string[] }[] {
  const doc = parseJsonStrict(text, source);
  let list: unknown[] = [];
  if (Array.isArray(doc)) list = doc;
  else if (doc && typeof doc === 'object') {
    const d = doc as Record<string, unknown>;
    list = [...(Array.isArray(d.packages) ? d.packages : []), ...(Array.isArray(d['packages-dev']) ? d['packages-dev'] : [])];
  } else throw new AirlockError('BAD_INPUT', `${source}: not a composer lock file`);
  const out: { name: string; version: string; licenses: string[] }[] = [];
  for (const p of list) {
    if (!p || typeof p !== 'object') continue;
    const e = p as { name?: unknown; version?: unknown; license?: unknown };
    if (typeof e.name !== 'string' || typeof e.version !== 'string') continue;
    out.push({ name: e.name, version: e.version.replace(/^v(?=\d)/, ''), licenses: Array.isArray(e.license) ? e.license.filter((l): l is string => typeof l === 'string') : [] });
  }
  return out;
}

export const composerCataloger: Cataloger = {
  name: 'composer',
  kind: 'declared',
  hint: { names: ['composer.lock', 'installed.json'] },
  matches: (p) => baseName(p) === 'composer.lock' || p.endsWith('vendor/composer/installed.json'),
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const c of parseComposer(text, path)) {
        const [vendor, name] = c.name.includes('/') ? [c.name.slice(0, c.name.indexOf('/')), c.name.slice(c.name.indexOf('/') + 1)] : [undefined, c.name];
        out.push({
          ecosystem: 'Packagist',
          name: c.name,
          version: c.version,
          purl: purl({ type: 'composer', ...(vendor ? { namespace: vendor } : {}), name, version: c.version }),
          locations: [path],
          foundBy: 'composer',
          ...(c.licenses.length > 0 ? { licenses: c.licenses } : {}),
        });
      }
    });
  },
};
