/**
 * Go binaries: the build info the Go linker embeds (`go version -m`), found by its magic
 * "\xff Go buildinf:" on a 16-byte boundary. Go 1.18+ stores the version and module
 * strings inline (varint length + bytes); older binaries store pointers into the data
 * segment and are reported as not read. Reported: the main module (unless "(devel)"),
 * every `dep` (with its `=>` replacement applied) and `stdlib` at the toolchain version,
 * as Trivy does. Only files in bin/ and sbin/ folders are read (a path-only choice:
 * image layers are streamed and file modes are not consulted).
 */
import { AirlockError } from '../../common/errors.ts';
import type { Package } from '../types.ts';
import type { Cataloger } from './cataloger.ts';
import { goPackage } from './go-mod.ts';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const MAX_BINARY_BYTES = 256 * 1024 * 1024;
const ELF = Buffer.from('\x7fELF', 'latin1');

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

const WANT = /(?:^|\/)s?bin\/[^/]+$/;

export const goBinaryCataloger: Cataloger = {
  name: 'go-binary',
  kind: 'installed',
  matches: (p) => WANT.test(p),
  async catalog(ctx, paths) {
    const out: Package[] = [];
    for (const path of paths) {
      const buf = await ctx.fs.readFile(path, MAX_BINARY_BYTES).catch((e: unknown) => {
        // an oversized file in a bin folder is not a reason to stop cataloging
        if (e instanceof AirlockError && e.code === 'BAD_INPUT') return undefined;
        throw e;
      });
      if (!buf || !buf.subarray(0, 4).equals(ELF)) continue;
      const info = parseGoBuildInfo(buf, path);
      if (!info) continue;
      if (info.main && info.main.version !== '(devel)' && info.main.version !== '') out.push(goPackage(info.main.path, info.main.version, path, 'go-binary'));
      for (const d of info.deps) out.push(goPackage(d.path, d.version, path, 'go-binary'));
      const v = /^go(\d+\.\d+(?:\.\d+)?)/.exec(info.goVersion);
      if (v) out.push(goPackage('stdlib', `v${v[1]}`, path, 'go-binary'));
    }
    return out;
  },
};
