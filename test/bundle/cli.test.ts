import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.ts';
import { runCli } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/bundle-fixture.ts';

test('the bundle commands: exit 0 on success, 1 on a failed check, 2 on bad input, one line each', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const env = { AIRLOCK_KEY_PASSPHRASE: undefined };
  const create = await runCli(['bundle', 'create', '-f', ws.spec, '-o', join(ws.dir, 'b'), '--key', ws.privateKey, '--sequence', '7', '--json'], { env });
  assert.equal(create.code, 0, create.stderr);
  const created = JSON.parse(create.stdout);
  assert.equal(created.descriptor.sequence, 7);

  const verify = await runCli(['bundle', 'verify', join(ws.dir, 'b'), '--key', ws.publicKey]);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /^OK .*platform-updates 2026\.11\.1 \(channel stable, sequence 7\)/);
  const vjson = JSON.parse((await runCli(['bundle', 'verify', join(ws.dir, 'b'), '--key', ws.publicKey, '--json'])).stdout);
  assert.equal(vjson.ok, true);

  const inspect = await runCli(['bundle', 'inspect', join(ws.dir, 'b'), '--json']);
  assert.equal(JSON.parse(inspect.stdout).descriptor.items.length, 3);

  // Tampering: exit 1, the problem named on stderr, nothing on stdout but the JSON when asked.
  const blob = join(ws.dir, 'b', 'blobs', 'sha256', created.descriptor.blobs.sort((a: { size: number }, b: { size: number }) => b.size - a.size)[0].digest.slice(7));
  writeFileSync(blob, Buffer.concat([readFileSync(blob).subarray(0, 100), Buffer.alloc(readFileSync(blob).length - 100)]));
  const bad = await runCli(['bundle', 'verify', join(ws.dir, 'b'), '--key', ws.publicKey]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^airlock: .*b: verification failed: blob sha256:[a-f0-9]{64}: content does not match its digest/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const badJson = await runCli(['bundle', 'verify', join(ws.dir, 'b'), '--key', ws.publicKey, '--json']);
  assert.equal(badJson.code, 1);
  assert.equal(JSON.parse(badJson.stdout).ok, false);

  const store = join(ws.dir, 'store');
  const apply = await runCli(['bundle', 'apply', join(ws.dir, 'b'), '--key', ws.publicKey, '--store', store]);
  assert.equal(apply.code, 1);
  assert.match(apply.stderr, /^airlock: .*verification failed; nothing was applied/);
  assert.equal(existsSync(join(store, 'airlock-state.json')), false);
});

test('bad input and usage exit 2 with a line naming the file and the problem', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const spec = join(ws.dir, 'bad.yaml');
  writeFileSync(spec, 'name: platform-updates\nversion: 1.0\nimages:\n  - dir:/var/lib/images/app\n');
  const r = await runCli(['bundle', 'create', '-f', spec, '-o', join(ws.dir, 'x'), '--key', ws.privateKey]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /bad\.yaml: images\[0\]: "dir:\/var\/lib\/images\/app" is not a supported image reference \(use registry\/repo:tag, registry\/repo@sha256:\.\.\., oci:PATH\[:TAG\] or docker-archive:FILE\)/);
  assert.equal(existsSync(join(ws.dir, 'x')), false, 'no partial output');
  assert.deepEqual(readdirSync(ws.dir).filter((n) => n.includes('partial')), []);

  writeFileSync(spec, 'name: platform-updates\nversion: 1\nimages: [oci:./layouts/app:1.0]\nimages: []\n');
  const dup = await runCli(['bundle', 'create', '-f', spec, '-o', join(ws.dir, 'x'), '--key', ws.privateKey]);
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /bad\.yaml: invalid YAML at line 4 column 1: Map keys must be unique/);

  const noTrust = await runCli(['bundle', 'verify', join(ws.dir, 'nothing')]);
  assert.equal(noTrust.code, 2);
  assert.match(noTrust.stderr, /a trust root is required: --trust TRUST_FILE or --key PUBLIC_KEY/);
  const missing = await runCli(['bundle', 'verify', join(ws.dir, 'nothing'), '--key', ws.publicKey]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nothing: no such bundle/);
  const usage = await runCli(['bundle', 'create', '-f', ws.spec]);
  assert.equal(usage.code, 2);
  const split = await runCli(['bundle', 'create', '-f', ws.spec, '-o', join(ws.dir, 'y'), '--key', ws.privateKey, '--split', 'lots']);
  assert.equal(split.code, 2);
  assert.match(split.stderr, /--split: "lots" is not a size/);
});

test('keys generate encrypts with the passphrase, or says loudly that it does not', async (t) => {
  const dir = tempDir(t);
  const none = await runCli(['keys', 'generate', '--out', dir], { env: { AIRLOCK_KEY_PASSPHRASE: undefined } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /set AIRLOCK_KEY_PASSPHRASE to encrypt the private key, or pass --no-passphrase/);
  const enc = await runCli(['keys', 'generate', '--out', dir, '--name', 'release', '--json'], { env: { AIRLOCK_KEY_PASSPHRASE: 'correct horse battery' } });
  assert.equal(enc.code, 0, enc.stderr);
  const k = JSON.parse(enc.stdout);
  assert.match(k.keyId, /^[a-f0-9]{64}$/);
  assert.match(readFileSync(join(dir, 'release.key'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  const again = await runCli(['keys', 'generate', '--out', dir, '--name', 'release'], { env: { AIRLOCK_KEY_PASSPHRASE: 'correct horse battery' } });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /release\.key: already exists; refusing to overwrite a key/);
  const plain = await runCli(['keys', 'generate', '--out', dir, '--name', 'dev', '--no-passphrase']);
  assert.equal(plain.code, 0);
  assert.match(plain.stderr, /warning: writing an UNENCRYPTED private key/);
  // Signing with the encrypted key needs the passphrase.
  const ws = await makeWorkspace(tempDir(t));
  const wrong = await runCli(['bundle', 'create', '-f', ws.spec, '-o', join(ws.dir, 'b'), '--key', join(dir, 'release.key')], { env: { AIRLOCK_KEY_PASSPHRASE: 'wrong passphrase' } });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /release\.key: wrong passphrase in AIRLOCK_KEY_PASSPHRASE/);
});
