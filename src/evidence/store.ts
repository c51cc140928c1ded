/**
 * The evidence store: append-only, hash-chained, encrypted records in PostgreSQL
 * (embedded PGlite or a server), with signed checkpoints of the chain head.
 *
 * Appends are serialised: in this process by a queue, across processes sharing a
 * PostgreSQL server by a transaction-scoped advisory lock, and for the embedded engine
 * by the folder's lock file (PGlite is single-process). A batch is one transaction: it
 * is in the store, chained, when `append` resolves, and absent if it rejects.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { mkdirp } from '../common/fsx.ts';
import { takeDirLock, type Unlock } from '../common/lock.ts';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../trust/keys.ts';
import { PublicKeyVerifier, SoftwareSigner, type Signer, type Verifier } from '../trust/signer.ts';
import { canonicalJson } from './canonical.ts';
import { appendChained, chainLock, headersOf, headOf, type SealedRecord } from './append.ts';
import { contentHashOf } from './chain.ts';
import { signCheckpoint } from './checkpoint.ts';
import { Envelope } from './crypto/envelope.ts';
import { FileKeyProvider } from './crypto/file-key-provider.ts';
import type { KeyProvider } from './crypto/key-provider.ts';
import { migrate } from './db/migrations.ts';
import { openPglite } from './db/pglite-client.ts';
import { openPgliteThread } from './db/pglite-thread.ts';
import { openPostgres, redactUrl, type PostgresTlsOptions } from './db/postgres-client.ts';
import { asIso, asNumber, type SqlClient } from './db/sql-client.ts';
import { HEADER_SELECT, rowToStored, type StoredRow } from './rows.ts';
import { normaliseDraft } from './draft.ts';
import { buildQuery } from './query.ts';
import {
  buildDirFor,
  CHECKPOINT_KEY,
  isVacant,
  KEK_FILE,
  LOCK_FILE,
  PGDATA_DIR,
  readStoreFile,
  writeStoreFile,
  type StoreFile,
} from './store-dir.ts';
import type { EvidenceHeader, EvidenceQuery, EvidenceRecord } from './types.ts';
import { verifyChain, type VerifyOptions, type VerifyReport } from './verify.ts';

export interface OpenStoreOptions {
  /** The store folder: identity and keys; in embedded mode the database too. */
  dir: string;
  /** A PostgreSQL server instead of the embedded engine. */
  dbUrl?: string;
  tls?: PostgresTlsOptions;
  /** Unlocks the key file and the checkpoint key. Needed to append or read payloads. */
  passphrase?: string;
  /** Create the store when the folder is absent or empty. */
  create?: boolean;
  /** Signs checkpoints instead of the store's own checkpoint key. */
  signer?: Signer;
  /** A key provider instead of the store's key file (an HSM, for example). */
  keyProvider?: KeyProvider;
  /** Records between automatic checkpoints. */
  checkpointEvery?: number;
  /**
   * Runs the embedded engine on a thread of its own (db/pglite-thread.ts): for a process
   * that appends continuously (the ingest server), whose thread then keeps to its own work.
   */
  engineThread?: boolean;
}

export interface StoreStatus {
  storeId: string;
  engine: 'pglite' | 'postgres';
  location: string;
  records: number;
  headSeq: number;
  headHash: string;
  lastCheckpoint: { seq: number; createdAt: string; keyId: string } | null;
  firstObservedAt: string | null;
  lastObservedAt: string | null;
}

const PAGE = 1000;

export class EvidenceStore {
  readonly dir: string;
  readonly info: StoreFile;
  readonly location: string;
  readonly #db: SqlClient;
  readonly #envelope: Envelope | undefined;
  readonly #signer: Signer | undefined;
  readonly #unlock: Unlock | undefined;
  readonly #checkpointEvery: number;
  #sinceCheckpoint = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(o: {
    dir: string;
    info: StoreFile;
    location: string;
    db: SqlClient;
    envelope?: Envelope;
    signer?: Signer;
    unlock?: Unlock;
    checkpointEvery: number;
  }) {
    this.dir = o.dir;
    this.info = o.info;
    this.location = o.location;
    this.#db = o.db;
    this.#envelope = o.envelope;
    this.#signer = o.signer;
    this.#unlock = o.unlock;
    this.#checkpointEvery = o.checkpointEvery;
  }

  get storeId(): string {
    return this.info.storeId;
  }

  get engine(): 'pglite' | 'postgres' {
    return this.#db.engine;
  }

  get writable(): boolean {
    return this.#envelope !== undefined;
  }

  /** The public key that verifies this store's own checkpoints. */
  async checkpointVerifier(): Promise<Verifier> {
    return new PublicKeyVerifier(await loadPublicKey(join(this.dir, `${CHECKPOINT_KEY}.pub`)));
  }

  static async open(o: OpenStoreOptions): Promise<EvidenceStore> {
    let info = await readStoreFile(o.dir);
    if (!info) {
      if (!o.create) {
        throw new AirlockError('NOT_FOUND', `${o.dir}: no evidence store here (create one with airlock evidence init, or ingest with --init)`);
      }
      if (!(await isVacant(o.dir))) throw new AirlockError('BAD_INPUT', `${o.dir}: not an evidence store, and not empty; refusing to create one there`);
      if (!o.passphrase) throw new AirlockError('USAGE', `${o.dir}: creating an evidence store needs a passphrase`);
      info = await createStoreDir(o, o.passphrase);
    }
    const engine = o.dbUrl ? 'postgres' : 'pglite';
    if (engine !== info.engine) {
      throw new AirlockError('USAGE', `${o.dir}: this store keeps its records in ${info.engine === 'pglite' ? 'its embedded database' : 'a PostgreSQL server (pass --db-url)'}`);
    }
    const unlock = engine === 'pglite' ? await takeDirLock(o.dir, LOCK_FILE, 'using this evidence store') : undefined;
    let db: SqlClient | undefined;
    try {
      db = o.dbUrl ? await openPostgres(o.dbUrl, o.tls) : o.engineThread ? await openPgliteThread(join(o.dir, PGDATA_DIR)) : await openPglite(join(o.dir, PGDATA_DIR));
      const location = o.dbUrl ? redactUrl(o.dbUrl) : join(o.dir, PGDATA_DIR);
      await migrate(db, location);
      const meta = await db.query<{ value: string }>("SELECT value FROM store_meta WHERE key = 'store_id'");
      if (meta[0]?.value !== info.storeId) {
        throw new AirlockError('BAD_INPUT', `${location}: holds ${meta[0] ? `evidence store ${meta[0].value}` : 'no evidence store'}, not ${info.storeId} of ${o.dir}`);
      }
      let envelope: Envelope | undefined;
      let signer = o.signer;
      if (o.passphrase !== undefined || o.keyProvider) {
        const provider = o.keyProvider ?? (await FileKeyProvider.open(join(o.dir, KEK_FILE), o.passphrase ?? ''));
        if (provider.kekId !== info.kekId) {
          throw new AirlockError('VERIFY_FAILED', `${o.dir}: the key provider's key ${provider.kekId} is not this store's key ${info.kekId}`);
        }
        envelope = new Envelope(db, provider, (tx) => chainLock(db!, tx));
        signer ??= new SoftwareSigner(await loadPrivateKey(join(o.dir, `${CHECKPOINT_KEY}.key`), o.passphrase));
      }
      return new EvidenceStore({ dir: o.dir, info, location, db, envelope, signer, unlock, checkpointEvery: o.checkpointEvery ?? 1000 });
    } catch (e) {
      await db?.close().catch(() => undefined);
      await unlock?.();
      throw e;
    }
  }

  #requireKeys(what: string): Envelope {
    if (this.#closed) throw new AirlockError('USAGE', `${this.dir}: the evidence store is closed`);
    if (!this.#envelope) throw new AirlockError('USAGE', `${this.dir}: ${what} needs the store's passphrase (AIRLOCK_EVIDENCE_PASSPHRASE or --passphrase-file)`);
    return this.#envelope;
  }

  /**
   * Appends drafts as one transaction and returns their headers. Every draft is
   * validated first; one invalid draft rejects the batch and nothing is written.
   */
  async append(drafts: readonly unknown[], where = 'record'): Promise<EvidenceHeader[]> {
    const envelope = this.#requireKeys('writing evidence');
    if (drafts.length === 0) return [];
    const items = drafts.map((d, i) => {
      const n = normaliseDraft(d, drafts.length === 1 ? where : `${where} record ${i + 1}`, canonicalJson);
      const id = randomUUID();
      return { draft: n, id, contentHash: contentHashOf(id, n.plaintext) };
    });
    const sealed = await envelope.sealAll(items.map((it) => ({ id: it.id, plaintext: it.draft.plaintext })));
    const records: SealedRecord[] = items.map(({ draft: d, id, contentHash }, i) => ({
      id,
      kind: d.kind,
      source: d.source,
      subject: d.subject,
      observedAt: d.observedAt,
      outcome: d.outcome,
      severity: d.severity,
      controls: d.controls,
      contentHash,
      ...sealed[i]!,
    }));
    const run = this.#queue.then(() => this.#commit(records));
    this.#queue = run.catch(() => undefined);
    const headers = await run;
    this.#sinceCheckpoint += headers.length;
    if (this.#sinceCheckpoint >= this.#checkpointEvery) await this.checkpoint();
    return headers;
  }

  /** The embedded engine's thread runs the append on its side (one message per batch). */
  async #commit(records: readonly SealedRecord[]): Promise<EvidenceHeader[]> {
    return headersOf(records, await (this.#db.appendChained ? this.#db.appendChained(records) : appendChained(this.#db, records)));
  }

  /** Signs a checkpoint of the current head, if it moved since the last one. */
  async checkpoint(): Promise<{ seq: number; headHash: string } | undefined> {
    const signer = this.#signer;
    if (!signer) throw new AirlockError('USAGE', `${this.dir}: signing a checkpoint needs the store's passphrase or a signing key`);
    const run = this.#queue.then(() =>
      this.#db.transaction(async (tx) => {
        await chainLock(this.#db, tx);
        const head = await headOf(tx);
        const last = await tx.query<{ seq: unknown }>('SELECT seq FROM checkpoints ORDER BY seq DESC LIMIT 1');
        const previous = last[0] ? asNumber(last[0].seq) : null;
        if (head.seq === 0 || previous === head.seq) return undefined;
        const createdAt = new Date().toISOString();
        const signed = await signCheckpoint(signer, { type: 'airlock.evidence.checkpoint/v1', storeId: this.storeId, seq: head.seq, headHash: head.hash, createdAt, previous });
        await tx.query('INSERT INTO checkpoints (seq, head_hash, created_at, key_id, statement, bundle) VALUES ($1,$2,$3,$4,$5,$6)', [
          head.seq, head.hash, createdAt, signed.keyId, signed.statement, signed.bundle,
        ]);
        return { seq: head.seq, headHash: head.hash };
      }),
    );
    this.#queue = run.catch(() => undefined);
    const r = await run;
    this.#sinceCheckpoint = 0;
    return r;
  }

  /** The newest signed checkpoint, as stored (statement and Sigstore bundle). */
  async latestCheckpoint(): Promise<{ seq: number; headHash: string; keyId: string; statement: string; bundle: string } | undefined> {
    const rows = await this.#db.query<{ seq: unknown; head_hash: string; key_id: string; statement: string; bundle: string }>(
      'SELECT seq, head_hash, key_id, statement, bundle FROM checkpoints ORDER BY seq DESC LIMIT 1',
    );
    const r = rows[0];
    return r ? { seq: asNumber(r.seq), headHash: r.head_hash, keyId: r.key_id, statement: r.statement, bundle: r.bundle } : undefined;
  }

  /** Stored rows in chain order, a page at a time (the verifier and exports read these). */
  async *rows(q: EvidenceQuery = {}): AsyncGenerator<StoredRow> {
    let after = q.afterSeq ?? 0;
    let left = q.limit ?? Number.POSITIVE_INFINITY;
    for (;;) {
      const { where, params } = buildQuery({ ...q, afterSeq: after });
      const n = Math.min(PAGE, left);
      if (n <= 0) return;
      const page = await this.#db.query(`SELECT ${HEADER_SELECT} FROM records ${where} ORDER BY seq LIMIT ${n}`, params);
      for (const r of page) {
        const s = rowToStored(r);
        after = s.header.seq;
        yield s;
      }
      left -= page.length;
      if (page.length < n) return;
    }
  }

  async *headers(q: EvidenceQuery = {}): AsyncGenerator<EvidenceHeader> {
    for await (const r of this.rows(q)) yield r.header;
  }

  /** Records with their decrypted title and payload. */
  async *records(q: EvidenceQuery = {}): AsyncGenerator<EvidenceRecord> {
    for await (const r of this.rows(q)) yield this.#decrypt(r);
  }

  async #decrypt(r: StoredRow): Promise<EvidenceRecord> {
    const envelope = this.#requireKeys('reading evidence payloads');
    const plain = await envelope.open(r.header.id, r.dekId, r.iv, r.ciphertext);
    if (contentHashOf(r.header.id, plain) !== r.header.contentHash) {
      throw new AirlockError('VERIFY_FAILED', `record ${r.header.seq} (${r.header.id}): the payload does not match its content hash`);
    }
    const body = JSON.parse(plain.toString('utf8')) as { title: string; payload: unknown };
    return { ...r.header, title: body.title, payload: body.payload };
  }

  /** One record by id (UUID) or sequence number. */
  async get(ref: string): Promise<EvidenceRecord> {
    const bySeq = /^[0-9]{1,15}$/.test(ref);
    if (!bySeq && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) {
      throw new AirlockError('USAGE', `${ref}: not a record id (UUID) or sequence number`);
    }
    const rows = await this.#db.query(`SELECT ${HEADER_SELECT} FROM records WHERE ${bySeq ? 'seq = $1' : 'id = $1::uuid'}`, [bySeq ? Number(ref) : ref]);
    if (!rows[0]) throw new AirlockError('NOT_FOUND', `${this.dir}: no evidence record ${ref}`);
    return this.#decrypt(rowToStored(rows[0]));
  }

  async count(q: EvidenceQuery = {}): Promise<number> {
    const { where, params } = buildQuery(q);
    const rows = await this.#db.query<{ n: unknown }>(`SELECT count(*) AS n FROM records ${where}`, params);
    return asNumber(rows[0]?.n ?? 0);
  }

  async status(): Promise<StoreStatus> {
    const head = await headOf(this.#db);
    const agg = await this.#db.query<{ n: unknown; first: unknown; last: unknown }>(
      'SELECT count(*) AS n, min(observed_at) AS first, max(observed_at) AS last FROM records',
    );
    const cp = await this.#db.query<{ seq: unknown; created_at: unknown; key_id: string }>('SELECT seq, created_at, key_id FROM checkpoints ORDER BY seq DESC LIMIT 1');
    const a = agg[0];
    return {
      storeId: this.storeId,
      engine: this.engine,
      location: this.location,
      records: asNumber(a?.n ?? 0),
      headSeq: head.seq,
      headHash: head.hash,
      lastCheckpoint: cp[0] ? { seq: asNumber(cp[0].seq), createdAt: asIso(cp[0].created_at), keyId: cp[0].key_id } : null,
      firstObservedAt: a?.first ? asIso(a.first) : null,
      lastObservedAt: a?.last ? asIso(a.last) : null,
    };
  }

  /** Re-walks the chain and the checkpoints; see verify.ts. */
  async verify(o: Omit<VerifyOptions, 'storeId' | 'open'> & { decrypt?: boolean }): Promise<VerifyReport> {
    const envelope = o.decrypt ? this.#requireKeys('checking payloads') : undefined;
    return verifyChain(this.#db, {
      ...o,
      storeId: this.storeId,
      open: envelope ? (id, dekId, iv, ct) => envelope.open(id, dekId, iv, ct) : undefined,
    });
  }

  /** The SQL client, for the modules that keep their own tables (retention, holds). */
  get sql(): SqlClient {
    return this.#db;
  }

  /** Waits for pending appends, signs a final checkpoint, closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#queue;
      if (this.#signer && this.#sinceCheckpoint > 0) await this.checkpoint().catch(() => undefined);
    } finally {
      this.#closed = true;
      await this.#db.close().catch(() => undefined);
      await this.#unlock?.();
    }
  }
}

/**
 * Creates the store folder: key file, checkpoint key pair, database, identity. Built in a
 * sibling folder and renamed into place, so an interrupted init leaves nothing behind.
 */
async function createStoreDir(o: OpenStoreOptions, passphrase: string): Promise<StoreFile> {
  const build = buildDirFor(o.dir);
  await fsp.rm(build, { recursive: true, force: true });
  await mkdirp(build);
  try {
    const provider = o.keyProvider ?? (await FileKeyProvider.create(join(build, KEK_FILE), passphrase));
    const pair = await generateKeyPair(build, CHECKPOINT_KEY, passphrase);
    const info: StoreFile = {
      format: 'airlock.evidence-store/v1',
      storeId: randomUUID(),
      engine: o.dbUrl ? 'postgres' : 'pglite',
      createdAt: new Date().toISOString(),
      kekId: provider.kekId,
      checkpointKeyId: pair.keyId,
    };
    const db = o.dbUrl ? await openPostgres(o.dbUrl, o.tls) : await openPglite(join(build, PGDATA_DIR));
    try {
      await migrate(db, o.dbUrl ? redactUrl(o.dbUrl) : o.dir);
      await db.transaction(async (tx) => {
        const existing = await tx.query<{ value: string }>("SELECT value FROM store_meta WHERE key = 'store_id'");
        if (existing[0]) {
          throw new AirlockError('BAD_INPUT', `${redactUrl(o.dbUrl ?? '')}: already holds evidence store ${existing[0].value}; open it with its own store folder`);
        }
        await tx.query("INSERT INTO store_meta (key, value) VALUES ('store_id', $1), ('kek_id', $2), ('created_at', $3)", [info.storeId, info.kekId, info.createdAt]);
      });
    } finally {
      await db.close();
    }
    await writeStoreFile(build, info);
    await fsp.rm(o.dir, { recursive: true, force: true }); // vacant: absent or empty
    await fsp.rename(build, o.dir);
    return info;
  } catch (e) {
    await fsp.rm(build, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
