/**
 * Declared Python dependencies: pinned requirements files (`name==version`),
 * poetry.lock, Pipfile.lock and uv.lock. TOML through smol-toml.
 */
import { parse as parseToml } from 'smol-toml';
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { baseName, type Cataloger, packagesFromText } from './cataloger.ts';
import { pypiPackage } from './python.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Pinned {
  name: string;
  version: string;
}

/** Lines `name[extras]==version` (hashes, markers and comments ignored); ranges are not pins. */
export function parseRequirements(text: string): Pinned[] {
  const out: Pinned[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('-')) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.!+_*-]+)/.exec(line);
    if (m && !m[2]!.includes('*')) out.push({ name: m[1]!, version: m[2]! });
  }
  return out;
}

export function parseToml_(text: string, source: string): Obj {
  try {
    return parseToml(text) as Obj;
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${source}: invalid TOML: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
}

/** poetry.lock and uv.lock: `[[package]]` tables with name and version. */
export function parseTomlPackages(text: string, source: string): Pinned[] {
  const doc = parseToml_(text, source);
  const pkgs = doc.package;
  if (!Array.isArray(pkgs)) return [];
  const out: Pinned[] = [];
  for (const p of pkgs) {
    if (!isObj(p) || typeof p.name !== 'string' || typeof p.version !== 'string') continue;
    // uv lists the project itself with a virtual/editable source
    if (isObj(p.source) && (p.source.virtual !== undefined || p.source.editable !== undefined)) continue;
    out.push({ name: p.name, version: p.version });
  }
  return out;
}

export function parsePipfileLock(text: string, source: string): Pinned[] {
  const doc = parseJsonStrict(text, source);
  if (!isObj(doc)) throw new AirlockError('BAD_INPUT', `${source}: not a Pipfile.lock object`);
  const out: Pinned[] = [];
  for (const section of ['default', 'develop']) {
    const deps = doc[section];
    if (!isObj(deps)) continue;
    for (const [name, v] of Object.entries(deps)) {
      if (isObj(v) && typeof v.version === 'string' && v.version.startsWith('==')) out.push({ name, version: v.version.slice(2) });
    }
  }
  return out;
}

const REQ = /^requirements[^/]*\.txt$/;

export const pythonLockCataloger: Cataloger = {
  name: 'python-lock',
  kind: 'declared',
  hint: { names: ['poetry.lock', 'Pipfile.lock', 'uv.lock'], extensions: ['.txt'] },
  matches: (p) => {
    const b = baseName(p);
    return REQ.test(b) || b === 'poetry.lock' || b === 'Pipfile.lock' || b === 'uv.lock';
  },
  async catalog(ctx, paths) {
    return packagesFromText(ctx, paths, (text, path, out) => {
      const b = baseName(path);
      const pins = b === 'Pipfile.lock' ? parsePipfileLock(text, path) : b.endsWith('.lock') ? parseTomlPackages(text, path) : parseRequirements(text);
      const by = b === 'Pipfile.lock' ? 'pipenv' : b === 'poetry.lock' ? 'poetry' : b === 'uv.lock' ? 'uv' : 'pip-requirements';
      for (const p of pins) out.push(pypiPackage(p.name, p.version, path, by));
    });
  },
};
