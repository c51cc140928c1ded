/**
 * Where registry credentials come from, first match wins: `--creds user:pass`, the
 * environment (AIRLOCK_REGISTRY_USERNAME / AIRLOCK_REGISTRY_PASSWORD), then a
 * docker/podman auth file (`REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
 * `$DOCKER_CONFIG/config.json`, `~/.docker/config.json`). Credential helpers are not
 * run: an isolated host has none, and running arbitrary helpers is a risk.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../../common/errors.ts';
import { pathExists, readFileBounded } from '../../common/fsx.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { DOCKER_HUB } from './reference.ts';

export interface Credentials {
  username: string;
  password: string;
}

export const USERNAME_ENV = 'AIRLOCK_REGISTRY_USERNAME';
export const PASSWORD_ENV = 'AIRLOCK_REGISTRY_PASSWORD';

export function parseCreds(value: string, source = '--creds'): Credentials {
  const i = value.indexOf(':');
  if (i <= 0) throw new AirlockError('USAGE', `${source}: expected user:password`);
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

/** Pure: the credentials for `registry` in an auth file's bytes, if any. */
export function credsFromAuthFile(bytes: Uint8Array, registry: string, source: string): Credentials | undefined {
  const doc = parseJsonStrict(bytes, source, { maxBytes: 1024 * 1024 }) as { auths?: unknown };
  if (typeof doc !== 'object' || doc === null) throw new AirlockError('BAD_INPUT', `${source}: not a JSON object`);
  const auths = doc.auths;
  if (auths === undefined) return undefined;
  if (typeof auths !== 'object' || auths === null) throw new AirlockError('BAD_INPUT', `${source}: "auths" must be an object`);
  const keys = registry === DOCKER_HUB ? [DOCKER_HUB, 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'] : [registry];
  const table = auths as Record<string, unknown>;
  for (const [key, entry] of Object.entries(table)) {
    const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (!keys.includes(key) && !keys.includes(host)) continue;
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as { auth?: unknown; username?: unknown; password?: unknown };
    if (typeof e.auth === 'string' && e.auth !== '') {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      return parseCreds(decoded, `${source}: auths["${key}"].auth`);
    }
    if (typeof e.username === 'string' && typeof e.password === 'string') return { username: e.username, password: e.password };
  }
  return undefined;
}

export function authFileCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  out.push(join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json'));
  return out;
}

export interface CredentialOptions {
  creds?: string | Credentials;
  authFile?: string;
  env?: NodeJS.ProcessEnv;
}

export async function resolveCredentials(registry: string, opts: CredentialOptions): Promise<Credentials | undefined> {
  if (opts.creds !== undefined) return typeof opts.creds === 'string' ? parseCreds(opts.creds) : opts.creds;
  const env = opts.env ?? process.env;
  const user = env[USERNAME_ENV];
  if (user) return { username: user, password: env[PASSWORD_ENV] ?? '' };
  const files = opts.authFile ? [opts.authFile] : authFileCandidates(env);
  for (const f of files) {
    if (!(await pathExists(f))) {
      if (opts.authFile) throw new AirlockError('NOT_FOUND', `${f}: no such auth file`);
      continue;
    }
    const c = credsFromAuthFile(await readFileBounded(f, 1024 * 1024, 'auth file'), registry, f);
    if (c) return c;
  }
  return undefined;
}
