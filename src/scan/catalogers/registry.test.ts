import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { sharedData } from '../../../test/helpers/env.ts';
import { hintAccepts, type FileHint } from './cataloger.ts';
import { isOwnershipFile, OWNERSHIP_HINT } from './ownership.ts';
import { CATALOGERS } from './registry.ts';

/** Every cataloger's `matches`, and the ownership files, with the hint each must imply. */
const RULES: { name: string; hint: FileHint; matches: (p: string) => boolean }[] = [...CATALOGERS.map((c) => ({ name: c.name, hint: c.hint, matches: (p: string) => c.matches(p) })), { name: 'ownership', hint: OWNERSHIP_HINT, matches: isOwnershipFile }];

function check(path: string): void {
  for (const r of RULES) if (r.matches(path)) assert.ok(hintAccepts(r.hint, path), `${r.name} wants ${path}, but its hint turns it down`);
}

test('file hints: every path a cataloger wants passes its hint (generated paths)', () => {
  const folder = fc.constantFrom('usr', 'lib', 'var', 'dpkg', 'status.d', 'bin', 'sbin', 'BIN', 'node_modules', '@scope', 'x.dist-info', 'y.egg-info', 'EGG-INFO', 'specifications', 'vendor', 'composer', 'rpm', 'sysimage', 'apk', 'db', 'info', 'WEB-INF', 'a.jar');
  const file = fc.constantFrom(
    'METADATA', 'PKG-INFO', 'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'a.JAR', 'b.war', 'c.Ear', 'x.egg-info', 'x.egg', 'foo-1.0.gemspec',
    'requirements.txt', 'requirements-dev.txt', 'poetry.lock', 'Pipfile.lock', 'uv.lock', 'go.mod', 'Cargo.lock', 'Gemfile.lock', 'gems.locked', 'composer.lock', 'installed.json',
    'app.deps.json', 'packages.lock.json', 'app.cdx.json', 'x.spdx.json', 'b.cdx', '.spdx-redis.spdx', 'bom.json', 'status', 'installed', 'rpmdb.sqlite', 'Packages', 'Packages.db', 'bash.list', 'tool', 'kubectl', 'README', '.jar',
  );
  const fixed = ['var/lib/dpkg/status', 'lib/apk/db/installed', 'var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/Packages.db', 'var/lib/dpkg/info/bash.list'];
  for (const p of fixed) check(p);
  fc.assert(
    fc.property(fc.array(folder, { maxLength: 6 }), file, (dirs, name) => check([...dirs, name].join('/'))),
    { numRuns: 20_000 },
  );
});

test('file hints: every path a cataloger wants in the shared fixtures passes its hint', (t) => {
  const root = sharedData(t, 'vuln', 'fixtures');
  if (!root) return;
  let wanted = 0;
  for (const ent of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!ent.isFile()) continue;
    const path = relative(root, `${ent.parentPath}/${ent.name}`);
    check(path);
    if (RULES.some((r) => r.matches(path))) wanted++;
  }
  assert.ok(wanted > 100, `the fixtures hold files the catalogers want (${wanted})`);
});
