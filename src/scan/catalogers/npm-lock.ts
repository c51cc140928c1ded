/**
 * package-lock.json and npm-shrinkwrap.json, lockfileVersion 1 (nested `dependencies`),
 * 2 and 3 (flat `packages` keyed by node_modules path). Linked workspace packages
 * (`link: true`) and the root project are not dependencies and are left out.
 */
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { npmPackage } from './npm.ts';

export interface LockedPackage {
  name: string;
  version: string;
  dev?: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parsePackageLock(text: string, source: string): LockedPackage[] {
  const doc = parseJsonStrict(text, source);
  if (!isObj(doc)) throw new AirlockError('BAD_INPUT', `${source}: not a package-lock object`);
  const seen = new Map<string, LockedPackage>();
  const add = (p: LockedPackage): void => {
    const k = `${p.name}@${p.version}`;
    if (!seen.has(k)) seen.set(k, p);
  };
  if (isObj(doc.packages)) {
    for (const [key, v] of Object.entries(doc.packages)) {
      if (key === '' || !isObj(v) || v.link === true) continue;
      const i = key.lastIndexOf('node_modules/');
      if (i < 0) continue; // workspace folder, not an installed dependency
      const name = typeof v.name === 'string' ? v.name : key.slice(i + 'node_modules/'.length);
      if (typeof v.version !== 'string' || v.version === '') continue;
      add({ name, version: v.version, ...(v.dev === true ? { dev: true } : {}) });
    }
    return [...seen.values()];
  }
  const walk = (deps: unknown, depth: number): void => {
    if (!isObj(deps)) return;
    if (depth > 64) throw new AirlockError('BAD_INPUT', `${source}: dependencies nested deeper than 64`);
    for (const [name, v] of Object.entries(deps)) {
      if (!isObj(v) || typeof v.version !== 'string') continue;
      // v1 writes "file:..." or a git URL as version for non-registry deps
      if (!/^(file:|link:|git\+|github:|https?:)/.test(v.version)) add({ name, version: v.version, ...(v.dev === true ? { dev: true } : {}) });
      walk(v.dependencies, depth + 1);
    }
  };
  walk(doc.dependencies, 0);
  return [...seen.values()];
}

export const npmLockCataloger: Cataloger = {
  name: 'npm-lock',
  kind: 'declared',
  hint: { names: ['package-lock.json', 'npm-shrinkwrap.json'] },
  matches: (p) => (baseName(p) === 'package-lock.json' || baseName(p) === 'npm-shrinkwrap.json') && !p.includes('node_modules/'),
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const p of parsePackageLock(text, path)) out.push(npmPackage(p.name, p.version, path, 'npm-lock'));
    });
  },
};
