/**
 * The evidence schema, as numbered migrations applied in order when a store is opened.
 * A migration is never edited once released; changes are new migrations. Opening a
 * database migrated by a newer Airlock is refused rather than guessed at.
 *
 * Records are append-only by construction: the application never updates or deletes
 * them, and a trigger refuses UPDATE and DELETE so that a mistake in code cannot either.
 * (A database owner can drop the trigger; that is what the hash chain and the signed
 * checkpoints are for.)
 */
import { AirlockError } from '../../common/errors.ts';
import { asNumber, type SqlClient } from './sql-client.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, data keys, checkpoints',
    sql: `
      CREATE TABLE store_meta (
        key   text PRIMARY KEY,
        value text NOT NULL
      );
      CREATE TABLE data_keys (
        id         integer PRIMARY KEY,
        provider   text NOT NULL,
        kek_id     text NOT NULL,
        wrapped    bytea NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE TABLE records (
        seq          bigint PRIMARY KEY,
        id           uuid NOT NULL UNIQUE,
        kind         text NOT NULL,
        source       text NOT NULL,
        subject      text NOT NULL,
        collected_at timestamptz NOT NULL,
        observed_at  timestamptz NOT NULL,
        outcome      text NOT NULL,
        severity     text NOT NULL,
        controls     text[] NOT NULL,
        content_hash text NOT NULL,
        dek_id       integer NOT NULL REFERENCES data_keys(id),
        iv           bytea NOT NULL,
        ciphertext   bytea NOT NULL,
        prev_hash    text NOT NULL,
        record_hash  text NOT NULL
      );
      CREATE INDEX records_observed_at ON records (observed_at);
      CREATE INDEX records_kind ON records (kind, observed_at);
      CREATE INDEX records_subject ON records (subject);
      CREATE INDEX records_controls ON records USING gin (controls);
      CREATE TABLE checkpoints (
        seq        bigint PRIMARY KEY,
        head_hash  text NOT NULL,
        created_at timestamptz NOT NULL,
        key_id     text NOT NULL,
        statement  text NOT NULL,
        bundle     text NOT NULL
      );
      CREATE FUNCTION airlock_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'evidence records are append-only';
      END $$;
      CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON records
        FOR EACH ROW EXECUTE FUNCTION airlock_append_only();
    `,
  },
  {
    version: 2,
    name: 'retention policy and legal holds',
    sql: `
      CREATE TABLE retention_policies (
        id          bigserial PRIMARY KEY,
        created_at  timestamptz NOT NULL,
        kind        text,
        keep_days   integer NOT NULL CHECK (keep_days > 0),
        reason      text NOT NULL
      );
      CREATE TABLE legal_holds (
        id          uuid PRIMARY KEY,
        created_at  timestamptz NOT NULL,
        subject     text,
        control     text,
        from_time   timestamptz,
        to_time     timestamptz,
        reason      text NOT NULL,
        released_at timestamptz,
        release_reason text
      );
    `,
  },
  {
    version: 3,
    name: 'API tokens of the ingest server',
    sql: `
      CREATE TABLE api_tokens (
        id          uuid PRIMARY KEY,
        name        text NOT NULL,
        scope       text NOT NULL CHECK (scope IN ('ingest', 'read')),
        token_hash  text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL,
        expires_at  timestamptz,
        revoked_at  timestamptz
      );
      CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
    `,
  },
];

/** Serialises migrations across processes sharing one PostgreSQL server. */
const MIGRATION_LOCK = 0x4169726c; // "Airl"

export async function migrate(db: SqlClient, source: string): Promise<number> {
  return db.transaction(async (tx) => {
    if (db.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
    const rows = await tx.query<{ v: unknown }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
    const current = asNumber(rows[0]?.v ?? 0);
    const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
    if (current > latest) {
      throw new AirlockError('UNSUPPORTED', `${source}: the evidence schema is at version ${current}, newer than this airlock knows (${latest}); upgrade airlock`);
    }
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
    }
    return latest;
  });
}
