/**
 * The isolated-side loop: a bundle carries an image and the vulnerability DB; after
 * apply, `airlock scan store:NAME --store DIR` scans the stored image with the DB the
 * bundle installed, and `--ignore` suppresses with a justification until it expires.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.ts';
import { runCli } from '../helpers/cli.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import { buildImage } from '../../src/oci/build-image.ts';
import { generateKeyPair } from '../../src/trust/keys.ts';
import { applyIgnoreRules, parseIgnoreFile } from '../../src/scan/ignore.ts';
import type { Finding } from '../../src/scan/types.ts';

const OSV = {
  schema_version: '1.6.0',
  id: 'GHSA-35jh-r3h4-6jhm',
  modified: '2026-01-01T00:00:00Z',
  aliases: ['CVE-2021-23337'],
  summary: 'Command injection in lodash',
  affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }] }],
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' }],
};

test('scan store:NAME --store uses the DB a bundle installed; --ignore suppresses until it expires', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'osv'));
  writeFileSync(join(dir, 'osv', 'GHSA-35jh-r3h4-6jhm.json'), JSON.stringify(OSV));
  const build = await runCli(['vulndb', 'build', '--osv', join(dir, 'osv'), '-o', join(dir, 'vuln.db')]);
  assert.equal(build.code, 0, build.stderr);
  const layout = await OciLayout.openOrCreate(join(dir, 'layouts', 'app'));
  await buildImage(layout, '1.0', [
    { 'etc/os-release': 'ID=debian\nVERSION_ID="12"\n' },
    { 'app/node_modules/lodash/package.json': JSON.stringify({ name: 'lodash', version: '4.17.20' }), 'app/package.json': JSON.stringify({ name: 'app', version: '1.0.0' }) },
  ]);
  writeFileSync(join(dir, 'airlock.yaml'), 'name: scan\nversion: "1"\nimages:\n  - oci:./layouts/app:1.0\nvulndb: ./vuln.db\n');
  const keys = await generateKeyPair(join(dir, 'keys'), 'k', undefined);
  assert.equal((await runCli(['bundle', 'create', '-f', join(dir, 'airlock.yaml'), '-o', join(dir, 'b'), '--key', keys.privateKeyPath, '--sequence', '1'])).code, 0);
  const apply = await runCli(['bundle', 'apply', join(dir, 'b'), '--key', keys.publicKeyPath, '--store', join(dir, 'store'), '--json']);
  assert.equal(apply.code, 0, apply.stderr);
  assert.ok(JSON.parse(apply.stdout).vulndb.active, 'the bundle installed the DB');

  const scan = await runCli(['scan', 'store:app:1.0', '--store', join(dir, 'store'), '--json', '--fail-on', 'high']);
  assert.equal(scan.code, 1, scan.stderr);
  const report = JSON.parse(scan.stdout);
  const text = JSON.stringify(report);
  assert.match(text, /CVE-2021-23337|GHSA-35jh-r3h4-6jhm/);
  assert.match(text, /lodash/);

  writeFileSync(join(dir, 'ignore.yaml'), 'ignore:\n  - id: CVE-2021-23337\n    package: lodash\n    justification: template() is never called with user input\n    expires: 2999-01-01\n');
  const ignored = await runCli(['scan', 'store:app:1.0', '--store', join(dir, 'store'), '--json', '--fail-on', 'high', '--ignore', join(dir, 'ignore.yaml')]);
  assert.equal(ignored.code, 0, ignored.stderr);
  assert.match(ignored.stdout, /template\(\) is never called with user input/);

  writeFileSync(join(dir, 'old.yaml'), 'ignore:\n  - id: CVE-2021-23337\n    justification: accepted last year\n    expires: 2020-01-01\n');
  const expired = await runCli(['scan', 'store:app:1.0', '--store', join(dir, 'store'), '--json', '--fail-on', 'high', '--ignore', join(dir, 'old.yaml')]);
  assert.equal(expired.code, 1);
  assert.match(expired.stderr, /old\.yaml: the ignore rule for CVE-2021-23337 expired on 2020-01-01/);

  const both = await runCli(['scan', 'store:app:1.0', '--json']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give --db FILE or --store DIR/);
});

test('ignore files: OpenVEX and YAML, strict about what they accept', () => {
  const finding: Finding = {
    id: 'CVE-2024-1',
    aliases: ['GHSA-aaaa-bbbb-cccc'],
    package: { ecosystem: 'npm', name: 'left-pad', version: '1.0.0', purl: 'pkg:npm/left-pad@1.0.0', locations: [] },
    severity: 'HIGH',
    fixedVersions: [],
    status: 'unfixed',
  };
  const vex = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    statements: [
      { vulnerability: { name: 'GHSA-aaaa-bbbb-cccc' }, products: [{ '@id': 'pkg:npm/left-pad@1.0.0' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' },
      { vulnerability: 'CVE-2024-2', status: 'affected' },
    ],
  };
  const rules = parseIgnoreFile(Buffer.from(JSON.stringify(vex)), 'vex.json');
  assert.equal(rules.length, 1, 'affected statements suppress nothing');
  const out = applyIgnoreRules([finding], rules, new Date('2026-11-23'));
  assert.match(out.findings[0]?.suppressed?.justification ?? '', /not_affected: vulnerable_code_not_in_execute_path/);
  assert.throws(() => parseIgnoreFile(Buffer.from('ignore:\n  - id: CVE-1\n'), 'i.yaml'), /i\.yaml: ignore\.0\.justification/);
  assert.throws(() => parseIgnoreFile(Buffer.from('ignore:\n  - id: CVE-1\n    justification: x\n    id: CVE-2\n'), 'd.yaml'), /d\.yaml: invalid YAML/);
  assert.throws(() => parseIgnoreFile(Buffer.from('ignore:\n  - id: CVE-1\n    justification: x\n    expires: soon\n'), 'e.yaml'), /e\.yaml: ignore\.0\.expires/);
  const other = applyIgnoreRules([finding], [{ id: 'CVE-2024-1', package: 'right-pad', justification: 'x', by: 'f' }], new Date());
  assert.equal(other.findings[0]?.suppressed, undefined, 'a rule for another package does not apply');
});
