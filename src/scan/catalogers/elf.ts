/**
 * Just enough of the ELF format to find a section or a segment without reading the whole
 * file: the file header, the section header table with its names, and the program
 * header table (32- and 64-bit, either byte order). Pure: bytes in, tables out;
 * `undefined` for anything that is not a readable ELF file.
 */

export interface ElfHeader {
  is64: boolean;
  littleEndian: boolean;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  /** 0 with a non-zero shoff: the count is in section 0's size (extended numbering). */
  shnum: number;
  shstrndx: number;
}

export interface ElfSection {
  /** Offset of the name in the section name table. */
  nameOffset: number;
  type: number;
  link: number;
  offset: number;
  size: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  filesz: number;
}

/** Bytes of the file header to read: enough for both classes. */
export const ELF_HEADER_BYTES = 64;
export const SHT_NOBITS = 8;
export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
const SHN_XINDEX = 0xffff;

interface Reader {
  u16(at: number): number;
  u32(at: number): number;
  /** An address or offset; NaN past 2^53 (no real file is that large). */
  word(at: number): number;
}

function reader(buf: Buffer, is64: boolean, littleEndian: boolean): Reader {
  const u16 = (at: number): number => (littleEndian ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const u64 = (at: number): number => {
    const v = littleEndian ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? NaN : Number(v);
  };
  return { u16, u32, word: is64 ? u64 : u32 };
}

export function parseElfHeader(head: Buffer): ElfHeader | undefined {
  if (head.length < 52 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const cls = head[4];
  const data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const is64 = cls === 2;
  if (is64 && head.length < 64) return undefined;
  const r = reader(head, is64, data === 1);
  const h: ElfHeader = is64
    ? { is64, littleEndian: data === 1, phoff: r.word(0x20), shoff: r.word(0x28), phentsize: r.u16(0x36), phnum: r.u16(0x38), shentsize: r.u16(0x3a), shnum: r.u16(0x3c), shstrndx: r.u16(0x3e) }
    : { is64, littleEndian: data === 1, phoff: r.word(0x1c), shoff: r.word(0x20), phentsize: r.u16(0x2a), phnum: r.u16(0x2c), shentsize: r.u16(0x2e), shnum: r.u16(0x30), shstrndx: r.u16(0x32) };
  if (!Number.isFinite(h.phoff) || !Number.isFinite(h.shoff)) return undefined;
  return h;
}

/** Smallest entry sizes the fields read below need. */
const SECTION_ENTRY = { 32: 40, 64: 64 };
const SEGMENT_ENTRY = { 32: 32, 64: 56 };

/** Parses `count` section headers from `buf` (the table's bytes, from shoff). */
export function parseSectionHeaders(buf: Buffer, h: ElfHeader, count: number): ElfSection[] {
  if (h.shentsize < SECTION_ENTRY[h.is64 ? 64 : 32]) return [];
  const r = reader(buf, h.is64, h.littleEndian);
  const out: ElfSection[] = [];
  for (let i = 0; i < count && (i + 1) * h.shentsize <= buf.length; i++) {
    const at = i * h.shentsize;
    const s = h.is64
      ? { nameOffset: r.u32(at), type: r.u32(at + 4), offset: r.word(at + 24), size: r.word(at + 32), link: r.u32(at + 40) }
      : { nameOffset: r.u32(at), type: r.u32(at + 4), offset: r.word(at + 16), size: r.word(at + 20), link: r.u32(at + 24) };
    out.push(Number.isFinite(s.offset) && Number.isFinite(s.size) ? s : { ...s, offset: 0, size: 0 });
  }
  return out;
}

/**
 * The number of sections and the index of the name table, following the extended
 * numbering (both stored in section 0 when they do not fit the header).
 */
export function sectionCounts(h: ElfHeader, first: ElfSection | undefined): { count: number; names: number } {
  const count = h.shnum === 0 && h.shoff !== 0 ? (first?.size ?? 0) : h.shnum;
  const names = h.shstrndx === SHN_XINDEX ? (first?.link ?? 0) : h.shstrndx;
  return { count, names };
}

/** The NUL-terminated name at `offset` in a section name table. */
export function sectionName(table: Buffer, offset: number): string {
  if (offset >= table.length) return '';
  const end = table.indexOf(0, offset);
  return table.toString('latin1', offset, end < 0 ? table.length : end);
}

/** Parses the program headers from `buf` (the table's bytes, from phoff). */
export function parseProgramHeaders(buf: Buffer, h: ElfHeader): ElfSegment[] {
  if (h.phentsize < SEGMENT_ENTRY[h.is64 ? 64 : 32]) return [];
  const r = reader(buf, h.is64, h.littleEndian);
  const out: ElfSegment[] = [];
  for (let i = 0; i < h.phnum && (i + 1) * h.phentsize <= buf.length; i++) {
    const at = i * h.phentsize;
    const s = h.is64 ? { type: r.u32(at), flags: r.u32(at + 4), offset: r.word(at + 8), filesz: r.word(at + 32) } : { type: r.u32(at), offset: r.word(at + 4), filesz: r.word(at + 16), flags: r.u32(at + 24) };
    if (Number.isFinite(s.offset) && Number.isFinite(s.filesz)) out.push(s);
  }
  return out;
}
