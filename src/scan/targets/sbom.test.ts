import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedData } from '../../../test/helpers/env.ts';
import { catalog } from '../catalog.ts';
import { parseSbom } from './sbom.ts';

const rows = (r: ReturnType<typeof parseSbom>): unknown[] => r.packages.map((p) => [p.ecosystem, p.name, p.version, p.distroRelease, p.sourceName, p.sourceVersion]);

test('sbom: Trivy CycloneDX in, with source packages and epochs from its properties and purls', async (t) => {
  const dir = sharedData(t, 'vuln', 'fixtures', 'trivy', 'integration', 'fixtures', 'sbom');
  if (!dir) return;
  const r = await catalog(`sbom:${join(dir, 'centos-7-cyclonedx.json')}`);
  assert.deepEqual(r.os, { id: 'centos', versionId: '7.6.1810' });
  assert.deepEqual(r.packages.map((p) => [p.ecosystem, p.name, p.version, p.distroRelease, p.sourceName, p.sourceVersion]), [
    ['Red Hat', 'bash', '4.2.46-31.el7', '7', 'bash', '4.2.46-31.el7'],
    ['Red Hat', 'openssl-libs', '1:1.0.2k-16.el7', '7', 'openssl', '1:1.0.2k-16.el7'],
  ]);
  const multi = parseSbom(readFileSync(join(dir, 'fluentd-multiple-lockfiles-cyclonedx.json')), 'fluentd.json');
  assert.deepEqual(rows(multi), [
    ['Debian', 'bash', '5.0-4', '10', 'bash', '5.0-4'],
    ['Debian', 'libidn2-0', '2.0.5-1', '10', 'libidn2', '2.0.5-1'],
    ['RubyGems', 'activesupport', '6.0.2.1', undefined, undefined, undefined],
  ]);
});

test('sbom: SPDX 2.x JSON in; the described root is not a package; components without purls are reported', (t) => {
  const file = sharedData(t, 'vuln', 'fixtures', 'trivy', 'integration', 'fixtures', 'sbom', 'centos-7-spdx.json');
  if (!file) return;
  const r = parseSbom(readFileSync(file), 'centos-7-spdx.json');
  assert.equal(r.format, 'spdx');
  assert.deepEqual(r.packages.map((p) => p.name), ['bash', 'openssl-libs']);
  assert.deepEqual(r.warnings, ['centos-7-spdx.json: 1 component(s) without a purl were not scanned']);
});

test('sbom: hostile and foreign input gives one clear error naming the file', () => {
  assert.throws(() => parseSbom(Buffer.from('{"bomFormat":"CycloneDX","bomFormat":"x"}'), 'a.json'), /a.json.*duplicate/i);
  assert.throws(() => parseSbom(Buffer.from('{"hello":1}'), 'b.json'), /b.json: neither CycloneDX JSON \(bomFormat\) nor SPDX JSON \(spdxVersion\)/);
  assert.throws(() => parseSbom(Buffer.from('{"spdxVersion":"SPDX-3.0"}'), 'c.json'), /c.json: SPDX-3.0 is not supported/);
  let nested = '[]';
  for (let i = 0; i < 40; i++) nested = `[{"type":"library","components":${nested}}]`;
  assert.throws(() => parseSbom(Buffer.from(`{"bomFormat":"CycloneDX","components":${nested}}`), 'd.json'), /d.json: components nested deeper than 32/);
  const unknown = parseSbom(Buffer.from('{"bomFormat":"CycloneDX","components":[{"name":"x","purl":"pkg:hex/x@1"},{"name":"y"}]}'), 'e.json');
  assert.deepEqual(unknown.warnings, ['e.json: 1 component(s) without a purl were not scanned', 'e.json: 1 component(s) of purl type "hex" have no vulnerability ecosystem and were not scanned']);
});
