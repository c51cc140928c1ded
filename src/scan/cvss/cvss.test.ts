import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData } from '../../../test/helpers/env.ts';
import { parseCvssVector, scoreCvss, severityFromScore } from './cvss.ts';

// Published scores: NVD entries and FIRST's specification / calculator examples.
const KNOWN: [string, number][] = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0], // CVE-2021-44228 (Log4Shell)
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5], // CVE-2014-0160 (Heartbleed)
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1], // typical reflected XSS
  ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0.0],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10.0],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.9],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.7],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N', 5.1], // stored XSS
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0.0],
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5],
  ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3],
];

test('CVSS base scores match published scores', () => {
  for (const [vector, expected] of KNOWN) assert.equal(scoreCvss(vector).score, expected, vector);
});

test('only base metrics are scored; threat and environmental metrics are validated then ignored', () => {
  const base = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N';
  assert.equal(scoreCvss(`${base}/E:U/CR:H/MAV:L/U:Red`).score, 6.9);
  assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:U/RL:O/RC:R').score, 7.5);
});

test('severity from score follows the CVSS rating table', () => {
  assert.equal(severityFromScore(0), 'NONE');
  assert.equal(severityFromScore(0.1), 'LOW');
  assert.equal(severityFromScore(3.9), 'LOW');
  assert.equal(severityFromScore(4.0), 'MEDIUM');
  assert.equal(severityFromScore(6.9), 'MEDIUM');
  assert.equal(severityFromScore(7.0), 'HIGH');
  assert.equal(severityFromScore(8.9), 'HIGH');
  assert.equal(severityFromScore(9.0), 'CRITICAL');
  assert.equal(severityFromScore(10, '2.0'), 'HIGH');
  assert.equal(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H').severity, 'CRITICAL');
});

test('malformed vectors are rejected with a clear reason', () => {
  const cases: [string, RegExp][] = [
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N', /missing base metric A/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/AV:L', /AV given twice/],
    ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', /AV:Q is not one of/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/XX:Y', /unknown metric XX/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', /UI:R is not one of/],
    ['CVSS:3.1/AV:N//AC:L', /malformed metric/],
    [`CVSS:3.1/${'AV:N/'.repeat(200)}`, /longer than 512/],
    ['garbage', /malformed metric/],
  ];
  for (const [v, re] of cases) assert.throws(() => parseCvssVector(v), re, v);
});

/** Every (vector, baseScore) pair in NVD CVE JSON 2.0 files under a folder. */
function nvdPairs(dir: string): [string, number][] {
  const out: [string, number][] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      const d = o.cvssData as Record<string, unknown> | undefined;
      if (d && typeof d.vectorString === 'string' && typeof d.baseScore === 'number') out.push([d.vectorString, d.baseScore]);
      Object.values(o).forEach(walk);
    }
  };
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    try {
      walk(JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')));
    } catch {
      // some fixtures are deliberately broken JSON; they hold no scores to check
    }
  }
  return out;
}

test('scores agree with NVD published base scores on real CVE records', (t) => {
  const vunnel = sharedData(t, 'vuln', 'distro-feeds', 'vunnel-fixtures', 'nvd');
  const trivy = sharedData(t, 'vuln', 'distro-feeds', 'trivy-db-testdata', 'vulnsrc', 'nvd');
  if (!vunnel || !trivy) return;
  const pairs = [...nvdPairs(vunnel), ...nvdPairs(trivy)];
  assert.ok(pairs.length >= 20, `only ${pairs.length} scored vectors found`);
  const versions = new Set<string>();
  for (const [vector, expected] of pairs) {
    const s = scoreCvss(vector);
    versions.add(s.version);
    assert.equal(s.score, expected, vector);
  }
  assert.ok(versions.has('3.1') && versions.has('4.0'), [...versions].join(','));
});
