/**
 * Go binaries: the build info the Go linker embeds (`go version -m`), found by its magic
 * "\xff Go buildinf:" on a 16-byte boundary. Go 1.18+ stores the version and module
 * strings inline (varint length + bytes); older binaries store pointers into the data
 * segment and are reported as not read. Reported: the main module (unless "(devel)"),
 * every `dep` (with its `=>` replacement applied) and `stdlib` at the toolchain version,
 * as Trivy does. Only files in bin/ and sbin/ folders are read (a path-only choice:
 * image layers are streamed and file modes are not consulted).
 *
 * A binary is never read whole: the ELF header, the section table and its names tell
 * where the build info is (the .go.buildinfo section), as Go's debug/buildinfo finds it,
 * so a non-Go executable costs three small reads.
 */
import { AirlockError } from '../../common/errors.ts';
import type { FileReader } from '../targets/vfs.ts';
import type { Package } from '../types.ts';
import type { Cataloger } from './cataloger.ts';
import { ELF_HEADER_BYTES, parseElfHeader, parseProgramHeaders, parseSectionHeaders, PF_W, PF_X, PT_LOAD, sectionCounts, sectionName, SHT_NOBITS } from './elf.ts';
import { goPackage } from './go-mod.ts';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** What Go's debug/buildinfo reads first from where the build info starts. */
const FIRST_READ = 64 * 1024;
/** Two strings of at most 16 MiB each (see parseGoBuildInfo). */
const MAX_BUILDINFO_BYTES = 33 * 1024 * 1024;
const MAX_TABLE_BYTES = 4 * 1024 * 1024;
/** Sections only the Go linker writes: such a binary without .go.buildinfo is searched the old way. */
const GO_SECTIONS = new Set(['.gopclntab', '.note.go.buildid', '.go.buildinfo']);

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: { path: string; version: string };
  deps: { path: string; version: string }[];
}

function varint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/** Pure: undefined when the bytes hold no Go build info; an error when it is malformed or pre-1.18. */
export function parseGoBuildInfo(buf: Buffer, source: string): GoBuildInfo | undefined {
  let at = buf.indexOf(MAGIC);
  while (at >= 0 && at % 16 !== 0) at = buf.indexOf(MAGIC, at + 1);
  if (at < 0 || at + 32 > buf.length) return undefined;
  const flags = buf[at + 15]!;
  if ((flags & 2) === 0) throw new AirlockError('UNSUPPORTED', `${source}: Go binary built before Go 1.18; its build info is not read`);
  const strings: string[] = [];
  let pos = at + 32;
  for (let i = 0; i < 2; i++) {
    const v = varint(buf, pos);
    if (!v || v.value > 16 * 1024 * 1024 || v.next + v.value > buf.length) throw new AirlockError('BAD_INPUT', `${source}: malformed Go build info`);
    strings.push(buf.toString('utf8', v.next, v.next + v.value));
    pos = v.next + v.value;
  }
  let mod = strings[1]!;
  if (mod.length >= 33 && mod.charCodeAt(mod.length - 17) === 0x0a) mod = mod.slice(16, -16);
  return { goVersion: strings[0]!, ...parseModInfo(mod) };
}

export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const out: Omit<GoBuildInfo, 'goVersion'> = { deps: [] };
  let last: { path: string; version: string } | undefined;
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'path' && f[1]) out.path = f[1];
    else if (f[0] === 'mod' && f[1] && f[2]) out.main = { path: f[1], version: f[2] };
    else if (f[0] === 'dep' && f[1] && f[2]) {
      last = { path: f[1], version: f[2] };
      out.deps.push(last);
    } else if (f[0] === '=>' && f[1] && last) {
      // a replacement of the dep above; a local path replacement has no version
      last.path = f[1];
      last.version = f[2] ?? '';
    }
  }
  out.deps = out.deps.filter((d) => d.version !== '');
  return out;
}

/**
 * Where the build info starts and how many bytes are there, as Go's debug/buildinfo
 * finds it in an ELF file: the .go.buildinfo section; without one (a file with no section
 * table, or Go sections but not that one), the first writable, non-executable loadable
 * segment. Undefined for a file that is not ELF or has no such place (a C program).
 */
export async function locateBuildInfo(file: FileReader): Promise<{ offset: number; size: number } | undefined> {
  const h = parseElfHeader(await file.read(0, ELF_HEADER_BYTES));
  if (!h) return undefined;
  let sectionNames: string[] = [];
  if (h.shoff > 0 && h.shentsize > 0) {
    const first = h.shnum === 0 ? parseSectionHeaders(await file.read(h.shoff, h.shentsize), h, 1)[0] : undefined;
    const { count, names } = sectionCounts(h, first);
    const sections = count * h.shentsize <= MAX_TABLE_BYTES ? parseSectionHeaders(await file.read(h.shoff, count * h.shentsize), h, count) : [];
    const table = sections[names];
    if (table && table.type !== SHT_NOBITS) {
      const nameBytes = await file.read(table.offset, Math.min(table.size, MAX_TABLE_BYTES));
      sectionNames = sections.map((s) => sectionName(nameBytes, s.nameOffset));
      const i = sectionNames.indexOf('.go.buildinfo');
      const s = sections[i];
      if (s && s.type !== SHT_NOBITS) return { offset: s.offset, size: s.size };
    }
    if (sections.length > 0 && !sectionNames.some((n) => GO_SECTIONS.has(n))) return undefined;
  }
  if (h.phnum === 0 || h.phnum * h.phentsize > MAX_TABLE_BYTES) return undefined;
  const segment = parseProgramHeaders(await file.read(h.phoff, h.phnum * h.phentsize), h).find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
  return segment ? { offset: segment.offset, size: segment.filesz } : undefined;
}

/** Reads and parses the build info of an ELF file; undefined when it holds none. */
export async function readGoBuildInfo(file: FileReader, source: string): Promise<GoBuildInfo | undefined> {
  const at = await locateBuildInfo(file);
  if (!at) return undefined;
  const available = Math.min(at.size, file.size - at.offset, MAX_BUILDINFO_BYTES);
  let n = Math.min(available, FIRST_READ);
  for (;;) {
    try {
      return parseGoBuildInfo(await file.read(at.offset, n), source);
    } catch (e) {
      // Strings running past the first read: read as far as they can go, once.
      if (!(e instanceof AirlockError) || e.code !== 'BAD_INPUT' || n >= available) throw e;
      n = available;
    }
  }
}

const WANT = /(?:^|\/)s?bin\/[^/]+$/;

export const goBinaryCataloger: Cataloger = {
  name: 'go-binary',
  kind: 'installed',
  hint: { folders: ['bin', 'sbin'] },
  // Every file of a tree is asked: the regular expression only where a bin/ folder is named.
  matches: (p) => p.includes('bin/') && WANT.test(p),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      const file = await ctx.fs.open(path);
      if (!file) continue;
      let info: GoBuildInfo | undefined;
      try {
        info = await readGoBuildInfo(file, path);
      } finally {
        await file.close();
      }
      if (!info) continue;
      if (info.main && info.main.version !== '(devel)' && info.main.version !== '') out.push(goPackage(info.main.path, info.main.version, path, 'go-binary'));
      for (const d of info.deps) out.push(goPackage(d.path, d.version, path, 'go-binary'));
      const v = /^go(\d+\.\d+(?:\.\d+)?)/.exec(info.goVersion);
      if (v) out.push(goPackage('stdlib', `v${v[1]}`, path, 'go-binary'));
    }
    return out;
  },
};
