/**
 * The demo: the whole path of an update across the gap, on the embedded defaults, with
 * no network. Builds a small image into an OCI layout and a vulnerability DB, signs a
 * bundle, verifies it, applies it into a demo store, scans the stored image with the DB
 * the bundle installed, audits a workload against PCI DSS, then ships a delta on top
 * (split for media), applies that and scans again. Finally the compliance side: the scan
 * and audit results and a few runtime alerts go into the encrypted, hash-chained
 * evidence store, which is verified and exported as a signed audit archive.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  const app = (release: string) => ({
    'app/server.js': `console.log("release ${release}")\n`,
    'app/package.json': JSON.stringify({ name: 'shop', version: `1.0.${release}` }),
    'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: release === '1' ? '4.17.20' : '4.17.21' }),
  });
  await buildImage(layout, '1.0', [base, runtime, app('1')]);
  // A vulnerability DB from an OSV advisory, as the connected side builds it from the feeds.
  mkdirSync(join(work, 'osv'));
  writeFileSync(
    join(work, 'osv', 'GHSA-35jh-r3h4-6jhm.json'),
    JSON.stringify({
      schema_version: '1.6.0',
      id: 'GHSA-35jh-r3h4-6jhm',
      modified: new Date().toISOString(),
      aliases: ['CVE-2021-23337'],
      summary: 'Command injection in lodash template',
      affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
    }),
  );
  await airlock('vulndb', 'build', '--osv', join(work, 'osv'), '-o', join(work, 'vuln.db'));
  mkdirSync(join(work, 'policies', 'pci-dss-4.0'), { recursive: true });
  writeFileSync(join(work, 'policies', 'pci-dss-4.0', 'disallow-latest-tag.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: disallow-latest-tag\n');
  mkdirSync(join(work, 'patches'));
  writeFileSync(join(work, 'patches', 'openssl-fix.deb'), 'demo patch payload\n');
  writeFileSync(
    join(work, 'airlock.yaml'),
    ['name: platform-updates', 'channel: stable', 'version: 2026.11.1', 'images:', '  - oci:./layouts/app:1.0', 'files:', '  - ./patches/openssl-fix.deb', 'vulndb: ./vuln.db', 'policies:', '  - ./policies/pci-dss-4.0', ''].join('\n'),
  );
  await airlock('keys', 'generate', '--out', join(work, 'keys'));
  say('connected side: build and sign the full bundle');
  await airlock('bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '1');

  say('isolated side: verify, then apply into the store');
  await airlock('bundle', 'verify', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'));
  await airlock('bundle', 'apply', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store'));
  await airlock('bundle', 'apply', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store'));

  say('isolated side: scan the stored image with the DB that came in the bundle, and audit a workload for PCI DSS');
  await airlock('scan', 'store:app:1.0', '--store', join(work, 'store'));
  await airlock('scan', 'store:app:1.0', '--store', join(work, 'store'), '--format', 'json', '-o', join(work, 'scan-1.json'));
  writeFileSync(
    join(work, 'shop-deployment.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop, namespace: payments}\nspec:\n  selector: {matchLabels: {app: shop}}\n  template:\n    metadata: {labels: {app: shop}}\n    spec:\n      containers: [{name: shop, image: "registry.airlock.internal/shop:latest"}]\n',
  );
  process.stdout.write('$ airlock policy audit --framework pci-dss-4.0 shop-deployment.yaml --format json   (summary)\n');
  const captured: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
  const audit = await main(['policy', 'audit', '--framework', 'pci-dss-4.0', join(work, 'shop-deployment.yaml'), '--format', 'json']).finally(() => {
    process.stdout.write = write;
  });
  const results = (JSON.parse(captured.join('')) as { results: { policy: string; status: string; controls?: Record<string, string[]> }[] }).results;
  for (const r of results.filter((x) => x.status === 'fail').slice(0, 6)) {
    process.stdout.write(`  fail  ${r.policy.padEnd(36)} PCI DSS ${(r.controls?.['pci-dss-4.0'] ?? []).join(', ')}\n`);
  }
  process.stdout.write(`  ${results.filter((x) => x.status === 'pass').length} passed, ${results.filter((x) => x.status === 'fail').length} failed (exit ${audit}: the workload needs fixing)\n`);
  if (audit !== 1) throw new Error(`the audit of a non-compliant workload should exit 1, got ${audit}`);
  writeFileSync(join(work, 'policy-audit.json'), captured.join(''));

  say('connected side: release 2 changes one layer; ship only the difference, split for media');
  await buildImage(layout, '1.0', [base, runtime, app('2')]);
  writeFileSync(
    join(work, 'airlock.yaml'),
    ['name: platform-updates', 'channel: stable', 'version: 2026.11.2', 'images:', '  - oci:./layouts/app:1.0', 'files:', '  - ./patches/openssl-fix.deb', 'vulndb: ./vuln.db', 'policies:', '  - ./policies/pci-dss-4.0', ''].join('\n'),
  );
  await airlock('bundle', 'create', '-f', join(work, 'airlock.yaml'), '-o', join(work, 'delta-2'), '--key', join(work, 'keys', 'airlock.key'), '--sequence', '2', '--base', join(work, 'bundle-1'), '--split', '1MiB');
  await airlock('bundle', 'diff', join(work, 'bundle-1'), join(work, 'delta-2'));

  say('isolated side: the delta verifies and applies on top; the old bundle is now refused');
  await airlock('bundle', 'verify', join(work, 'delta-2'), '--key', join(work, 'keys', 'airlock.pub'));
  await airlock('bundle', 'apply', join(work, 'delta-2'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store'));
  process.stdout.write(`$ airlock bundle apply bundle-1 ... (a replay of sequence 1)\n`);
  const replay = await main(['bundle', 'apply', join(work, 'bundle-1'), '--key', join(work, 'keys', 'airlock.pub'), '--store', join(work, 'store')]);
  if (replay !== 1) throw new Error(`the replayed bundle should be refused with exit 1, got ${replay}`);
  say('isolated side: release 2 fixed lodash; the same scan is clean');
  await airlock('scan', 'store:app:1.0', '--store', join(work, 'store'), '--fail-on', 'high');
  await airlock('scan', 'store:app:1.0', '--store', join(work, 'store'), '--format', 'json', '-o', join(work, 'scan-2.json'));

  say('compliance: scans, policy results and runtime alerts into the encrypted, hash-chained evidence store');
  process.env.AIRLOCK_EVIDENCE_PASSPHRASE = 'demo evidence passphrase, not for production';
  const evidence = join(work, 'evidence');
  const falco = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'evidence', 'importers', 'testdata', 'falco-events.jsonl');
  await airlock('evidence', 'ingest', '--init', '--store', evidence, join(work, 'scan-1.json'), join(work, 'policy-audit.json'), join(work, 'scan-2.json'), falco);
  await airlock('evidence', 'list', '--store', evidence, '--control', 'pci-dss-4.0', '--limit', '8');
  await airlock('evidence', 'verify', '--store', evidence, '--payloads');

  say('compliance: the PCI DSS summary report, from the evidence');
  await airlock('report', 'summary', '--store', evidence, '--framework', 'pci-dss-4.0', '--out', join(work, 'pci-summary.pdf'));

  say('compliance: a signed audit archive for the auditor (evidence, chain proof, OSCAL, reports), verified offline');
  const from = new Date(Date.now() - 366 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  await airlock('audit', 'export', '--store', evidence, '--framework', 'pci-dss-4.0', '--from', from, '--to', to, '--out', join(work, 'audit.tar.gz'), '--key', join(work, 'keys', 'airlock.key'));
  await airlock('audit', 'verify', join(work, 'audit.tar.gz'), '--key', join(work, 'keys', 'airlock.pub'));
  say(`done${keep ? `: everything is in ${work}` : ''}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
