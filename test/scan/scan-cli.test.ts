import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildVulnDb } from '../../src/vulndb/build.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/env.ts';

const osv = (o: Record<string, unknown>): string => JSON.stringify({ modified: '2024-01-01T00:00:00Z', ...o });
const range = (events: Record<string, string>[]): unknown[] => [{ type: 'ECOSYSTEM', events }];

/** A rootfs with one Debian binary package (source openssl) and one npm package, and a DB that affects both. */
async function fixture(t: TestContext, builtAt: Date): Promise<{ root: string; db: string; dir: string }> {
  const dir = tempDir(t);
  const root = join(dir, 'root');
  for (const d of ['var/lib/dpkg', 'etc', 'usr/lib/node_modules/lodash']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(root, 'var/lib/dpkg/status'), 'Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u1\nArchitecture: amd64\n');
  writeFileSync(join(root, 'usr/lib/node_modules/lodash/package.json'), '{"name":"lodash","version":"4.17.20"}');
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(
    join(src, 'DEBIAN-CVE-2023-5678.json'),
    osv({
      id: 'DEBIAN-CVE-2023-5678',
      aliases: ['CVE-2023-5678'],
      summary: 'openssl: excessive time in DH checks',
      affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: range([{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }]) }],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }],
    }),
  );
  writeFileSync(
    join(src, 'GHSA-35jh-r3h4-6jhm.json'),
    osv({
      id: 'GHSA-35jh-r3h4-6jhm',
      aliases: ['CVE-2021-23337'],
      summary: 'Command Injection in lodash',
      affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
    }),
  );
  const db = join(dir, 'vuln.db');
  await buildVulnDb({ osv: [src], output: db, now: builtAt });
  return { root, db, dir };
}

test('airlock scan: findings for a Debian source package and an npm package, in every report format', async (t) => {
  const { root, db, dir } = await fixture(t, new Date());
  const json = await runCli(['scan', `rootfs:${root}`, '--db', db, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { schema: string; db: { builtAt: string }; findings: { id: string; package: { name: string }; severity: string; fixedVersions: string[] }[] };
  assert.equal(report.schema, 'airlock.scan/v1');
  assert.ok(report.db.builtAt);
  assert.deepEqual(report.findings.map((f) => [f.id, f.package.name, f.severity, f.fixedVersions]), [
    ['CVE-2021-23337', 'lodash', 'HIGH', ['4.17.21']],
    ['CVE-2023-5678', 'libssl3', 'MEDIUM', ['3.0.11-1~deb12u2']],
  ]);
  const table = await runCli(['scan', `rootfs:${root}`, '--db', db]);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /Vulnerability DB built: /);
  assert.match(table.stdout, /libssl3\s+3\.0\.11-1~deb12u1\s+CVE-2023-5678\s+MEDIUM\s+fixed\s+3\.0\.11-1~deb12u2/);
  const sarif = await runCli(['scan', `rootfs:${root}`, '--db', db, '--format', 'sarif', '-o', join(dir, 'r.sarif')]);
  assert.equal(sarif.code, 0, sarif.stderr);
  assert.equal((JSON.parse(readFileSync(join(dir, 'r.sarif'), 'utf8')) as { runs: { results: unknown[] }[] }).runs[0]!.results.length, 2);
  const vex = await runCli(['scan', `rootfs:${root}`, '--db', db, '--format', 'cyclonedx']);
  assert.equal(vex.code, 0, vex.stderr);
  assert.equal((JSON.parse(vex.stdout) as { vulnerabilities: unknown[] }).vulnerabilities.length, 2);
});

test('airlock scan: --fail-on exits 1 after writing the report; a stale DB warns loudly or fails with --require-fresh-db', async (t) => {
  const { root, db } = await fixture(t, new Date(Date.now() - 30 * 86_400_000));
  const high = await runCli(['scan', `rootfs:${root}`, '--db', db, '--fail-on', 'high', '--json']);
  assert.equal(high.code, 1);
  assert.match(high.stderr, /1 finding\(s\) at or above HIGH/);
  assert.match(high.stderr, /STALE DATABASE: .*30 days old, older than --max-db-age 7d/);
  assert.ok(JSON.parse(high.stdout));
  const critical = await runCli(['scan', `rootfs:${root}`, '--db', db, '--fail-on', 'critical', '--max-db-age', '60d']);
  assert.equal(critical.code, 0, critical.stderr);
  assert.doesNotMatch(critical.stderr, /STALE/);
  const fresh = await runCli(['scan', `rootfs:${root}`, '--db', db, '--require-fresh-db']);
  assert.equal(fresh.code, 1);
  assert.match(fresh.stderr, /vuln.db: the vulnerability DB was built .* older than --max-db-age 7d/);
  const bad = await runCli(['scan', `rootfs:${root}`, '--db', db, '--fail-on', 'severe']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fail-on: "severe" is not a severity/);
  const spdx = await runCli(['scan', `rootfs:${root}`, '--db', db, '--format', 'spdx']);
  assert.equal(spdx.code, 2);
  assert.match(spdx.stderr, /unknown report format "spdx"/);
});

test('airlock scan: an SBOM file inside the target adds its packages; a package without a version is listed, never matched', async (t) => {
  const { root, db } = await fixture(t, new Date());
  mkdirSync(join(root, 'opt/app'), { recursive: true });
  writeFileSync(
    join(root, 'opt/app/bom.cdx.json'),
    JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ type: 'library', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' }, { type: 'library', name: 'lodash', purl: 'pkg:npm/lodash' }] }),
  );
  const json = await runCli(['scan', `rootfs:${root}`, '--db', db, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { packages: { purl: string; version: string; locations: string[] }[]; findings: { id: string; package: { version: string; locations: string[] } }[]; notMatched: { noVersion: { purl: string; location?: string }[] } };
  assert.deepEqual(report.packages.filter((p) => p.locations[0] === 'opt/app/bom.cdx.json').map((p) => [p.purl, p.version]), [['pkg:npm/lodash@4.17.20', '4.17.20'], ['pkg:npm/lodash', '']]);
  // The range "introduced 0" covers every version, but not a package that has none.
  assert.deepEqual(report.findings.filter((f) => f.id === 'CVE-2021-23337').map((f) => `${f.package.version} ${f.package.locations[0]}`).sort(), [
    '4.17.20 opt/app/bom.cdx.json',
    '4.17.20 usr/lib/node_modules/lodash/package.json',
  ]);
  assert.deepEqual(report.notMatched.noVersion, [{ purl: 'pkg:npm/lodash', location: 'opt/app/bom.cdx.json' }]);
  assert.match(json.stderr, /1 package\(s\) without a version not matched: pkg:npm\/lodash \(opt\/app\/bom\.cdx\.json\)/);
  const sbom = await runCli(['sbom', `rootfs:${root}`]);
  assert.equal(sbom.code, 0, sbom.stderr);
  const bare = (JSON.parse(sbom.stdout) as { components: Record<string, unknown>[] }).components.find((c) => c.purl === 'pkg:npm/lodash');
  assert.ok(bare && !('version' in bare), 'the CycloneDX component has no version field');
});
