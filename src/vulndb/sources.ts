/**
 * Streams the files of an OSV (or NVD) source: a directory (walked without following
 * symlinks; .zip and .tar.gz inside it are opened too), a .zip (yauzl's central directory
 * over a synchronous block reader, one entry in memory at a time) or a .tar.gz / .tgz
 * (tar-parser.ts over zlib). Entry names are only labels, never paths written to, so a "../"
 * name is harmless. Every entry is size-checked before it is read, and each archive has a
 * cap on the bytes it may inflate to, so a decompression bomb stops with a clear error
 * instead of filling memory or disk.
 *
 * With `inflate: false`, DEFLATE zip entries are handed over still compressed (kind
 * "deflated"), so that the importer can inflate them in its worker threads with
 * `inflateEntry` (inflate.ts), which applies the same checks.
 */
import { closeSync, createReadStream, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { AirlockError, ioError } from '../common/errors.ts';
import { inflateEntry } from './inflate.ts';
import { TarParser } from './tar-parser.ts';

export interface SourceLimits {
  /** Largest single file accepted (bigger ones are reported as bad, not read). */
  maxEntryBytes: number;
  /** Most bytes one archive may inflate to before the import stops. */
  maxArchiveBytes: number;
}

export const DEFAULT_LIMITS: SourceLimits = { maxEntryBytes: 16 * 1024 * 1024, maxArchiveBytes: 8 * 1024 * 1024 * 1024 };

export type SourceEntry =
  | { kind: 'file'; name: string; data: Buffer }
  /** A zip entry's raw DEFLATE bytes that inflate to `size` bytes (only with `inflate: false`); `label` names it for errors. */
  | { kind: 'deflated'; name: string; data: Buffer; size: number; label: string }
  /** An entry skipped before reading (too large), to be counted as bad. */
  | { kind: 'skipped'; name: string; reason: string };

const RECORD_FILE = /\.(json|ya?ml)$/i;
const isZip = (p: string): boolean => /\.zip$/i.test(p);
const isTarGz = (p: string): boolean => /\.(tar\.gz|tgz)$/i.test(p);

export function isRecordFile(name: string): boolean {
  return RECORD_FILE.test(name);
}

export interface ReadOptions {
  /** Inflate zip entries here (default); false yields them as "deflated" entries. */
  inflate?: boolean;
}

/** All record files in a path (file, directory, .zip or .tar.gz), with names relative to it. */
export async function* readSource(path: string, limits: SourceLimits = DEFAULT_LIMITS, options: ReadOptions = {}): AsyncGenerator<SourceEntry> {
  const inflate = options.inflate ?? true;
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw ioError(path, e, 'open source');
  }
  if (st.isDirectory()) yield* readDirectory(path, path, limits, inflate);
  else if (isZip(path)) yield* readZip(path, limits, inflate);
  else if (isTarGz(path)) yield* readTarGz(path, limits);
  else if (isRecordFile(path)) yield* readPlainFile(path, path, limits);
  else throw new AirlockError('BAD_INPUT', `${path}: not a directory, .zip, .tar.gz, .json or .yaml file`);
}

async function* readPlainFile(path: string, name: string, limits: SourceLimits): AsyncGenerator<SourceEntry> {
  const st = await fsp.stat(path);
  if (st.size > limits.maxEntryBytes) {
    yield { kind: 'skipped', name, reason: `file of ${st.size} bytes exceeds the limit of ${limits.maxEntryBytes}` };
    return;
  }
  try {
    yield { kind: 'file', name, data: await fsp.readFile(path) };
  } catch (e) {
    throw ioError(path, e, 'read');
  }
}

async function* readDirectory(root: string, dir: string, limits: SourceLimits, inflate: boolean): AsyncGenerator<SourceEntry> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw ioError(dir, e, 'read directory');
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    // Symlinks are not followed: a link could lead out of the source or into a loop.
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) yield* readDirectory(root, p, limits, inflate);
    else if (!e.isFile()) continue;
    else if (isZip(p)) yield* prefixed(relative(root, p), readZip(p, limits, inflate));
    else if (isTarGz(p)) yield* prefixed(relative(root, p), readTarGz(p, limits));
    else if (isRecordFile(p)) yield* readPlainFile(p, relative(root, p), limits);
  }
}

async function* prefixed(prefix: string, entries: AsyncGenerator<SourceEntry>): AsyncGenerator<SourceEntry> {
  for await (const e of entries) yield { ...e, name: `${prefix}!${e.name}` };
}

function entryName(raw: unknown): string {
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
}

/**
 * yauzl's reader over a file, reading 1 MiB blocks synchronously and keeping the last two
 * (the central directory and the entry data being walked). yauzl's default reader makes
 * several asynchronous reads per entry, which dominates on corpora of small records;
 * with this one, yauzl delivers central directory entries synchronously and entry data is
 * sliced straight out of a block. Memory stays at two blocks (or one entry, if larger).
 */
class BlockReader extends yauzl.RandomAccessReader {
  private readonly fd: number;
  private readonly size: number;
  private blocks: { start: number; buf: Buffer }[] = [];

  constructor(fd: number, size: number) {
    super();
    this.fd = fd;
    this.size = size;
  }

  /** Bytes [start, end) of the file; a view of a cached block, valid until the next call. */
  slice(start: number, end: number): Buffer {
    for (const b of this.blocks) if (start >= b.start && end <= b.start + b.buf.length) return b.buf.subarray(start - b.start, end - b.start);
    const len = Math.max(end - start, Math.min(BLOCK_BYTES, this.size - start));
    const buf = Buffer.allocUnsafe(len);
    let off = 0;
    while (off < len) {
      const n = readSync(this.fd, buf, off, len - off, start + off);
      if (n === 0) break;
      off += n;
    }
    if (off < end - start) throw new Error('unexpected end of file');
    this.blocks = [{ start, buf: buf.subarray(0, off) }, ...this.blocks.slice(0, 1)];
    return buf.subarray(0, end - start);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    try {
      this.slice(position, position + length).copy(buffer, offset);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback(null, length);
  }

  override close(callback: (err: Error | null) => void): void {
    try {
      closeSync(this.fd);
      callback(null);
    } catch (e) {
      callback(e as Error);
    }
  }
}

const BLOCK_BYTES = 1024 * 1024;

/**
 * The entries of a zip, one at a time. Over the block reader yauzl emits each entry
 * during readEntry() itself, so waiting happens only at the end (which yauzl defers).
 */
class ZipEntries {
  private readonly zip: yauzl.ZipFile;
  private readonly ready: (yauzl.Entry | null)[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(zip: yauzl.ZipFile, path: string) {
    this.zip = zip;
    zip.on('entry', (e: yauzl.Entry) => this.push(e));
    zip.on('end', () => this.push(null));
    zip.on('error', (err: Error) => {
      this.failure = new AirlockError('BAD_INPUT', `${path}: corrupt zip archive: ${err.message}`);
      this.wake?.();
    });
  }

  private push(e: yauzl.Entry | null): void {
    this.ready.push(e);
    this.wake?.();
  }

  /** The next entry, or undefined after the last. */
  async next(): Promise<yauzl.Entry | undefined> {
    this.zip.readEntry();
    while (this.ready.length === 0 && this.failure === undefined) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    if (this.failure) throw this.failure;
    return this.ready.shift() ?? undefined;
  }
}

function fileDataStart(zip: yauzl.ZipFile, entry: yauzl.Entry, label: string): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.readLocalFileHeader(entry, { minimal: true }, (err, header) => {
      if (err || !header) reject(new AirlockError('BAD_INPUT', `${label}: unreadable zip entry: ${err?.message ?? 'unknown error'}`));
      else resolve(header.fileDataStart);
    });
  });
}

async function* readZip(path: string, limits: SourceLimits, inflate: boolean): AsyncGenerator<SourceEntry> {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    throw ioError(path, e, 'open');
  }
  const reader = new BlockReader(fd, size);
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const options = { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true };
    yauzl.fromRandomAccessReader(reader, size, options, (err, z) => {
      if (err || !z) {
        closeSync(fd);
        reject(new AirlockError('BAD_INPUT', `${path}: not a readable zip archive: ${err?.message ?? 'unknown error'}`));
      } else resolve(z);
    });
  });
  const entries = new ZipEntries(zip, path);
  let inflated = 0;
  try {
    for (let entry = await entries.next(); entry; entry = await entries.next()) {
      const name = entryName(entry.fileName);
      if (name.endsWith('/') || !isRecordFile(name)) continue;
      const label = `${path}!${name}`;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        yield { kind: 'skipped', name, reason: `entry of ${entry.uncompressedSize} bytes exceeds the limit of ${limits.maxEntryBytes}` };
        continue;
      }
      inflated += entry.uncompressedSize;
      if (inflated > limits.maxArchiveBytes) {
        throw new AirlockError('BAD_INPUT', `${path}: archive inflates beyond the limit of ${limits.maxArchiveBytes} bytes`);
      }
      if ((entry.generalPurposeBitFlag & 1) !== 0) throw new AirlockError('BAD_INPUT', `${label}: encrypted zip entries are not supported`);
      const method = entry.compressionMethod;
      if (method !== 0 && method !== 8) throw new AirlockError('BAD_INPUT', `${label}: unsupported zip compression method ${method}`);
      // DEFLATE adds at most 5 bytes per 16 KiB block over the data; more than that is not a real entry.
      if (entry.compressedSize > limits.maxEntryBytes + 5 * Math.ceil(limits.maxEntryBytes / 16384) + 64) {
        throw new AirlockError('BAD_INPUT', `${label}: compressed entry of ${entry.compressedSize} bytes exceeds the limit of ${limits.maxEntryBytes}`);
      }
      const start = await fileDataStart(zip, entry, label);
      let raw: Buffer;
      try {
        raw = reader.slice(start, start + entry.compressedSize);
      } catch (e) {
        throw new AirlockError('BAD_INPUT', `${label}: corrupt zip entry: ${(e as Error).message}`);
      }
      // Entries are copied out of the block: the consumer may keep them past the next read.
      if (method === 0) yield { kind: 'file', name, data: Buffer.from(raw) };
      else if (inflate) yield { kind: 'file', name, data: inflateEntry(raw, entry.uncompressedSize, label) };
      else yield { kind: 'deflated', name, data: Buffer.from(raw), size: entry.uncompressedSize, label };
    }
  } finally {
    zip.close();
  }
}

async function* readTarGz(path: string, limits: SourceLimits): AsyncGenerator<SourceEntry> {
  // Large chunks: fewer trips between zlib's thread pool and the event loop per MiB.
  const input = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  input.on('error', (e) => gunzip.destroy(ioError(path, e, 'read')));
  input.pipe(gunzip);
  const tar = new TarParser((name, size) => isRecordFile(name) && size <= limits.maxEntryBytes);
  let inflated = 0;
  try {
    for await (const chunk of gunzip) {
      inflated += (chunk as Buffer).length;
      if (inflated > limits.maxArchiveBytes) throw new AirlockError('BAD_INPUT', `${path}: archive inflates beyond the limit of ${limits.maxArchiveBytes} bytes`);
      for (const file of tar.push(chunk as Buffer)) {
        if (!isRecordFile(file.name)) continue;
        if (file.data) yield { kind: 'file', name: file.name, data: file.data };
        else yield { kind: 'skipped', name: file.name, reason: `entry of ${file.size} bytes exceeds the limit of ${limits.maxEntryBytes}` };
      }
    }
    tar.end();
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${path}: corrupt .tar.gz: ${(e as Error).message}`);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}
