/**
 * API tokens of the ingest server: bearer tokens printed once at creation, of which the
 * store keeps only the SHA-256 (tokens are 32 random bytes, so a plain hash is enough:
 * there is nothing to guess), with a name, a scope, an optional expiry and a revocation
 * time. Rows are never deleted; a revoked token stays listed.
 *
 * The server checks tokens against an in-memory copy (TokenCache) refreshed from the
 * database periodically, so authentication never waits on the database; a revocation
 * takes effect at the next refresh (immediately for a server restarted on the store).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AirlockError } from '../common/errors.ts';
import { asIso, type SqlExecutor } from '../evidence/db/sql-client.ts';

export const TOKEN_SCOPES = ['ingest', 'read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const TOKEN_PREFIX = 'alk_';
/** `alk_` and 32 random bytes in base64url (43 characters). */
const TOKEN_SHAPE = /^alk_[A-Za-z0-9_-]{43}$/;
const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
const MAX_EXPIRY_DAYS = 3650;

export interface TokenInfo {
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken extends TokenInfo {
  /** The secret, shown once. */
  token: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isTokenScope(s: string): s is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(s);
}

export function checkTokenName(name: string): string {
  if (!NAME_SHAPE.test(name)) throw new AirlockError('USAGE', `--name: ${JSON.stringify(name)} is not a token name (letters, digits and . _ : @ -, at most 64, starting with a letter or digit)`);
  return name;
}

interface TokenRow {
  id: string;
  name: string;
  scope: string;
  token_hash: string;
  created_at: unknown;
  expires_at: unknown;
  revoked_at: unknown;
  [k: string]: unknown;
}

function rowToInfo(r: TokenRow): TokenInfo {
  return {
    id: String(r.id),
    name: r.name,
    scope: isTokenScope(r.scope) ? r.scope : 'read',
    createdAt: asIso(r.created_at),
    expiresAt: r.expires_at === null || r.expires_at === undefined ? null : asIso(r.expires_at),
    revokedAt: r.revoked_at === null || r.revoked_at === undefined ? null : asIso(r.revoked_at),
  };
}

const COLUMNS = 'id, name, scope, token_hash, created_at, expires_at, revoked_at';

export async function createToken(sql: SqlExecutor, o: { name: string; scope: TokenScope; expiresDays?: number; now?: Date }): Promise<CreatedToken> {
  const name = checkTokenName(o.name);
  if (o.expiresDays !== undefined && (!Number.isInteger(o.expiresDays) || o.expiresDays < 1 || o.expiresDays > MAX_EXPIRY_DAYS)) {
    throw new AirlockError('USAGE', `--expires: expected a number of days from 1 to ${MAX_EXPIRY_DAYS}`);
  }
  const existing = await sql.query<{ id: string }>('SELECT id FROM api_tokens WHERE name = $1 AND revoked_at IS NULL', [name]);
  if (existing[0]) throw new AirlockError('BAD_INPUT', `a token named ${name} exists (id ${String(existing[0].id)}); revoke it first or choose another name`);
  const now = o.now ?? new Date();
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const info: TokenInfo = {
    id: randomUUID(),
    name,
    scope: o.scope,
    createdAt: now.toISOString(),
    expiresAt: o.expiresDays === undefined ? null : new Date(now.getTime() + o.expiresDays * 86_400_000).toISOString(),
    revokedAt: null,
  };
  await sql.query('INSERT INTO api_tokens (id, name, scope, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    info.id, info.name, info.scope, hashToken(token), info.createdAt, info.expiresAt,
  ]);
  return { ...info, token };
}

export async function listTokens(sql: SqlExecutor): Promise<TokenInfo[]> {
  const rows = await sql.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, name`);
  return rows.map(rowToInfo);
}

/** Revokes the active token with this name, or the token with this id. */
export async function revokeToken(sql: SqlExecutor, ref: string, now: Date = new Date()): Promise<TokenInfo> {
  const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const rows = await sql.query<TokenRow>(
    isId ? `SELECT ${COLUMNS} FROM api_tokens WHERE id = $1::uuid` : `SELECT ${COLUMNS} FROM api_tokens WHERE name = $1 AND revoked_at IS NULL`,
    [ref],
  );
  const row = rows[0];
  if (!row) throw new AirlockError('NOT_FOUND', `no ${isId ? '' : 'active '}token ${ref}`);
  if (row.revoked_at !== null && row.revoked_at !== undefined) throw new AirlockError('BAD_INPUT', `token ${ref} was already revoked at ${asIso(row.revoked_at)}`);
  await sql.query('UPDATE api_tokens SET revoked_at = $2 WHERE id = $1::uuid AND revoked_at IS NULL', [row.id, now.toISOString()]);
  return { ...rowToInfo(row), revokedAt: now.toISOString() };
}

export type TokenCheck =
  | { ok: true; token: TokenInfo }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

interface CachedToken {
  info: TokenInfo;
  digest: Buffer;
  expiresAtMs: number | null;
}

/**
 * The tokens the server checks requests against. `check` hashes the presented token and
 * compares its digest with every known digest in constant time (no early exit), so the
 * time taken says nothing about which digest, if any, matched.
 */
export class TokenCache {
  #entries: CachedToken[] = [];
  #loadedAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.#entries.length;
  }

  get loadedAt(): number {
    return this.#loadedAt;
  }

  async refresh(sql: SqlExecutor): Promise<void> {
    const rows = await sql.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens`);
    this.#entries = rows.map((r) => {
      const info = rowToInfo(r);
      return { info, digest: Buffer.from(r.token_hash, 'hex'), expiresAtMs: info.expiresAt ? Date.parse(info.expiresAt) : null };
    });
    this.#loadedAt = this.now();
  }

  check(presented: string): TokenCheck {
    if (!TOKEN_SHAPE.test(presented)) return { ok: false, reason: 'malformed' };
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: CachedToken | undefined;
    for (const e of this.#entries) {
      if (e.digest.length === digest.length && timingSafeEqual(e.digest, digest) && !found) found = e;
    }
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.info.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (found.expiresAtMs !== null && found.expiresAtMs <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, token: found.info };
  }
}
