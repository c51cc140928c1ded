/**
 * Bundle benchmark: a ~2 GiB bundle of 100 blobs of 10 MiB plus one of 1 GiB.
 *  - verify throughput against `openssl dgst -sha256` over the same blob files (target >= 0.8x);
 *  - create throughput against `cp` + `openssl dgst -sha256` of the same data (target >= 0.5x);
 *  - peak RSS of create, verify and apply (target < 200 MiB);
 *  - a delta where 5% of the blobs changed, as a share of the full bundle (target <= 6%).
 * Everything runs from the page cache (each input is read once before it is timed).
 * BENCH_SCALE=0.1 runs a tenth of the size for a quick look.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonBytes } from '../src/common/json.ts';
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, REF_NAME_ANNOTATION } from '../src/oci/media-types.ts';
import { airlock, fmt, mibps, shell } from './_measure.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const SMALL = 100;
const SMALL_SIZE = Math.round(10 * 1024 * 1024 * scale);
const BIG_SIZE = Math.round(1024 * 1024 * 1024 * scale);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'airlock-bench-'));
const layoutDir = join(work, 'layout');
const blobsDir = join(layoutDir, 'blobs', 'sha256');

function writeRandomBlob(size: number, seed: number): { digest: string; size: number } {
  const tmp = join(blobsDir, `.tmp-${seed}`);
  const fd = openSync(tmp, 'w');
  const hash = createHash('sha256');
  const buf = Buffer.alloc(Math.min(size, 16 << 20));
  for (let left = size; left > 0; ) {
    const n = Math.min(left, buf.length);
    randomFillSync(buf, 0, n);
    writeSync(fd, buf, 0, n);
    hash.update(buf.subarray(0, n));
    left -= n;
  }
  closeSync(fd);
  const digest = `sha256:${hash.digest('hex')}`;
  shell(`mv ${tmp} ${join(blobsDir, digest.slice(7))}`);
  return { digest, size };
}

function writeLayout(layers: { digest: string; size: number }[]): void {
  const put = (bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    writeFileSync(join(blobsDir, digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const config = put(jsonBytes({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
  const manifest = put(jsonBytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })) }));
  writeFileSync(join(layoutDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layoutDir, 'index.json'), jsonBytes({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { [REF_NAME_ANNOTATION]: 'bench' } }] }));
}

try {
  shell(`mkdir -p ${blobsDir}`);
  console.log(`generating ${SMALL} x ${fmt(SMALL_SIZE / 1048576, 1)} MiB + 1 x ${fmt(BIG_SIZE / 1048576, 0)} MiB of random blobs in ${work}`);
  const layers = [writeRandomBlob(BIG_SIZE, 0)];
  for (let i = 1; i <= SMALL; i++) layers.push(writeRandomBlob(SMALL_SIZE, i));
  writeLayout(layers);
  const total = layers.reduce((n, l) => n + l.size, 0);
  writeFileSync(join(work, 'airlock.yaml'), 'name: bench\nchannel: stable\nversion: "1"\nimages:\n  - oci:./layout:bench\n');
  airlock(['keys', 'generate', '--out', join(work, 'keys'), '--no-passphrase']);
  const blobFiles = layers.map((l) => join(blobsDir, l.digest.slice(7))).join(' ');

  // Warm the page cache, then the references.
  shell(`cat ${blobFiles} > /dev/null`);
  const opensslOne = shell(`openssl dgst -sha256 ${blobFiles} > /dev/null`);
  const opensslTwo = shell(`printf '%s\\n' ${blobFiles} | xargs -P 2 -n 26 openssl dgst -sha256 > /dev/null`);
  const cpDgst = shell(`mkdir ${work}/cp && cp ${blobFiles} ${work}/cp/ && openssl dgst -sha256 ${work}/cp/* > /dev/null && rm -rf ${work}/cp`);

  const create = airlock(['bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'bundle'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '1']);
  const verify = airlock(['bundle', 'verify', join(work, 'bundle'), '--key', join(work, 'keys', 'airlock.pub')]);
  const apply = airlock(['bundle', 'apply', join(work, 'bundle'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store')]);
  const reapply = airlock(['bundle', 'apply', join(work, 'bundle'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store')]);
  const createTar = airlock(['bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'bundle.tar'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '1', '--format', 'tar']);
  shell(`cat ${work}/bundle.tar > /dev/null`);
  const verifyTar = airlock(['bundle', 'verify', join(work, 'bundle.tar'), '--key', join(work, 'keys', 'airlock.pub')]);

  // Delta: 5% of the blobs change.
  const changed = layers.slice(1, 1 + Math.round(SMALL * 0.05));
  const next = [...layers];
  for (const [i, l] of changed.entries()) next[layers.indexOf(l)] = writeRandomBlob(l.size, 1000 + i);
  writeLayout(next);
  const delta = airlock(['bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'delta'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '2', '--base', join(work, 'bundle'), '--json']);
  const deltaBytes = JSON.parse(delta.stdout).bytes as number;
  const fullBytes = total;

  const row = (name: string, s: number, ref: number, rss?: number) =>
    console.log(`${name.padEnd(34)} ${fmt(s).padStart(7)} s  ${fmt(mibps(total, s), 0).padStart(6)} MiB/s  ratio ${fmt(ref / s)}${rss === undefined ? '' : `  peak RSS ${fmt(rss, 0)} MiB`}`);
  console.log(`\nbundle of ${fmt(total / 1048576 / 1024, 2)} GiB in ${layers.length} blobs (+ config and manifest)`);
  console.log('reference                             time    throughput');
  console.log(`openssl dgst -sha256 (one process)  ${fmt(opensslOne).padStart(7)} s  ${fmt(mibps(total, opensslOne), 0).padStart(6)} MiB/s`);
  console.log(`openssl dgst -sha256 (two processes)${fmt(opensslTwo).padStart(7)} s  ${fmt(mibps(total, opensslTwo), 0).padStart(6)} MiB/s`);
  console.log(`cp + openssl dgst -sha256           ${fmt(cpDgst).padStart(7)} s  ${fmt(mibps(total, cpDgst), 0).padStart(6)} MiB/s`);
  console.log('\nairlock (ratio = reference time / airlock time; verify vs one openssl process, create vs cp + openssl)');
  row('bundle verify (folder)', verify.seconds, opensslOne, verify.peakRssMiB);
  row('bundle verify (tar, one stream)', verifyTar.seconds, opensslOne, verifyTar.peakRssMiB);
  row('bundle create (folder)', create.seconds, cpDgst, create.peakRssMiB);
  row('bundle create (tar)', createTar.seconds, cpDgst, createTar.peakRssMiB);
  row('bundle apply (folder, empty store)', apply.seconds, cpDgst, apply.peakRssMiB);
  console.log(`bundle apply again (no-op)          ${fmt(reapply.seconds).padStart(7)} s  (${fmt((100 * reapply.seconds) / apply.seconds, 1)}% of the first apply)  peak RSS ${fmt(reapply.peakRssMiB, 0)} MiB`);
  console.log(`delta with ${changed.length} of ${layers.length} blobs changed: ${fmt(deltaBytes / 1048576, 1)} MiB = ${fmt((100 * deltaBytes) / fullBytes, 2)}% of the full bundle (${fmt((100 * changed.length) / layers.length, 1)}% of blobs)`);
  console.log(`files in the bundle folder: ${readdirSync(join(work, 'bundle', 'blobs', 'sha256')).length}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
