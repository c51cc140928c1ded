/**
 * The demo: the whole path of an update across the gap, on the embedded defaults, with
 * no network. Builds a small image into an OCI layout, signs a bundle, verifies it,
 * applies it into a demo store, then ships a delta on top and applies that.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../src/oci/build-image.ts';
import { OciLayout } from '../src/oci/layout.ts';
import { main } from '../src/cli/main.ts';

const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'airlock-demo-'));
const say = (line: string) => process.stdout.write(`\n== ${line}\n`);

async function airlock(...args: string[]): Promise<void> {
  process.stdout.write(`$ airlock ${args.join(' ').replaceAll(work + '/', '')}\n`);
  const code = await main(args);
  if (code !== 0) throw new Error(`airlock ${args[0]} ${args[1] ?? ''} exited ${code}`);
}

try {
  process.env.AIRLOCK_KEY_PASSPHRASE = 'demo passphrase, not for production';
  say('connected side: an application image, a patch and a policy folder');
  const layout = await OciLayout.openOrCreate(join(work, 'layouts', 'app'));
  const base = { 'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' };
  const runtime = { 'usr/lib/app/runtime.bin': randomBytes(2 * 1024 * 1024) };
  await buildImage(layout, '1.0', [base, runtime, { 'app/server.js': 'console.log("release 1")\n' }]);
  mkdirSync(join(work, 'policies', 'pci-dss-4.0'), { recursive: true });
  writeFileSync(join(work, 'policies', 'pci-dss-4.0', 'disallow-latest-tag.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: disallow-latest-tag\n');
  mkdirSync(join(work, 'patches'));
  writeFileSync(join(work, 'patches', 'openssl-fix.deb'), 'demo patch payload\n');
  writeFileSync(
    join(work, 'airlock.yaml'),
    ['name: platform-updates', 'channel: stable', 'version: 2026.11.1', 'images:', '  - oci:./layouts/app:1.0', 'files:', '  - ./patches/openssl-fix.deb', 'policies:', '  - ./policies/pci-dss-4.0', ''].join('\n'),
  );
  await airlock('keys', 'generate', '--out', join(work, 'keys'));
  say('connected side: build and sign the full bundle');
  await airlock('bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '1');

  say('isolated side: verify, then apply into the store');
  await airlock('bundle', 'verify', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'));
  await airlock('bundle', 'apply', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store'));
  await airlock('bundle', 'apply', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store'));

  say('connected side: release 2 changes one layer; ship only the difference, split for media');
  await buildImage(layout, '1.0', [base, runtime, { 'app/server.js': 'console.log("release 2")\n' }]);
  writeFileSync(join(work, 'airlock.yaml'), ['name: platform-updates', 'channel: stable', 'version: 2026.11.2', 'images:', '  - oci:./layouts/app:1.0', 'files:', '  - ./patches/openssl-fix.deb', 'policies:', '  - ./policies/pci-dss-4.0', ''].join('\n'));
  await airlock('bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'delta-2'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '2', '--base', join(work, 'bundle-1'), '--split', '1MiB');
  await airlock('bundle', 'diff', join(work, 'bundle-1'), join(work, 'delta-2'));

  say('isolated side: the delta verifies and applies on top; the old bundle is now refused');
  await airlock('bundle', 'verify', join(work, 'delta-2'), '--key', join(work, 'keys', 'airlock.pub'));
  await airlock('bundle', 'apply', join(work, 'delta-2'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store'));
  process.stdout.write(`$ airlock bundle apply bundle-1 ... (a replay of sequence 1)\n`);
  const replay = await main(['bundle', 'apply', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store')]);
  if (replay !== 1) throw new Error(`the replayed bundle should be refused with exit 1, got ${replay}`);
  say(`done${keep ? `: everything is in ${work}` : ''}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
