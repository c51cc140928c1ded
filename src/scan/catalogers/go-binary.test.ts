import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { AirlockError } from '../../common/errors.ts';
import { requireTool, tempDir } from '../../../test/helpers/env.ts';
import { catalog } from '../catalog.ts';
import { openDiskFile } from '../targets/disk-file.ts';
import { bufferReader } from '../targets/vfs.ts';
import { parseElfHeader } from './elf.ts';
import { locateBuildInfo, parseGoBuildInfo, readGoBuildInfo } from './go-binary.ts';

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** The .go.buildinfo blob of Go 1.18+ (flags 2: strings inline), as the Go linker writes it. */
function buildInfo(version: string, modinfo: string, flags = 2): Buffer {
  const sentinel = Buffer.alloc(16, 0x30);
  const mod = Buffer.concat([sentinel, Buffer.from(modinfo), Buffer.from('\n'), sentinel]);
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = flags;
  const blob = Buffer.concat([header, uvarint(version.length), Buffer.from(version), uvarint(mod.length), mod]);
  return Buffer.concat([blob, Buffer.alloc((16 - (blob.length % 16)) % 16)]);
}

interface ElfLayout {
  is64?: boolean;
  littleEndian?: boolean;
  /** Named sections (a section table with .shstrtab is written when given). */
  sections?: { name: string; data: Buffer }[];
  /** Loadable segments with their flags (1 X, 2 W, 4 R). */
  segments?: { flags: number; data: Buffer }[];
}

/** A small but well-formed ELF file: header, data at 16-byte boundaries, program and section tables. */
function elf(layout: ElfLayout): Buffer {
  const is64 = layout.is64 ?? true;
  const le = layout.littleEndian ?? true;
  const chunks: Buffer[] = [];
  let size = is64 ? 64 : 52;
  const place = (data: Buffer): number => {
    const pad = (16 - (size % 16)) % 16;
    chunks.push(Buffer.alloc(pad), data);
    size += pad;
    const at = size;
    size += data.length;
    return at;
  };
  const word = (b: Buffer, at: number, v: number): void => {
    if (is64 && le) b.writeBigUInt64LE(BigInt(v), at);
    else if (is64) b.writeBigUInt64BE(BigInt(v), at);
    else if (le) b.writeUInt32LE(v, at);
    else b.writeUInt32BE(v, at);
  };
  const u32 = (b: Buffer, at: number, v: number): void => void (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const u16 = (b: Buffer, at: number, v: number): void => void (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const segs = (layout.segments ?? []).map((s) => ({ ...s, offset: place(s.data) }));
  const secs = (layout.sections ?? []).map((s) => ({ ...s, offset: place(s.data) }));
  let phoff = 0;
  if (segs.length > 0) {
    const ph = Buffer.alloc(segs.length * (is64 ? 56 : 32));
    segs.forEach((s, i) => {
      const at = i * (is64 ? 56 : 32);
      u32(ph, at, 1); // PT_LOAD
      if (is64) {
        u32(ph, at + 4, s.flags);
        word(ph, at + 8, s.offset);
        word(ph, at + 32, s.data.length);
      } else {
        word(ph, at + 4, s.offset);
        word(ph, at + 16, s.data.length);
        u32(ph, at + 24, s.flags);
      }
    });
    phoff = place(ph);
  }
  let shoff = 0;
  let shnum = 0;
  let shstrndx = 0;
  if (layout.sections) {
    const names = ['', ...secs.map((s) => s.name), '.shstrtab'];
    const offsets: number[] = [];
    let strtab = '';
    for (const n of names) {
      offsets.push(strtab.length);
      strtab += `${n}\0`;
    }
    const strAt = place(Buffer.from(strtab, 'latin1'));
    const all = [{ offset: 0, size: 0 }, ...secs.map((s) => ({ offset: s.offset, size: s.data.length })), { offset: strAt, size: strtab.length }];
    const entry = is64 ? 64 : 40;
    const sh = Buffer.alloc(all.length * entry);
    all.forEach((s, i) => {
      const at = i * entry;
      u32(sh, at, offsets[i]!);
      u32(sh, at + 4, i === 0 ? 0 : i === all.length - 1 ? 3 : 1); // NULL, STRTAB, PROGBITS
      word(sh, at + (is64 ? 24 : 16), s.offset);
      word(sh, at + (is64 ? 32 : 20), s.size);
    });
    shoff = place(sh);
    shnum = all.length;
    shstrndx = all.length - 1;
  }
  const h = Buffer.alloc(is64 ? 64 : 52);
  Buffer.from('\x7fELF', 'latin1').copy(h);
  h[4] = is64 ? 2 : 1;
  h[5] = le ? 1 : 2;
  h[6] = 1;
  if (is64) {
    word(h, 0x20, phoff);
    word(h, 0x28, shoff);
    u16(h, 0x36, 56);
    u16(h, 0x38, segs.length);
    u16(h, 0x3a, 64);
    u16(h, 0x3c, shnum);
    u16(h, 0x3e, shstrndx);
  } else {
    word(h, 0x1c, phoff);
    word(h, 0x20, shoff);
    u16(h, 0x2a, 32);
    u16(h, 0x2c, segs.length);
    u16(h, 0x2e, 40);
    u16(h, 0x30, shnum);
    u16(h, 0x32, shstrndx);
  }
  return Buffer.concat([h, ...chunks]);
}

/** A Go binary as the linker lays it out: code, then the .go.buildinfo section, then the rest of the data. */
function goBinary(version: string, modinfo: string, flags = 2): Buffer {
  return elf({
    sections: [
      { name: '.text', data: Buffer.alloc(300, 0x90) },
      { name: '.go.buildinfo', data: buildInfo(version, modinfo, flags) },
      { name: '.gopclntab', data: Buffer.alloc(64, 1) },
    ],
  });
}

const MODINFO = [
  'path\tgithub.com/acme/tool/cmd/tool',
  'mod\tgithub.com/acme/tool\tv1.4.0\th1:abc=',
  'dep\tgolang.org/x/net\tv0.17.0\th1:x=',
  'dep\tgithub.com/old/lib\tv1.0.0\th1:y=',
  '=>\tgithub.com/fork/lib\tv1.0.1\th1:z=',
  'dep\tgithub.com/local/thing\tv0.0.0',
  '=>\t../thing\t',
  'build\t-compiler=gc',
].join('\n');

test('Go build info: main module, deps with replacements, stdlib at the toolchain version', async (t) => {
  const info = await readGoBuildInfo(bufferReader(goBinary('go1.21.5', MODINFO)), 'tool');
  assert.deepEqual(info, {
    goVersion: 'go1.21.5',
    path: 'github.com/acme/tool/cmd/tool',
    main: { path: 'github.com/acme/tool', version: 'v1.4.0' },
    deps: [
      { path: 'golang.org/x/net', version: 'v0.17.0' },
      { path: 'github.com/fork/lib', version: 'v1.0.1' },
    ],
  });
  const dir = tempDir(t);
  mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(dir, 'usr/local/bin/tool'), goBinary('go1.21.5', MODINFO));
  writeFileSync(join(dir, 'usr/local/bin/script'), '#!/bin/sh\necho "\xff Go buildinf:"\n');
  // A C program whose data happens to hold the magic: not a Go binary, as Go's debug/buildinfo sees it.
  writeFileSync(join(dir, 'usr/local/bin/c-tool'), elf({ sections: [{ name: '.text', data: Buffer.alloc(64) }, { name: '.data', data: buildInfo('go1.21.5', MODINFO) }] }));
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.packages.map((p) => p.purl), [
    'pkg:golang/github.com/acme/tool@v1.4.0',
    'pkg:golang/golang.org/x/net@v0.17.0',
    'pkg:golang/github.com/fork/lib@v1.0.1',
    'pkg:golang/stdlib@v1.21.5',
  ]);
  assert.ok(r.packages.every((p) => p.ecosystem === 'Go' && p.locations[0] === 'usr/local/bin/tool'));
});

test('Go build info is found as Go finds it: the .go.buildinfo section, else the first writable segment', async () => {
  const want = { goVersion: 'go1.22.1', path: 'example.com/x', main: { path: 'example.com/x', version: 'v0.1.0' }, deps: [] };
  const modinfo = 'path\texample.com/x\nmod\texample.com/x\tv0.1.0\t';
  for (const is64 of [true, false]) {
    for (const littleEndian of [true, false]) {
      const withSections = elf({ is64, littleEndian, sections: [{ name: '.go.buildinfo', data: buildInfo('go1.22.1', modinfo) }] });
      assert.deepEqual(await readGoBuildInfo(bufferReader(withSections), 'x'), want, `${is64 ? 64 : 32}-bit ${littleEndian ? 'LE' : 'BE'} with sections`);
      // Stripped of its section table (sstrip): the writable, non-executable segment, as Go's DataStart falls back to.
      const stripped = elf({ is64, littleEndian, segments: [{ flags: 5, data: Buffer.alloc(128, 0x90) }, { flags: 6, data: buildInfo('go1.22.1', modinfo) }] });
      assert.deepEqual(await readGoBuildInfo(bufferReader(stripped), 'x'), want, `${is64 ? 64 : 32}-bit ${littleEndian ? 'LE' : 'BE'} without sections`);
    }
  }
  // Strings longer than the first 64 KiB read are read in full.
  const long = `${modinfo}\n${Array.from({ length: 3000 }, (_, i) => `dep\texample.com/dep${i}\tv1.0.${i}\th1:${'a'.repeat(20)}=`).join('\n')}`;
  const big = await readGoBuildInfo(bufferReader(elf({ sections: [{ name: '.go.buildinfo', data: buildInfo('go1.22.1', long) }] })), 'big');
  assert.equal(big?.deps.length, 3000);
  assert.equal(big?.deps[2999]?.version, 'v1.0.2999');
  // Not ELF, or an executable segment only: nothing to read.
  assert.equal(await locateBuildInfo(bufferReader(Buffer.from('#!/bin/sh\n'))), undefined);
  assert.equal(await locateBuildInfo(bufferReader(elf({ segments: [{ flags: 5, data: buildInfo('go1.22.1', modinfo) }] }))), undefined);
});

test('Go build info in real binaries: the section the ELF tables point at holds what a scan of the whole file finds', async (t) => {
  const found = ['skopeo', 'umoci'].filter((tool) => requireTool(t, tool));
  for (const tool of found) {
    const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    const whole = parseGoBuildInfo(readFileSync(path), path);
    const file = await openDiskFile(path);
    try {
      assert.ok(whole?.goVersion.startsWith('go'), `${path} holds Go build info`);
      assert.deepEqual(await readGoBuildInfo(file, path), whole, path);
    } finally {
      await file.close();
    }
  }
});

test('Go build info: pre-1.18 binaries are reported as not read; malformed lengths and random bytes never crash', async () => {
  await assert.rejects(readGoBuildInfo(bufferReader(goBinary('go1.16', MODINFO, 0)), 'old'), /old: Go binary built before Go 1.18/);
  assert.throws(() => parseGoBuildInfo(buildInfo('go1.16', MODINFO, 0), 'old'), /old: Go binary built before Go 1.18/);
  const broken = goBinary('go1.21.5', MODINFO);
  const at = broken.indexOf('\xff Go buildinf:', 0, 'latin1');
  broken[at + 32] = 0xff; // a varint that never ends within bounds / runs past the end
  broken.fill(0xff, at + 32, at + 42);
  await assert.rejects(readGoBuildInfo(bufferReader(broken), 'bad'), /bad: malformed Go build info/);
  assert.equal(parseGoBuildInfo(Buffer.from('no magic here'), 'x'), undefined);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => {
      const buf = Buffer.concat([buildInfo('go1.22.0', '').subarray(0, 32), Buffer.from(tail)]);
      try {
        parseGoBuildInfo(buf, 'fuzz');
      } catch (e) {
        assert.ok(e instanceof AirlockError);
      }
    }),
  );
});

test('ELF tables: damaged or random headers and tables never crash the reader', async () => {
  const good = goBinary('go1.22.0', MODINFO);
  assert.ok(parseElfHeader(good));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ at: fc.nat({ max: good.length - 1 }), byte: fc.nat({ max: 255 }) }), { maxLength: 24 }), fc.uint8Array({ maxLength: 200 }), async (edits, random) => {
      const damaged = Buffer.from(good);
      for (const e of edits) damaged[e.at] = e.byte;
      for (const buf of [damaged, Buffer.concat([good.subarray(0, 16), Buffer.from(random)])]) {
        try {
          await readGoBuildInfo(bufferReader(buf), 'fuzz');
        } catch (e) {
          assert.ok(e instanceof AirlockError, String(e));
        }
      }
    }),
    { numRuns: 300 },
  );
});
