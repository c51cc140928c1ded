import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import tar from 'tar-stream';
import { tempDir } from '../helpers/env.ts';
import { makeWorkspace, type Workspace } from '../helpers/bundle-fixture.ts';
import { mountTmpfs, remountReadOnly } from '../helpers/tmpfs.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { applyBundle } from '../../src/bundle/apply.ts';
import { generateKeyPair } from '../../src/trust/keys.ts';
import { loadTrustFile, trustRootFromKey } from '../../src/trust/trust-root.ts';
import { AirlockError } from '../../src/common/errors.ts';
import { DESCRIPTOR_FILE, SIGNATURE_FILE } from '../../src/bundle/descriptor.ts';
import { partName } from '../../src/bundle/parts.ts';

function firstLayer(ws: { dir: string }, bundle: string, descriptor: { blobs: { digest: string; size: number }[] }): string {
  const biggest = [...descriptor.blobs].sort((a, b) => b.size - a.size)[0];
  return join(ws.dir, bundle, 'blobs', 'sha256', (biggest?.digest ?? '').slice(7));
}

function snapshot(dir: string): string {
  if (!existsSync(dir)) return '(absent)';
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else files.push(`${p}:${readFileSync(p).toString('base64').slice(0, 64)}:${readFileSync(p).length}`);
    }
  };
  walk(dir);
  return files.sort().join('\n');
}

const fails = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof AirlockError, `an AirlockError, got ${String(e)}`);
  assert.match(e.message, re);
  assert.equal(e.message.includes('\n'), false, 'one line');
  return true;
};

test('a tampered blob is named by verify, and apply leaves the store untouched', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const good = await ws.create('good', { sequence: 1 });
  const store = join(ws.dir, 'store');
  await applyBundle(good.out, { trust: ws.trust, store });
  await ws.rebuildApp([{ 'v2.bin': randomBytes(100_000) }]);
  const b = await ws.create('b', { sequence: 2 });
  const layer = firstLayer(ws, 'b', b.descriptor);
  const bytes = readFileSync(layer);
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
  writeFileSync(layer, bytes);
  const r = await verifyBundle(b.out, { trust: ws.trust });
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => /blob sha256:[a-f0-9]{64}: content does not match its digest \(tampered or damaged\)/.test(p)), r.problems.join('\n'));
  const before = snapshot(store);
  await assert.rejects(applyBundle(b.out, { trust: ws.trust, store }), fails(/verification failed; nothing was applied/));
  assert.equal(snapshot(store), before, 'store unchanged');
});

test('a tampered descriptor, a wrong key, an untrusted channel and an expired bundle are refused', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const b = await ws.create('b', { sequence: 1 });
  // Descriptor edited after signing.
  cpSync(b.out, join(ws.dir, 'edited'), { recursive: true });
  const dpath = join(ws.dir, 'edited', DESCRIPTOR_FILE);
  writeFileSync(dpath, readFileSync(dpath, 'utf8').replace('"version": "2026.11.1"', '"version": "2026.11.9"'));
  const edited = await verifyBundle(join(ws.dir, 'edited'), { trust: ws.trust });
  assert.match(edited.problems.join('\n'), /signature invalid: the signed digest does not match the descriptor/);
  // Signature missing.
  rmSync(join(ws.dir, 'edited', SIGNATURE_FILE));
  assert.match((await verifyBundle(join(ws.dir, 'edited'), { trust: ws.trust })).problems[0] ?? '', /no signature/);
  // Another key.
  const other = await generateKeyPair(join(ws.dir, 'other'), 'other', undefined);
  const wrong = await verifyBundle(b.out, { trust: await trustRootFromKey(other.publicKeyPath) });
  assert.match(wrong.problems[0] ?? '', /signed by key [a-f0-9]{16}, which .*other\.pub does not trust/);
  // Trusted key, wrong channel.
  const trustFile = join(ws.dir, 'trust.yaml');
  writeFileSync(trustFile, `keys:\n  - name: security-team\n    channels: [security]\n    publicKey: |\n${readFileSync(ws.publicKey, 'utf8').trim().split('\n').map((l) => `      ${l}`).join('\n')}\n`);
  const channel = await verifyBundle(b.out, { trust: await loadTrustFile(trustFile) });
  assert.match(channel.problems[0] ?? '', /key security-team .* is not trusted for channel "stable" \(allowed: security\)/);
  // Expired.
  const old = await ws.create('old', { sequence: 2, now: new Date(Date.now() - 200 * 86_400_000) });
  const expired = await verifyBundle(old.out, { trust: ws.trust });
  assert.match(expired.problems[0] ?? '', /bundle expired on \d{4}-/);
  await assert.rejects(applyBundle(old.out, { trust: ws.trust, store: join(ws.dir, 'store') }), fails(/expired/));
  assert.equal(existsSync(join(ws.dir, 'store')), false, 'nothing was created for a refused bundle');
});

test('an older or replayed sequence is refused unless --allow-downgrade, which is recorded', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const store = join(ws.dir, 'store');
  const old = await ws.create('s3', { sequence: 3 });
  await ws.rebuildApp([{ 'new.bin': 'new' }]);
  const current = await ws.create('s5', { sequence: 5 });
  await applyBundle(current.out, { trust: ws.trust, store });
  const before = snapshot(store);
  await assert.rejects(applyBundle(old.out, { trust: ws.trust, store }), (e: unknown) => {
    assert.ok(e instanceof AirlockError);
    assert.equal(e.code, 'ROLLBACK');
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /sequence 3 \(2026\.11\.1\) is not above 5, the highest applied on channel "stable"/);
    return true;
  });
  assert.equal(snapshot(store), before);
  const forced = await applyBundle(old.out, { trust: ws.trust, store, allowDowngrade: true });
  assert.equal(forced.downgrade, true);
  const state = JSON.parse(readFileSync(join(store, 'airlock-state.json'), 'utf8'));
  assert.equal(state.channels.stable.sequence, 3);
  assert.equal(state.channels.stable.highWater, 5);
  assert.equal(state.history.at(-1).downgrade, true);
  // Sequence 5 was already seen: applying it again is a replay too.
  await assert.rejects(applyBundle(current.out, { trust: ws.trust, store }), (e: unknown) => e instanceof AirlockError && e.code === 'ROLLBACK');
});

test('a truncated, missing or damaged part is named', async (t) => {
  const ws = await makeWorkspace(tempDir(t), { layers: [{ 'big.bin': randomBytes(3 * 1024 * 1024) }] });
  const b = await ws.create('parts', { sequence: 1, split: 1024 * 1024 });
  const copy = (name: string) => {
    cpSync(b.out, join(ws.dir, name), { recursive: true });
    return join(ws.dir, name);
  };
  const truncated = copy('truncated');
  truncateSync(join(truncated, partName(1)), 1000);
  assert.match((await verifyBundle(truncated, { trust: ws.trust })).problems[0] ?? '', /part airlock-bundle\.tar\.001: 1000 bytes, expected 1048576 \(truncated or damaged\)/);
  const missing = copy('missing');
  rmSync(join(missing, partName(2)));
  assert.match((await verifyBundle(missing, { trust: ws.trust })).problems[0] ?? '', /part airlock-bundle\.tar\.002: missing/);
  const damaged = copy('damaged');
  const p = join(damaged, partName(2));
  const bytes = readFileSync(p);
  bytes[500_000] = (bytes[500_000] as number) ^ 1;
  writeFileSync(p, bytes);
  const r = await verifyBundle(damaged, { trust: ws.trust });
  assert.ok(r.problems.includes('part airlock-bundle.tar.002: content does not match its digest (damaged)'), r.problems.join('\n'));
  assert.ok(r.problems.some((x) => /content does not match its digest \(tampered/.test(x)));
});

async function hostileTar(ws: Workspace, name: string, extra: (pack: tar.Pack) => void): Promise<string> {
  const b = await ws.create(`${name}-src`, { sequence: 1 });
  const out = join(ws.dir, `${name}.tar`);
  const pack = tar.pack();
  const done = new Promise<void>((resolve, reject) => pack.pipe(createWriteStream(out)).on('finish', () => resolve()).on('error', reject));
  for (const f of ['oci-layout', DESCRIPTOR_FILE, SIGNATURE_FILE, 'index.json']) pack.entry({ name: f }, readFileSync(join(b.out, f)));
  extra(pack);
  pack.finalize();
  await done;
  return out;
}

test('tar entries with "..", absolute paths, symlinks or hard links are refused by name', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const cases: [string, (p: tar.Pack) => void, RegExp][] = [
    ['dotdot', (p) => p.entry({ name: 'blobs/../../../etc/cron.d/x' }, 'x'), /tar entry "blobs\/\.\.\/\.\.\/\.\.\/etc\/cron\.d\/x": path traversal/],
    ['absolute', (p) => p.entry({ name: '/etc/passwd' }, 'x'), /tar entry "\/etc\/passwd": absolute path/],
    ['symlink', (p) => p.entry({ name: `blobs/sha256/${'a'.repeat(64)}`, type: 'symlink', linkname: '/etc/shadow' }), /symbolic link to "\/etc\/shadow" \(links are never accepted\)/],
    ['hardlink', (p) => p.entry({ name: `blobs/sha256/${'b'.repeat(64)}`, type: 'link', linkname: '../../etc/passwd' }), /hard link to "\.\.\/\.\.\/etc\/passwd"/],
    ['stranger', (p) => p.entry({ name: 'run.sh' }, '#!/bin/sh'), /tar entry "run\.sh": not part of a bundle/],
  ];
  for (const [name, extra, re] of cases) {
    const path = await hostileTar(ws, name, extra);
    const r = await verifyBundle(path, { trust: ws.trust });
    assert.equal(r.ok, false, name);
    assert.ok(r.problems.some((p) => re.test(p)), `${name}: ${r.problems.join(' | ')}`);
  }
});

test('a blob whose declared size disagrees with the data is refused without reading it', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const b = await ws.create('b', { sequence: 1 });
  const big = [...b.descriptor.blobs].sort((x, y) => y.size - x.size)[0] as { digest: string; size: number };
  // Folder: the file grew far beyond the declared size.
  const layer = join(b.out, 'blobs', 'sha256', big.digest.slice(7));
  writeFileSync(layer, Buffer.concat([readFileSync(layer), Buffer.alloc(5 * 1024 * 1024)]));
  assert.match((await verifyBundle(b.out, { trust: ws.trust })).problems.join('\n'), new RegExp(`blob ${big.digest}: ${big.size + 5 * 1024 * 1024} bytes, the descriptor says ${big.size}`));
  // Tar: a header claiming 1 GiB with a few bytes behind it, then the end of the file.
  const path = join(ws.dir, 'liar.tar');
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  for (const f of ['oci-layout', DESCRIPTOR_FILE, SIGNATURE_FILE, 'index.json']) pack.entry({ name: f }, readFileSync(join(b.out, f)));
  const entry = pack.entry({ name: `blobs/sha256/${big.digest.slice(7)}`, size: 1024 * 1024 * 1024 });
  entry.write(Buffer.alloc(10));
  await new Promise((resolve) => setTimeout(resolve, 50));
  writeFileSync(path, Buffer.concat(chunks));
  const r = await verifyBundle(path, { trust: ws.trust }).catch((e: unknown) => ({ ok: false, problems: [String(e)] }));
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => /1073741824 bytes, the descriptor says|truncated or damaged/.test(p)), r.problems.join(' | '));
});

test('malformed descriptor and signature JSON give one clear line', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const b = await ws.create('b', { sequence: 1 });
  writeFileSync(join(b.out, SIGNATURE_FILE), '{"mediaType": "x", "mediaType": "y"}');
  assert.match((await verifyBundle(b.out, { trust: ws.trust })).problems[0] ?? '', /airlock-bundle\.sigstore\.json: invalid JSON: duplicate key "mediaType"/);
  writeFileSync(join(b.out, SIGNATURE_FILE), '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}');
  assert.match((await verifyBundle(b.out, { trust: ws.trust })).problems[0] ?? '', /not a Sigstore bundle v0\.3 with a public-key hint: verificationMaterial/);
});

test('apply to a read-only disk or a full disk fails clearly and leaves the store as it was', async (t) => {
  const ws = await makeWorkspace(tempDir(t), { layers: [{ 'big.bin': randomBytes(3 * 1024 * 1024) }] });
  const small = await ws.create('small', { sequence: 1, base: undefined });
  const full = mountTmpfs(t, { size: '2m' });
  if (!full) return;
  // A store that already holds something fits; the next bundle does not.
  await ws.rebuildApp([{ 'tiny.txt': 'tiny' }]);
  const tiny = await ws.create('tiny', { sequence: 2 });
  const store = join(full, 'store');
  await applyBundle(tiny.out, { trust: ws.trust, store });
  const before = snapshot(store);
  await assert.rejects(applyBundle(small.out, { trust: ws.trust, store, allowDowngrade: true }), fails(/no space left on device/));
  assert.equal(snapshot(store), before, 'store unchanged after ENOSPC');
  assert.equal(existsSync(join(store, '.staging', small.descriptorDigest.slice(7))), false, 'staging removed');

  const ro = mountTmpfs(t, { size: '4m' });
  if (!ro) return;
  await applyBundle(tiny.out, { trust: ws.trust, store: join(ro, 'store') });
  const roBefore = snapshot(join(ro, 'store'));
  remountReadOnly(ro);
  await assert.rejects(applyBundle(small.out, { trust: ws.trust, store: join(ro, 'store'), allowDowngrade: true }), fails(/read-only file system/));
  assert.equal(snapshot(join(ro, 'store')), roBefore);
});
