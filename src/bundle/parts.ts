/**
 * Bundles split for removable media. The tar stream is cut into parts no larger than
 * the part size (FAT32's 4 GiB limit, say), whatever the size of the blobs inside, and a
 * parts list records each part's size and SHA-256 so that verify names a damaged or
 * missing part. Joining is plain concatenation (`cat airlock-bundle.tar.* > b.tar`).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError, errnoCode, ioError } from '../common/errors.ts';
import { fsyncDir } from '../common/fsx.ts';
import { parseJsonStrict } from '../common/json.ts';

export const PARTS_FILE = 'airlock-bundle.parts.json';
export const PART_STEM = 'airlock-bundle.tar';
export const PARTS_MEDIA_TYPE = 'application/vnd.airlock.bundle.parts.v1+json';

const PartsSchema = z
  .object({
    mediaType: z.literal(PARTS_MEDIA_TYPE),
    partSize: z.number().int().positive(),
    totalSize: z.number().int().nonnegative(),
    parts: z
      .array(
        z
          .object({
            name: z.string().regex(/^airlock-bundle\.tar\.\d{3,6}$/, 'must be airlock-bundle.tar.NNN'),
            size: z.number().int().nonnegative(),
            digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
          })
          .strict(),
      )
      .min(1)
      .max(1_000_000),
  })
  .strict();

export type PartsList = z.infer<typeof PartsSchema>;

export function partName(i: number): string {
  return `${PART_STEM}.${String(i).padStart(3, '0')}`;
}

export function parsePartsList(bytes: Uint8Array, source: string): PartsList {
  const raw = parseJsonStrict(bytes, source, { maxBytes: 64 * 1024 * 1024, code: 'VERIFY_FAILED' });
  const r = PartsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AirlockError('VERIFY_FAILED', `${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const list = r.data;
  list.parts.forEach((p, i) => {
    if (p.name !== partName(i)) throw new AirlockError('VERIFY_FAILED', `${source}: parts.${i} must be named ${partName(i)}`);
    if (p.size > list.partSize) throw new AirlockError('VERIFY_FAILED', `${source}: ${p.name} is larger than the part size`);
  });
  if (list.parts.reduce((n, p) => n + p.size, 0) !== list.totalSize) throw new AirlockError('VERIFY_FAILED', `${source}: part sizes do not add up to totalSize`);
  return list;
}

/** A byte sink writing into one file, or into numbered parts of at most partSize bytes. */
export class PartWriter {
  readonly #dir: string;
  readonly #partSize: number;
  readonly #single: string | undefined;
  readonly parts: PartsList['parts'] = [];
  #fh: fsp.FileHandle | undefined;
  #hash = createHash('sha256');
  #inPart = 0;
  #total = 0;

  /** `single` writes one file at that path; otherwise parts go into `dir`. */
  constructor(opts: { dir: string; partSize: number } | { single: string }) {
    if ('single' in opts) {
      this.#single = opts.single;
      this.#dir = '';
      this.#partSize = Number.MAX_SAFE_INTEGER;
    } else {
      this.#single = undefined;
      this.#dir = opts.dir;
      this.#partSize = opts.partSize;
    }
  }

  get totalSize(): number {
    return this.#total;
  }

  async #open(): Promise<void> {
    const path = this.#single ?? join(this.#dir, partName(this.parts.length));
    try {
      this.#fh = await fsp.open(path, 'wx', 0o644);
    } catch (e) {
      throw ioError(path, e, 'create');
    }
    this.#hash = createHash('sha256');
    this.#inPart = 0;
  }

  async #closePart(): Promise<void> {
    if (!this.#fh) return;
    await this.#fh.sync();
    await this.#fh.close();
    this.#fh = undefined;
    if (!this.#single) this.parts.push({ name: partName(this.parts.length), size: this.#inPart, digest: `sha256:${this.#hash.digest('hex')}` });
  }

  async write(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (!this.#fh) await this.#open();
      const room = this.#partSize - this.#inPart;
      const n = Math.min(room, chunk.length - off);
      const piece = chunk.subarray(off, off + n);
      try {
        await (this.#fh as fsp.FileHandle).write(piece);
      } catch (e) {
        throw ioError(this.#single ?? join(this.#dir, partName(this.parts.length)), e, 'write');
      }
      this.#hash.update(piece);
      this.#inPart += n;
      this.#total += n;
      off += n;
      if (this.#inPart === this.#partSize) await this.#closePart();
    }
  }

  async finish(): Promise<PartsList | undefined> {
    if (!this.#fh && (this.#single || this.parts.length === 0)) await this.#open();
    await this.#closePart();
    await fsyncDir(this.#single ? join(this.#single, '..') : this.#dir);
    if (this.#single) return undefined;
    return { mediaType: PARTS_MEDIA_TYPE, partSize: this.#partSize, totalSize: this.#total, parts: this.parts };
  }

  async abort(): Promise<void> {
    await this.#fh?.close().catch(() => undefined);
    this.#fh = undefined;
  }
}

/**
 * Reads the parts in order as one byte stream. Missing parts and parts of the wrong size
 * are found before reading; a part whose content does not match its digest is reported
 * through `onProblem` when its end is reached.
 */
export async function* readParts(dir: string, list: PartsList, onProblem: (line: string) => void): AsyncGenerator<Buffer> {
  const absent: string[] = [];
  for (const p of list.parts) {
    try {
      const st = await fsp.stat(join(dir, p.name));
      if (st.size !== p.size) absent.push(`part ${p.name}: ${st.size} bytes, expected ${p.size} (truncated or damaged)`);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') absent.push(`part ${p.name}: missing`);
      else throw ioError(join(dir, p.name), e);
    }
  }
  if (absent.length > 0) {
    throw new AirlockError('VERIFY_FAILED', absent[0] as string, { details: absent });
  }
  for (const p of list.parts) {
    const hash = createHash('sha256');
    const fh = await fsp.open(join(dir, p.name), 'r').catch((e: unknown) => {
      throw ioError(join(dir, p.name), e);
    });
    try {
      for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        yield chunk;
      }
    } finally {
      await fh.close();
    }
    if (`sha256:${hash.digest('hex')}` !== p.digest) onProblem(`part ${p.name}: content does not match its digest (damaged)`);
  }
}
