import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { AirlockError } from '../../common/errors.ts';
import { tempDir } from '../../../test/helpers/env.ts';
import { catalog } from '../catalog.ts';
import { parseGoBuildInfo } from './go-binary.ts';

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** An ELF-looking file with a Go 1.18+ build info blob at a 16-byte boundary, as the Go linker writes it. */
function goBinary(version: string, modinfo: string, flags = 2): Buffer {
  const sentinel = Buffer.alloc(16, 0x30);
  const mod = Buffer.concat([sentinel, Buffer.from(modinfo), Buffer.from('\n'), sentinel]);
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = flags;
  return Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60), header, uvarint(version.length), Buffer.from(version), uvarint(mod.length), mod]);
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
  const info = parseGoBuildInfo(goBinary('go1.21.5', MODINFO), 'tool');
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
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.packages.map((p) => p.purl), [
    'pkg:golang/github.com/acme/tool@v1.4.0',
    'pkg:golang/golang.org/x/net@v0.17.0',
    'pkg:golang/github.com/fork/lib@v1.0.1',
    'pkg:golang/stdlib@v1.21.5',
  ]);
  assert.ok(r.packages.every((p) => p.ecosystem === 'Go' && p.locations[0] === 'usr/local/bin/tool'));
});

test('Go build info: pre-1.18 binaries are reported as not read; malformed lengths and random bytes never crash', () => {
  assert.throws(() => parseGoBuildInfo(goBinary('go1.16', MODINFO, 0), 'old'), /old: Go binary built before Go 1.18/);
  const broken = goBinary('go1.21.5', MODINFO);
  const at = broken.indexOf('\xff Go buildinf:', 0, 'latin1');
  broken[at + 32] = 0xff; // a varint that never ends within bounds / runs past the end
  broken.fill(0xff, at + 32, at + 42);
  assert.throws(() => parseGoBuildInfo(broken, 'bad'), /bad: malformed Go build info/);
  assert.equal(parseGoBuildInfo(Buffer.from('no magic here'), 'x'), undefined);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => {
      const buf = Buffer.concat([goBinary('go1.22.0', '').subarray(0, 96), Buffer.from(tail)]);
      try {
        parseGoBuildInfo(buf, 'fuzz');
      } catch (e) {
        assert.ok(e instanceof AirlockError);
      }
    }),
  );
});
