/**
 * Batches of source entries for the parser threads, and the parsing of one batch. A batch
 * holds its entries' bytes back to back in one buffer, which is transferred to a worker
 * rather than copied; the result is a flat list of SQL values, which crosses back as one
 * structured clone. `parseBatch` is pure and never throws for bad content: a bad record
 * becomes a "bad" entry with its id and message; only a corrupt archive entry (which
 * stops the build, as a corrupt archive does) becomes a "fatal" one.
 */
import { AirlockError } from '../common/errors.ts';
import { parseOsvRecord } from './osv.ts';
import { advisoryValues, affectedValues, baseEcosystems, type SqlValue } from './rows.ts';
import { inflateEntry } from './inflate.ts';
import type { SourceEntry } from './sources.ts';

/** `sizes` value of an entry whose bytes are the record itself. */
const PLAIN = -1;
/** `sizes` value of an entry skipped before reading (its reason is in `notes`). */
const SKIPPED = -2;

export interface EntryBatch {
  seq: number;
  /** The entries' bytes, back to back; its own ArrayBuffer, so it can be transferred. */
  bytes: Uint8Array;
  /** Where each entry ends in `bytes`. */
  ends: Uint32Array;
  /** Per entry: PLAIN, SKIPPED, or the size a raw DEFLATE entry inflates to. */
  sizes: Int32Array;
  names: string[];
  /** Per entry: why a skipped entry was skipped; the archive label of a deflated one. */
  notes: string[];
}

/** `ParsedBatch.shape` status of an entry. */
export const EntryStatus = { Record: 0, Bad: 1, Fatal: 2 } as const;

/** Numbers per entry in `ParsedBatch.shape`. */
export const SHAPE_STRIDE = 4;

export interface ParsedBatch {
  seq: number;
  /**
   * Per entry, SHAPE_STRIDE numbers: status, then for a record how many aliases, affected
   * packages and base ecosystems it has.
   */
  shape: Int32Array;
  /**
   * The entries' values back to back. A record: its ADVISORY_VALUES advisory columns, its
   * aliases, AFFECTED_VALUES columns per affected package, its base ecosystems. A bad
   * entry: its id (or null) and the error. A fatal entry: the error.
   */
  values: SqlValue[];
}

/** Collects source entries into a batch. */
export class BatchBuilder {
  private parts: Buffer[] = [];
  private ends: number[] = [];
  private sizes: number[] = [];
  private names: string[] = [];
  private notes: string[] = [];
  private total = 0;

  get count(): number {
    return this.names.length;
  }

  get byteLength(): number {
    return this.total;
  }

  add(entry: SourceEntry): void {
    this.names.push(entry.name);
    if (entry.kind === 'skipped') {
      this.sizes.push(SKIPPED);
      this.notes.push(entry.reason);
    } else {
      this.parts.push(entry.data);
      this.total += entry.data.length;
      this.sizes.push(entry.kind === 'deflated' ? entry.size : PLAIN);
      this.notes.push(entry.kind === 'deflated' ? entry.label : '');
    }
    this.ends.push(this.total);
  }

  /** The batch so far (emptying the builder). */
  take(seq: number): EntryBatch {
    // A buffer of its own (Buffer.concat may hand out a slice of Node's shared pool, which must not be transferred).
    const bytes = new Uint8Array(this.total);
    let off = 0;
    for (const p of this.parts) {
      bytes.set(p, off);
      off += p.length;
    }
    const batch: EntryBatch = { seq, bytes, ends: Uint32Array.from(this.ends), sizes: Int32Array.from(this.sizes), names: this.names, notes: this.notes };
    this.parts = [];
    this.ends = [];
    this.sizes = [];
    this.names = [];
    this.notes = [];
    this.total = 0;
    return batch;
  }
}

/** Parses every entry of a batch (in a worker thread, or inline). */
export function parseBatch(batch: EntryBatch): ParsedBatch {
  const n = batch.names.length;
  const shape = new Int32Array(n * SHAPE_STRIDE);
  const values: SqlValue[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const name = batch.names[i] as string;
    const end = batch.ends[i] as number;
    const size = batch.sizes[i] as number;
    let data = batch.bytes.subarray(start, end);
    start = end;
    const at = i * SHAPE_STRIDE;
    if (size === SKIPPED) {
      shape[at] = EntryStatus.Bad;
      values.push(null, `${name}: ${batch.notes[i]}`);
      continue;
    }
    if (size >= 0) {
      try {
        data = inflateEntry(data, size, batch.notes[i] ?? name);
      } catch (e) {
        shape[at] = EntryStatus.Fatal;
        values.push(e instanceof AirlockError ? e.message : `${name}: ${(e as Error).message}`);
        continue;
      }
    }
    let parsed;
    try {
      parsed = parseOsvRecord(data, name);
    } catch (e) {
      // parseOsvRecord reports bad content itself; anything else is still this record's problem, not the build's.
      parsed = { error: { message: `${name}: ${(e as Error).message}` } };
    }
    const a = parsed.advisory;
    if (!a) {
      shape[at] = EntryStatus.Bad;
      values.push(parsed.error?.id ?? null, parsed.error?.message ?? `${name}: unreadable record`);
      continue;
    }
    const bases = baseEcosystems(a);
    shape[at] = EntryStatus.Record;
    shape[at + 1] = a.aliases.length;
    shape[at + 2] = a.affected.length;
    shape[at + 3] = bases.length;
    for (const v of advisoryValues(a)) values.push(v);
    for (const alias of a.aliases) values.push(alias);
    for (const p of a.affected) for (const v of affectedValues(p)) values.push(v);
    for (const b of bases) values.push(b);
  }
  return { seq: batch.seq, shape, values };
}
