/**
 * pnpm-lock.yaml, lockfile versions 5 (`/name/1.0.0`), 6 (`/name@1.0.0(peer@2)`) and 9
 * (`name@1.0.0`, `snapshots:`). Tarball, git, file and link entries are left out.
 */
import { AirlockError } from '../../common/errors.ts';
import { parseYamlAll } from '../../common/yaml.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { npmPackage } from './npm.ts';

export interface PnpmEntry {
  name: string;
  version: string;
  dev?: boolean;
}

/** Splits a `packages:` key into name and version; undefined for non-registry keys. */
export function parsePnpmKey(key: string, lockVersion: number): { name: string; version: string } | undefined {
  let k = key.replace(/^\//, '').replace(/\(.*$/, '');
  if (lockVersion < 6) {
    k = k.replace(/_.*$/, '');
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const name = k.slice(0, slash);
    const version = k.slice(slash + 1);
    return /^\d/.test(version) ? { name, version } : undefined;
  }
  const at = k.lastIndexOf('@');
  if (at <= 0) return undefined;
  const name = k.slice(0, at);
  const version = k.slice(at + 1);
  return /^\d/.test(version) && !name.includes(':') ? { name, version } : undefined;
}

export function parsePnpmLock(text: string, source: string): PnpmEntry[] {
  const out = new Map<string, PnpmEntry>();
  for (const doc of parseYamlAll(text, source)) {
    if (!doc || typeof doc !== 'object') continue;
    const d = doc as Record<string, unknown>;
    const lv = Number.parseFloat(String(d.lockfileVersion ?? ''));
    if (!Number.isFinite(lv)) throw new AirlockError('BAD_INPUT', `${source}: no lockfileVersion`);
    const pkgs = d.packages;
    if (!pkgs || typeof pkgs !== 'object') continue;
    for (const [key, v] of Object.entries(pkgs as Record<string, unknown>)) {
      const nv = parsePnpmKey(key, lv);
      const meta = (v && typeof v === 'object' ? v : {}) as { name?: unknown; version?: unknown; dev?: unknown };
      const name = typeof meta.name === 'string' ? meta.name : nv?.name;
      const version = typeof meta.version === 'string' && lv < 9 ? meta.version : nv?.version;
      if (!name || !version) continue;
      const k = `${name}@${version}`;
      if (!out.has(k)) out.set(k, { name, version, ...(meta.dev === true ? { dev: true } : {}) });
    }
  }
  return [...out.values()];
}

export const pnpmCataloger: Cataloger = {
  name: 'pnpm-lock',
  kind: 'declared',
  hint: { names: ['pnpm-lock.yaml'] },
  matches: (p) => baseName(p) === 'pnpm-lock.yaml' && !p.includes('node_modules/'),
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const e of parsePnpmLock(text, path)) out.push(npmPackage(e.name, e.version, path, 'pnpm-lock'));
    });
  },
};
