/**
 * Envelope encryption of payloads: each payload is sealed with AES-256-GCM under a data
 * key (DEK); DEKs are random, used for at most DEK_MAX_USES payloads, and stored only
 * wrapped by the key provider's KEK. The record id is the additional authenticated
 * data, so a sealed payload moved to another row does not open.
 */
import { randomBytes } from 'node:crypto';
import { AirlockError } from '../../common/errors.ts';
import { asBuffer, asNumber, type SqlClient, type SqlExecutor } from '../db/sql-client.ts';
import { IV_BYTES, open, seal } from './aes-gcm.ts';
import type { KeyProvider } from './key-provider.ts';

/** Well under the 2^32 random-nonce limit NIST SP 800-38D sets for one GCM key. */
export const DEK_MAX_USES = 1_000_000;

export class Envelope {
  readonly #db: SqlClient;
  readonly #provider: KeyProvider;
  readonly #lock: (tx: SqlExecutor) => Promise<void>;
  #current: { id: number; key: Buffer; uses: number } | undefined;
  #creating: Promise<{ id: number; key: Buffer; uses: number }> | undefined;
  readonly #cache = new Map<number, Buffer>();

  /** `lock` serialises writers of the store inside a transaction (the chain lock). */
  constructor(db: SqlClient, provider: KeyProvider, lock: (tx: SqlExecutor) => Promise<void>) {
    this.#db = db;
    this.#provider = provider;
    this.#lock = lock;
  }

  get kekId(): string {
    return this.#provider.kekId;
  }

  async #newKey(): Promise<{ id: number; key: Buffer; uses: number }> {
    const key = randomBytes(32);
    const wrapped = await this.#provider.wrap(key);
    const id = await this.#db.transaction(async (tx) => {
      await this.#lock(tx);
      const rows = await tx.query<{ id: unknown }>(
        `INSERT INTO data_keys (id, provider, kek_id, wrapped, created_at)
         VALUES ((SELECT coalesce(max(id), 0) + 1 FROM data_keys), $1, $2, $3, now()) RETURNING id`,
        [this.#provider.name, this.#provider.kekId, wrapped],
      );
      return asNumber(rows[0]?.id);
    });
    this.#cache.set(id, key);
    return { id, key, uses: 0 };
  }

  /** Seals many payloads; the data key is created (and committed) before first use. */
  async sealAll(items: readonly { id: string; plaintext: Buffer }[]): Promise<{ dekId: number; iv: Buffer; ciphertext: Buffer }[]> {
    if (!this.#current || this.#current.uses + items.length > DEK_MAX_USES) {
      this.#creating ??= this.#newKey().finally(() => (this.#creating = undefined));
      this.#current = await this.#creating;
    }
    const dek = this.#current;
    dek.uses += items.length;
    // The nonces are drawn in one call: drawing 12 bytes at a time cost as much as sealing.
    const nonces = randomBytes(IV_BYTES * items.length);
    return items.map((it, i) => {
      const { iv, sealed } = seal(dek.key, it.plaintext, Buffer.from(it.id), nonces.subarray(i * IV_BYTES, (i + 1) * IV_BYTES));
      return { dekId: dek.id, iv, ciphertext: sealed };
    });
  }

  async #keyOf(dekId: number): Promise<Buffer> {
    const cached = this.#cache.get(dekId);
    if (cached) return cached;
    const rows = await this.#db.query<{ wrapped: unknown; kek_id: string }>('SELECT wrapped, kek_id FROM data_keys WHERE id = $1', [dekId]);
    const row = rows[0];
    if (!row) throw new AirlockError('VERIFY_FAILED', `data key ${dekId} is missing from the store`);
    if (row.kek_id !== this.#provider.kekId) {
      throw new AirlockError('VERIFY_FAILED', `data key ${dekId} is wrapped by key ${row.kek_id}, not by this store's key ${this.#provider.kekId}`);
    }
    const key = await this.#provider.unwrap(asBuffer(row.wrapped));
    this.#cache.set(dekId, key);
    return key;
  }

  /** Opens a sealed payload; throws VERIFY_FAILED when it does not authenticate. */
  async open(recordId: string, dekId: number, iv: Buffer, ciphertext: Buffer): Promise<Buffer> {
    const key = await this.#keyOf(dekId);
    try {
      return open(key, iv, ciphertext, Buffer.from(recordId));
    } catch {
      throw new AirlockError('VERIFY_FAILED', `record ${recordId}: the encrypted payload does not authenticate (altered or moved)`);
    }
  }
}
