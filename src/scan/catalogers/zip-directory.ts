/**
 * Zip archives read through their central directory only (jars, wars, eggs): the end
 * record and the directory are read from the end of the file, the names are checked
 * as raw bytes, and only the entries a cataloger selects are read and inflated. A jar of
 * thousands of classes costs two reads and one pass over its directory.
 *
 * Hostile input: every offset and size is checked against the file, ZIP64 fields are
 * honoured, declared sizes are checked against what inflates (zip bombs), encrypted and
 * multi-disk archives are refused. Errors are AirlockErrors naming the archive.
 * Archives with bytes before the zip (a launcher script) are read as Java and Go read
 * them: offsets count from where the directory really is.
 */
import { inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { AirlockError } from '../../common/errors.ts';
import type { FileReader } from '../targets/vfs.ts';

export interface ZipEntry {
  /** Decoded as yauzl decodes it (CP437 or UTF-8, Info-ZIP Unicode path; backslashes as "/"). */
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where the entry's local header starts in the file. */
  localHeaderOffset: number;
}

export interface ZipDirectory {
  /** Every entry in the directory, selected or not. */
  entryCount: number;
  /** The selected entries, in directory order. */
  entries: ZipEntry[];
}

const EOCD = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
/** Most zips have no comment: the end record is in the last bytes. */
const FIRST_TAIL = 4096;
const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024;
const UNICODE_PATH = 0x7075;

function bad(source: string, what: string): AirlockError {
  return new AirlockError('BAD_INPUT', `${source}: not a readable zip archive: ${what}`);
}

/** The last end-of-central-directory signature in `tail` that fits, or -1. */
function findEnd(tail: Buffer): number {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail[i] === 0x50 && tail.readUInt32LE(i) === EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return -1;
}

function u64(buf: Buffer, at: number, source: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(source, 'a ZIP64 size or offset is out of range');
  return Number(v);
}

/** The ZIP64 extended information extra field replaces the fields that are all ones. */
function zip64Fields(extra: Buffer, e: { uncompressedSize: number; compressedSize: number; localHeaderOffset: number }, source: string): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const len = extra.readUInt16LE(at + 2);
    const data = at + 4;
    if (data + len > extra.length) return;
    if (id === 0x0001) {
      let p = data;
      for (const k of ['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const) {
        if (e[k] !== 0xffffffff) continue;
        if (p + 8 > data + len) throw bad(source, 'a ZIP64 extra field is too short');
        e[k] = u64(extra, p, source);
        p += 8;
      }
      return;
    }
    at = data + len;
  }
}

/** Whether the extra fields in buf[start, end) hold an Info-ZIP Unicode path. */
function hasUnicodePath(buf: Buffer, start: number, end: number): boolean {
  for (let at = start; at + 4 <= end; at += 4 + buf.readUInt16LE(at + 2)) if (buf.readUInt16LE(at) === UNICODE_PATH) return true;
  return false;
}

/**
 * Reads the central directory and returns the entries `select` keeps. `candidate` sees
 * the raw name bytes first (a cheap test on every entry); only entries it passes are
 * decoded and handed to `select`. An entry whose name may decode differently from its
 * bytes (an Info-ZIP Unicode path) is always decoded.
 */
export async function readZipDirectory(
  file: FileReader,
  source: string,
  maxEntries: number,
  candidate: (raw: Buffer, start: number, end: number) => boolean,
  select: (name: string) => boolean,
): Promise<ZipDirectory> {
  const size = file.size;
  const noEnd = (): AirlockError => bad(source, 'End of central directory record signature not found. Either not a zip file, or file is truncated.');
  if (size < EOCD_SIZE) throw noEnd();
  let tailStart = Math.max(0, size - FIRST_TAIL);
  let tail = await file.read(tailStart, size - tailStart);
  let end = findEnd(tail);
  if (end < 0 && tailStart > 0) {
    tailStart = Math.max(0, size - EOCD_SIZE - MAX_COMMENT);
    tail = await file.read(tailStart, size - tailStart);
    end = findEnd(tail);
  }
  if (end < 0) throw noEnd();
  const endAt = tailStart + end;
  if (tail.readUInt16LE(end + 4) !== 0 || tail.readUInt16LE(end + 6) !== 0) throw new AirlockError('UNSUPPORTED', `${source}: multi-disk zip archives are not supported`);
  let count = tail.readUInt16LE(end + 10);
  let dirSize = tail.readUInt32LE(end + 12);
  let dirOffset = tail.readUInt32LE(end + 16);
  let dirEnd = endAt;
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // ZIP64: a locator just before the end record points at the ZIP64 end record.
    const locAt = endAt - 20;
    const loc = locAt >= 0 ? await file.read(locAt, 20) : Buffer.alloc(0);
    if (loc.length === 20 && loc.readUInt32LE(0) === ZIP64_LOCATOR) {
      const recAt = u64(loc, 8, source);
      const rec = await file.read(recAt, 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== ZIP64_EOCD) throw bad(source, 'ZIP64 end of central directory record not found');
      count = u64(rec, 32, source);
      dirSize = u64(rec, 40, source);
      dirOffset = u64(rec, 48, source);
      dirEnd = recAt;
    }
  }
  if (count > maxEntries) throw new AirlockError('BAD_INPUT', `${source}: more than ${maxEntries} zip entries`);
  if (dirSize > MAX_DIRECTORY_BYTES || dirSize > dirEnd) throw bad(source, `central directory of ${dirSize} bytes does not fit the file`);
  // Bytes before the archive (a launcher script) shift every offset by the same amount.
  const base = dirEnd - dirSize - dirOffset;
  if (base < 0) throw bad(source, 'central directory offset is past its end');
  const dirAt = base + dirOffset;
  const dir = dirAt >= tailStart && dirEnd <= tailStart + tail.length ? tail.subarray(dirAt - tailStart, dirEnd - tailStart) : await file.read(dirAt, dirSize);
  if (dir.length < dirSize) throw bad(source, 'central directory runs past the end of the file');
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > dir.length || dir.readUInt32LE(at) !== CENTRAL) throw bad(source, `invalid central directory file header signature at entry ${i}`);
    const nameLen = dir.readUInt16LE(at + 28);
    const extraLen = dir.readUInt16LE(at + 30);
    const commentLen = dir.readUInt16LE(at + 32);
    const nameStart = at + 46;
    const next = nameStart + nameLen + extraLen + commentLen;
    if (next > dir.length) throw bad(source, `entry ${i} runs past the central directory`);
    const nameEnd = nameStart + nameLen;
    // Every entry of every jar passes here: no allocation until the cheap test passes.
    if (candidate(dir, nameStart, nameEnd) || (extraLen > 0 && hasUnicodePath(dir, nameEnd, nameEnd + extraLen))) {
      const extra = dir.subarray(nameEnd, nameEnd + extraLen);
      const flags = dir.readUInt16LE(at + 8);
      let name: string;
      try {
        name = yauzl.getFileNameLowLevel(flags, dir.subarray(nameStart, nameEnd), yauzl.parseExtraFields(extra), false);
      } catch (e) {
        throw bad(source, `entry ${i}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (select(name)) {
        const e = { name, flags, method: dir.readUInt16LE(at + 10), compressedSize: dir.readUInt32LE(at + 20), uncompressedSize: dir.readUInt32LE(at + 24), localHeaderOffset: dir.readUInt32LE(at + 42) };
        zip64Fields(extra, e, source);
        e.localHeaderOffset += base;
        entries.push(e);
      }
    }
    at = next;
  }
  return { entryCount: count, entries };
}

/** Reads and inflates one entry, refusing more than `limit` bytes or a size other than declared. */
export async function readZipEntry(file: FileReader, entry: ZipEntry, limit: number, source: string): Promise<Buffer> {
  const where = `${source}: ${entry.name}`;
  if (entry.uncompressedSize > limit) throw new AirlockError('BAD_INPUT', `${where} expands to ${entry.uncompressedSize} bytes, over the limit of ${limit} (zip bomb?)`);
  if (entry.flags & 0x1) throw new AirlockError('UNSUPPORTED', `${where}: entry is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) throw new AirlockError('UNSUPPORTED', `${where}: compression method ${entry.method} is not supported`);
  if (entry.localHeaderOffset + 30 > file.size) throw new AirlockError('BAD_INPUT', `${where}: local file header is past the end of the archive`);
  // The local header's name and extra lengths may differ from the directory's: read generously, then again if short.
  const guess = 30 + entry.name.length * 4 + 1024 + entry.compressedSize;
  let buf = await file.read(entry.localHeaderOffset, guess);
  if (buf.length < 30 || buf.readUInt32LE(0) !== LOCAL) throw new AirlockError('BAD_INPUT', `${where}: invalid local file header signature`);
  const dataAt = 30 + buf.readUInt16LE(26) + buf.readUInt16LE(28);
  if (dataAt + entry.compressedSize > buf.length) buf = await file.read(entry.localHeaderOffset, dataAt + entry.compressedSize);
  if (dataAt + entry.compressedSize > buf.length) throw new AirlockError('BAD_INPUT', `${where}: file data overflows file bounds`);
  const data = buf.subarray(dataAt, dataAt + entry.compressedSize);
  let out: Buffer;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) throw new AirlockError('BAD_INPUT', `${where}: compressed/uncompressed size mismatch for stored file`);
    out = data;
  } else {
    try {
      // One byte over the declared size is enough to know that it lies.
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize + 1) });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw new AirlockError('BAD_INPUT', `${where} expands beyond its declared ${entry.uncompressedSize} bytes (zip bomb?)`);
      throw new AirlockError('BAD_INPUT', `${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (out.length !== entry.uncompressedSize) throw new AirlockError('BAD_INPUT', `${where}: ${out.length} bytes where the directory declares ${entry.uncompressedSize}`);
  return out;
}

/** True when the raw name bytes [start, end) end with `suffix` (ASCII, case-insensitive when `fold`). */
export function endsWithAscii(raw: Buffer, start: number, end: number, suffix: string, fold = false): boolean {
  const n = suffix.length;
  if (end - start < n) return false;
  for (let i = 0; i < n; i++) {
    let b = raw[end - n + i]!;
    if (fold && b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b !== suffix.charCodeAt(i)) return false;
  }
  return true;
}
