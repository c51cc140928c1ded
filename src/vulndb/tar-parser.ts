/**
 * A synchronous tar reader for the record importer: chunks of a tar stream in, the regular
 * files out (name, size and, when asked for, the bytes). Written by hand because
 * tar-stream, which the rest of Airlock uses, creates a stream and several events per
 * entry: on corpora of hundreds of thousands of 1 KiB records that cost more than
 * parsing the records. It reads what tar-stream reads and refuses what it refuses:
 * ustar and GNU headers (a v7 header without magic is refused), checksums verified,
 * pax extended headers (path and size; global ones too) and GNU long names, octal and
 * base-256 sizes, zero blocks skipped, data that ends mid-entry refused. Entry names are
 * only labels: nothing is written to disk.
 */

const BLOCK = 512;
/** Largest pax or GNU long-name header accepted (as tar-stream). */
const MAX_LONG_HEADER = 1024 * 1024;

const TYPE_FILE = 0x30; // '0' (NUL also means a file)
const TYPE_DIRECTORY = 0x35; // '5'
const TYPE_GNU_LONG_PATH = 0x4c; // 'L'
const TYPE_GNU_OLD_LONG_PATH = 0x4e; // 'N'
const TYPE_GNU_LONG_LINK = 0x4b; // 'K'
const TYPE_PAX = 0x78; // 'x'
const TYPE_PAX_GLOBAL = 0x67; // 'g'

/** What is wrong with a tar stream. */
export class TarFormatError extends Error {}

export interface TarFile {
  name: string;
  size: number;
  /** The file's bytes when `keep` asked for them, else null (the bytes were skipped). */
  data: Buffer | null;
}

function isLongHeader(type: number): boolean {
  return type === TYPE_GNU_LONG_PATH || type === TYPE_GNU_OLD_LONG_PATH || type === TYPE_GNU_LONG_LINK || type === TYPE_PAX || type === TYPE_PAX_GLOBAL;
}

/** A NUL-terminated string field. */
function field(buf: Buffer, start: number, length: number): string {
  let end = buf.indexOf(0, start);
  if (end < 0 || end > start + length) end = start + length;
  return buf.toString('utf8', start, end);
}

/** A numeric field: octal (space or NUL padded), or base-256 when the high bit is set. */
function numeric(buf: Buffer, start: number, length: number): number {
  if ((buf[start] as number) & 0x80) {
    const negative = (buf[start] as number) === 0xff;
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + ((negative ? 0xff - (buf[i] as number) : (buf[i] as number)));
    return negative ? -n : n;
  }
  let i = start;
  const end = start + length;
  while (i < end && buf[i] === 0x20) i++;
  let stop = buf.indexOf(0x20, i);
  if (stop < 0 || stop > end) stop = end;
  while (i < stop && buf[i] === 0) i++;
  if (i === stop) return 0;
  return parseInt(buf.toString('latin1', i, stop), 8);
}

function checksum(h: Buffer): number {
  let sum = 8 * 0x20; // the checksum field counts as spaces
  for (let i = 0; i < 148; i++) sum += h[i] as number;
  for (let i = 156; i < BLOCK; i++) sum += h[i] as number;
  return sum;
}

const USTAR = Buffer.from('ustar\0', 'latin1');
const GNU = Buffer.from('ustar ', 'latin1');
const GNU_VERSION = Buffer.from(' \0', 'latin1');

function decodePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = buf;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const len = parseInt(rest.toString('latin1', 0, space < 0 ? rest.length : space), 10);
    if (!len || space < 0) return out;
    const record = rest.toString('utf8', space + 1, len - 1);
    const eq = record.indexOf('=');
    if (eq < 0) return out;
    out[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.subarray(len);
  }
  return out;
}

type Current = { kind: 'file'; name: string; size: number } | { kind: 'long'; type: number } | { kind: 'skip' };

export class TarParser {
  private readonly keep: (name: string, size: number) => boolean;
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Data bytes still to come of the current entry, then its padding. */
  private remaining = 0;
  private padding = 0;
  private current: Current | null = null;
  private body: Buffer | null = null;
  private bodyFill = 0;
  private longPath: string | null = null;
  private pax: Record<string, string> | null = null;
  private paxGlobal: Record<string, string> | null = null;

  /** `keep(name, size)` says whether a regular file's bytes are wanted. */
  constructor(keep: (name: string, size: number) => boolean) {
    this.keep = keep;
  }

  /** Feeds a chunk; yields the regular files whose data ends in it. Throws TarFormatError. */
  *push(chunk: Buffer): Generator<TarFile> {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, len - off);
        if (this.body) chunk.copy(this.body, this.bodyFill, off, off + n);
        this.bodyFill += n;
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) {
          const done = this.finishEntry();
          if (done) yield done;
        }
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, len - off);
        this.padding -= n;
        off += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, len - off);
      chunk.copy(this.header, this.headerFill, off, off + n);
      this.headerFill += n;
      off += n;
      if (this.headerFill < BLOCK) break;
      this.headerFill = 0;
      const done = this.startEntry(this.header);
      if (done) yield done;
    }
  }

  /** At the end of the stream: throws if it stopped inside an entry. */
  end(): void {
    if (this.headerFill > 0 || this.remaining > 0 || this.padding > 0) throw new TarFormatError('unexpected end of data');
  }

  private startEntry(h: Buffer): TarFile | null {
    const sum = checksum(h);
    if (sum === 8 * 0x20) return null; // a zero block
    if (numeric(h, 148, 8) !== sum) throw new TarFormatError('invalid tar header (checksum mismatch)');
    const ustar = h.compare(USTAR, 0, 6, 257, 263) === 0;
    const gnu = h.compare(GNU, 0, 6, 257, 263) === 0 && h.compare(GNU_VERSION, 0, 2, 263, 265) === 0;
    if (!ustar && !gnu) throw new TarFormatError('invalid tar header: unknown format');
    const type = h[156] as number;
    let size = numeric(h, 124, 12);
    if (!(size >= 0)) throw new TarFormatError('invalid tar header (size)');
    if (isLongHeader(type)) {
      if (size > MAX_LONG_HEADER) throw new TarFormatError(`extended header of ${size} bytes exceeds the limit of ${MAX_LONG_HEADER}`);
      this.begin({ kind: 'long', type }, size, Buffer.alloc(size));
      return size === 0 ? this.finishEntry() : null;
    }
    let name = field(h, 0, 100);
    if (ustar && h[345] !== 0) name = `${field(h, 345, 155)}/${name}`;
    if (this.longPath !== null) name = this.longPath;
    if (this.pax) {
      if (this.pax.path) name = this.pax.path;
      if (this.pax.size) size = parseInt(this.pax.size, 10);
      if (!(size >= 0)) throw new TarFormatError('invalid pax header (size)');
    }
    this.longPath = null;
    this.pax = null;
    const directory = type === TYPE_DIRECTORY || ((type === 0 || type === TYPE_FILE) && name.endsWith('/'));
    if (directory) return null; // a directory's size, if any, is not followed by data (as tar-stream reads it)
    if (type === 0 || type === TYPE_FILE) {
      const keep = this.keep(name, size);
      this.begin({ kind: 'file', name, size }, size, keep ? Buffer.allocUnsafe(size) : null);
    } else {
      this.begin({ kind: 'skip' }, size, null);
    }
    return size === 0 ? this.finishEntry() : null;
  }

  private begin(current: Current, size: number, body: Buffer | null): void {
    this.current = current;
    this.body = body;
    this.bodyFill = 0;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
  }

  private finishEntry(): TarFile | null {
    const current = this.current;
    const body = this.body;
    this.current = null;
    this.body = null;
    if (!current || current.kind === 'skip') return null;
    if (current.kind === 'file') return { name: current.name, size: current.size, data: body };
    const buf = body as Buffer;
    if (current.type === TYPE_GNU_LONG_PATH || current.type === TYPE_GNU_OLD_LONG_PATH) this.longPath = field(buf, 0, buf.length);
    else if (current.type === TYPE_PAX) this.pax = { ...(this.paxGlobal ?? {}), ...decodePax(buf) };
    else if (current.type === TYPE_PAX_GLOBAL) this.paxGlobal = decodePax(buf);
    return null;
  }
}
