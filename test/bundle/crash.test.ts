/**
 * kill -9 during apply, at several moments: the store stays a valid OCI layout with
 * a readable state, and a rerun completes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/env.ts';
import { AIRLOCK_BIN, runCli } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/bundle-fixture.ts';
import { OciLayout } from '../../src/oci/layout.ts';

async function killAfter(args: string[], ms: number): Promise<void> {
  const child = spawn(process.execPath, [AIRLOCK_BIN, ...args], { stdio: 'ignore' });
  const closed = new Promise((r) => child.on('close', r));
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await closed;
}

test('a store survives kill -9 at any moment of apply, and a rerun completes', async (t) => {
  const layers = Array.from({ length: 12 }, (_, i) => ({ [`layer-${i}.bin`]: randomBytes(4 * 1024 * 1024) }));
  const ws = await makeWorkspace(tempDir(t), { layers });
  const b = await ws.create('b', { sequence: 1, format: 'tar' });
  for (const delay of [700, 1100, 1500, 2000, 2600]) {
    const store = join(ws.dir, `store-${delay}`);
    await killAfter(['bundle', 'apply', b.out, '--key', ws.publicKey, '--store', store], delay);
    if (existsSync(join(store, 'oci-layout'))) {
      // Whatever moment the kill hit, the store's index and state are whole.
      const layout = await OciLayout.open(store);
      const index = await layout.readIndex();
      for (const m of index.manifests) assert.ok(await layout.hasBlob(m.digest, m.size), `index entry ${m.digest} is backed by a blob`);
      if (existsSync(join(store, 'airlock-state.json'))) JSON.parse(readFileSync(join(store, 'airlock-state.json'), 'utf8'));
    }
    const rerun = await runCli(['bundle', 'apply', b.out, '--key', ws.publicKey, '--store', store, '--json']);
    assert.equal(rerun.code, 0, `rerun after kill at ${delay} ms: ${rerun.stderr}`);
    const layout = await OciLayout.open(store);
    for (const blob of b.descriptor.blobs) assert.ok(await layout.hasBlob(blob.digest, blob.size));
    const state = JSON.parse(readFileSync(join(store, 'airlock-state.json'), 'utf8'));
    assert.equal(state.channels.stable.sequence, 1);
    assert.equal(existsSync(join(store, '.lock')), false, 'the lock is released');
  }
});
