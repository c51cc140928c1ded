/**
 * Streams the files of an OSV (or NVD) source: a directory (walked without following
 * symlinks; .zip and .tar.gz inside it are opened too), a .zip (yauzl, one entry in memory
 * at a time) or a .tar.gz / .tgz (tar-stream over zlib). Entry names are only labels,
 * never paths written to, so a "../" name is harmless. Every entry is size-checked
 * before it is read, and each archive has a cap on the bytes it may inflate to, so a
 * decompression bomb stops with a clear error instead of filling memory or disk.
 */
import { closeSync, createReadStream, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createGunzip, inflateRawSync } from 'node:zlib';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import tar from 'tar-stream';
import { AirlockError, ioError } from '../common/errors.ts';

export interface SourceLimits {
  /** Largest single file accepted (bigger ones are reported as bad, not read). */
  maxEntryBytes: number;
  /** Most bytes one archive may inflate to before the import stops. */
  maxArchiveBytes: number;
}

export const DEFAULT_LIMITS: SourceLimits = { maxEntryBytes: 16 * 1024 * 1024, maxArchiveBytes: 8 * 1024 * 1024 * 1024 };

export type SourceEntry =
  | { kind: 'file'; name: string; data: Buffer }
  /** An entry skipped before reading (too large), to be counted as bad. */
  | { kind: 'skipped'; name: string; reason: string };

const RECORD_FILE = /\.(json|ya?ml)$/i;
const isZip = (p: string): boolean => /\.zip$/i.test(p);
const isTarGz = (p: string): boolean => /\.(tar\.gz|tgz)$/i.test(p);

export function isRecordFile(name: string): boolean {
  return RECORD_FILE.test(name);
}

/** All record files in a path (file, directory, .zip or .tar.gz), with names relative to it. */
export async function* readSource(path: string, limits: SourceLimits = DEFAULT_LIMITS): AsyncGenerator<SourceEntry> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw ioError(path, e, 'open source');
  }
  if (st.isDirectory()) yield* readDirectory(path, path, limits);
  else if (isZip(path)) yield* readZip(path, limits);
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

async function* readDirectory(root: string, dir: string, limits: SourceLimits): AsyncGenerator<SourceEntry> {
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
    if (e.isDirectory()) yield* readDirectory(root, p, limits);
    else if (!e.isFile()) continue;
    else if (isZip(p)) yield* prefixed(relative(root, p), readZip(p, limits));
    else if (isTarGz(p)) yield* prefixed(relative(root, p), readTarGz(p, limits));
    else if (isRecordFile(p)) yield* readPlainFile(p, relative(root, p), limits);
  }
}

async function* prefixed(prefix: string, entries: AsyncGenerator<SourceEntry>): AsyncGenerator<SourceEntry> {
  for await (const e of entries) yield { ...e, name: `${prefix}!${e.name}` };
}

async function readAll(stream: AsyncIterable<unknown> & { destroy(): void }, limit: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new AirlockError('BAD_INPUT', `${name}: entry inflates beyond its limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function entryName(raw: unknown): string {
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
}

/**
 * yauzl's reader over a file, reading 1 MiB blocks synchronously and keeping the last two
 * (the central directory and the entry data being walked). yauzl's default reader makes
 * several asynchronous reads per entry, which dominates on corpora of small records;
 * this one makes one read per MiB. Memory stays at two blocks (or one entry, if larger).
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

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    try {
      this.slice(position, position + length).copy(buffer, offset);
    } catch (e) {
      callback(e as Error);
      return;
    }
    callback(null);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([this.slice(start, end)], { objectMode: false });
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

async function* readZip(path: string, limits: SourceLimits): AsyncGenerator<SourceEntry> {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    throw ioError(path, e, 'open');
  }
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const options = { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true };
    yauzl.fromRandomAccessReader(new BlockReader(fd, size), size, options, (err, z) => {
      if (err || !z) {
        closeSync(fd);
        reject(new AirlockError('BAD_INPUT', `${path}: not a readable zip archive: ${err?.message ?? 'unknown error'}`));
      } else resolve(z);
    });
  });
  let inflated = 0;
  try {
    while (true) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry): void => {
          cleanup();
          resolve(e);
        };
        const onEnd = (): void => {
          cleanup();
          resolve(undefined);
        };
        const onError = (err: Error): void => {
          cleanup();
          reject(new AirlockError('BAD_INPUT', `${path}: corrupt zip archive: ${err.message}`));
        };
        const cleanup = (): void => {
          zip.off('entry', onEntry);
          zip.off('end', onEnd);
          zip.off('error', onError);
        };
        zip.on('entry', onEntry);
        zip.on('end', onEnd);
        zip.on('error', onError);
        zip.readEntry();
      });
      if (!entry) return;
      const name = entryName(entry.fileName);
      if (name.endsWith('/') || !isRecordFile(name)) continue;
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        yield { kind: 'skipped', name, reason: `entry of ${entry.uncompressedSize} bytes exceeds the limit of ${limits.maxEntryBytes}` };
        continue;
      }
      inflated += entry.uncompressedSize;
      if (inflated > limits.maxArchiveBytes) {
        throw new AirlockError('BAD_INPUT', `${path}: archive inflates beyond the limit of ${limits.maxArchiveBytes} bytes`);
      }
      // The compressed bytes are read raw and inflated in one call: a zlib stream per entry
      // costs more than the inflating itself on corpora of many small records.
      const stream = await new Promise<Readable>((resolve, reject) => {
        zip.openReadStream(entry, { decompress: false } as yauzl.ZipFileOptions, (err, s) => {
          if (err || !s) reject(new AirlockError('BAD_INPUT', `${path}!${name}: unreadable zip entry: ${err?.message ?? 'unknown error'}`));
          else resolve(s);
        });
      });
      let data: Buffer;
      try {
        const raw = await readAll(stream, limits.maxEntryBytes, `${path}!${name}`);
        if (entry.compressionMethod === 0) data = raw;
        else if (entry.compressionMethod === 8) data = inflateRawSync(raw, { maxOutputLength: limits.maxEntryBytes });
        else throw new AirlockError('BAD_INPUT', `${path}!${name}: unsupported zip compression method ${entry.compressionMethod}`);
      } catch (e) {
        if (e instanceof AirlockError) throw e;
        throw new AirlockError('BAD_INPUT', `${path}!${name}: corrupt zip entry: ${(e as Error).message}`);
      }
      if (data.length !== entry.uncompressedSize) throw new AirlockError('BAD_INPUT', `${path}!${name}: entry size does not match the zip directory`);
      yield { kind: 'file', name, data };
    }
  } finally {
    zip.close();
  }
}

async function* readTarGz(path: string, limits: SourceLimits): AsyncGenerator<SourceEntry> {
  const extract = tar.extract();
  // Large chunks: fewer trips between the thread pool and the event loop per MiB.
  const input = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  let inflated = 0;
  const fail = (e: Error): void => {
    extract.destroy(new AirlockError('BAD_INPUT', `${path}: corrupt .tar.gz: ${e.message}`));
  };
  input.on('error', (e) => extract.destroy(ioError(path, e, 'read')));
  gunzip.on('error', fail);
  gunzip.on('data', (chunk: Buffer) => {
    inflated += chunk.length;
    if (inflated > limits.maxArchiveBytes) {
      gunzip.destroy();
      extract.destroy(new AirlockError('BAD_INPUT', `${path}: archive inflates beyond the limit of ${limits.maxArchiveBytes} bytes`));
    }
  });
  input.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = h.name;
      if (h.type !== 'file' || !isRecordFile(name)) {
        entry.resume();
        continue;
      }
      if ((h.size ?? 0) > limits.maxEntryBytes) {
        entry.resume();
        yield { kind: 'skipped', name, reason: `entry of ${h.size} bytes exceeds the limit of ${limits.maxEntryBytes}` };
        continue;
      }
      yield { kind: 'file', name, data: await readAll(entry, limits.maxEntryBytes, `${path}!${name}`) };
    }
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${path}: corrupt .tar.gz: ${(e as Error).message}`);
  } finally {
    input.destroy();
  }
}
