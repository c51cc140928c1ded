/**
 * Independent checks of what create writes: openssl and sha256sum (the commands the
 * docs give auditors), @sigstore/verify (another implementation of the bundle format),
 * and skopeo and umoci reading the bundle's OCI layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { requireTool, tempDir } from '../helpers/env.ts';
import { makeWorkspace } from '../helpers/bundle-fixture.ts';
import { DESCRIPTOR_FILE, SIGNATURE_FILE } from '../../src/bundle/descriptor.ts';

function sh(script: string, cwd: string): { code: number; out: string; err: string } {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('openssl and sha256sum verify a bundle by hand, as docs/bundles.md tells auditors', async (t) => {
  if (!requireTool(t, 'openssl') || !requireTool(t, 'jq')) return;
  const ws = await makeWorkspace(tempDir(t));
  const b = await ws.create('b', { sequence: 1 });
  const pub = ws.publicKey;
  // 1. The signature over the descriptor.
  const sig = sh(`jq -r .messageSignature.signature ${SIGNATURE_FILE} | base64 -d > /tmp/airlock-sig-$$.der && openssl dgst -sha256 -verify ${pub} -signature /tmp/airlock-sig-$$.der ${DESCRIPTOR_FILE}; rm -f /tmp/airlock-sig-$$.der`, b.out);
  assert.equal(sig.code, 0, sig.err);
  assert.match(sig.out, /Verified OK/);
  // 2. The key id is the SHA-256 of the public key's DER.
  const keyId = sh(`openssl pkey -pubin -in ${pub} -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1`, b.out);
  assert.equal(keyId.out.trim(), JSON.parse(readFileSync(join(b.out, SIGNATURE_FILE), 'utf8')).verificationMaterial.publicKey.hint);
  // 3. index.json matches the descriptor, and every blob matches its name.
  const index = sh(`test "sha256:$(sha256sum index.json | cut -d' ' -f1)" = "$(jq -r .index.digest ${DESCRIPTOR_FILE})"`, b.out);
  assert.equal(index.code, 0, index.err);
  const blobs = sh(`cd blobs/sha256 && for f in *; do echo "$f  $f"; done | sha256sum -c --quiet - && jq -r '.blobs[].digest' ../../${DESCRIPTOR_FILE} | sed 's/^sha256://' | sort > /tmp/l-$$ && ls | sort | diff - /tmp/l-$$; rm -f /tmp/l-$$`, b.out);
  assert.equal(blobs.code, 0, blobs.out + blobs.err);
  // A tampered descriptor fails the same command.
  const bad = sh(`sed 's/2026.11.1/2026.11.2/' ${DESCRIPTOR_FILE} > /tmp/d-$$ && jq -r .messageSignature.signature ${SIGNATURE_FILE} | base64 -d > /tmp/s-$$ && openssl dgst -sha256 -verify ${pub} -signature /tmp/s-$$ /tmp/d-$$; r=$?; rm -f /tmp/d-$$ /tmp/s-$$; exit $r`, b.out);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out + bad.err, /Verification failure/);
});

test('@sigstore/verify accepts the signature bundle with the public key', async (t) => {
  const ws = await makeWorkspace(tempDir(t));
  const b = await ws.create('b', { sequence: 1 });
  const bundle = bundleFromJSON(JSON.parse(readFileSync(join(b.out, SIGNATURE_FILE), 'utf8')));
  const publicKey = createPublicKey(readFileSync(ws.publicKey));
  const verifier = new Verifier(
    { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [], publicKey: () => ({ publicKey, validFor: () => true }) },
    { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
  );
  const descriptor = readFileSync(join(b.out, DESCRIPTOR_FILE));
  const signer = verifier.verify(toSignedEntity(bundle, descriptor));
  assert.equal(signer.key.asymmetricKeyType, 'ec');
  const altered = Buffer.from(descriptor.toString('utf8').replace('stable', 'stabla'));
  assert.throws(() => verifier.verify(toSignedEntity(bundle, altered)));
});

test('skopeo and umoci read the bundle as an OCI image layout', async (t) => {
  if (!requireTool(t, 'skopeo') || !requireTool(t, 'umoci')) return;
  const ws = await makeWorkspace(tempDir(t));
  const b = await ws.create('b', { sequence: 1 });
  const image = b.descriptor.items.find((i) => i.type === 'image');
  assert.ok(image);
  const inspect = spawnSync('skopeo', ['inspect', '--raw', `oci:${b.out}:${image.name}`], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).layers.length, 2);
  const full = spawnSync('skopeo', ['inspect', `oci:${b.out}:${image.name}`], { encoding: 'utf8' });
  assert.equal(full.status, 0, full.stderr);
  assert.equal(JSON.parse(full.stdout).Digest, image.digest);
  const ls = spawnSync('umoci', ['ls', '--layout', b.out], { encoding: 'utf8' });
  assert.equal(ls.status, 0, ls.stderr);
  assert.match(ls.stdout, /app:1\.0/);
  const stat = spawnSync('umoci', ['stat', '--image', `${b.out}:${image.name}`], { encoding: 'utf8' });
  assert.equal(stat.status, 0, stat.stderr);
  // skopeo copies the image out of an applied store, too.
  const copy = spawnSync('skopeo', ['copy', `oci:${b.out}:${image.name}`, `oci:${join(ws.dir, 'copy')}:x`], { encoding: 'utf8' });
  assert.equal(copy.status, 0, copy.stderr);
});
