import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AirlockError } from '../../common/errors.ts';
import { sharedData, tempDir } from '../../../test/helpers/env.ts';
import { catalog } from '../catalog.ts';
import { parseCargoLock } from './cargo.ts';
import { parseComposer } from './composer.ts';
import { parseDepsJson, parsePackagesLock } from './dotnet.ts';
import { parseGoMod } from './go-mod.ts';
import { nameFromFileName, readJavaArchive } from './java.ts';
import { parsePackageLock } from './npm-lock.ts';
import { parsePnpmLock } from './pnpm.ts';
import { parsePipfileLock, parseRequirements, parseTomlPackages } from './python-lock.ts';
import { parseCoreMetadata } from './python.ts';
import { parseGemfileLock } from './ruby.ts';
import { parseYarnLock } from './yarn.ts';

const P = ['vuln', 'fixtures', 'trivy', 'parser'];
const read = (t: TestContext, ...parts: string[]): string | undefined => {
  const p = sharedData(t, ...P, ...parts);
  return p === undefined ? undefined : readFileSync(p, 'utf8');
};
const ids = (l: { name: string; version: string }[]): string[] => l.map((p) => `${p.name}@${p.version}`).sort();

test('npm package-lock v1, v2 and v3 give the same 31 packages; workspaces and links are not dependencies', (t) => {
  const v1 = read(t, 'nodejs/npm/testdata/package-lock_v1.json');
  const v2 = read(t, 'nodejs/npm/testdata/package-lock_v2.json');
  const v3 = read(t, 'nodejs/npm/testdata/package-lock_v3.json');
  const ws = read(t, 'nodejs/npm/testdata/package-lock_v3_with_workspace.json');
  if (!v1 || !v2 || !v3 || !ws) return;
  const a = ids(parsePackageLock(v1, 'v1'));
  assert.equal(a.length, 31);
  assert.ok(a.includes('@babel/helper-string-parser@7.19.4'));
  assert.deepEqual(ids(parsePackageLock(v2, 'v2')), ids(parsePackageLock(v3, 'v3')));
  assert.equal(parsePackageLock(ws, 'ws').length, 4);
});

test('npm package-lock: duplicate keys and deep nesting are rejected with the file name', () => {
  assert.throws(() => parsePackageLock('{"lockfileVersion":3,"packages":{"a":{},"a":{}}}', 'package-lock.json'), /package-lock.json.*duplicate/i);
  let deep = '{"version":"1"}';
  for (let i = 0; i < 70; i++) deep = `{"version":"1","dependencies":{"x${i}":${deep}}}`;
  assert.throws(() => parsePackageLock(`{"dependencies":${deep}}`, 'package-lock.json'), (e: unknown) => e instanceof AirlockError && /package-lock.json/.test(e.message));
});

test('yarn v1 and berry lock files', (t) => {
  const v1 = read(t, 'nodejs/yarn/testdata/yarn_happy.lock');
  const berry = read(t, 'nodejs/yarn/testdata/yarn_v2_happy.lock');
  if (!v1 || !berry) return;
  const a = parseYarnLock(v1, 'yarn.lock');
  assert.ok(ids(a).includes('@babel/helper-regex@7.4.4'));
  assert.ok(ids(a).includes('ansi-regex@2.1.1') && ids(a).includes('ansi-regex@3.0.0'));
  const b = parseYarnLock(berry, 'yarn.lock');
  assert.ok(ids(b).includes('@types/color-name@1.1.1'));
  assert.ok(b.every((e) => /^\d/.test(e.version)));
  assert.throws(() => parseYarnLock('foo@^1:\n  version "1"\nnot a header\n', 'yarn.lock'), /yarn.lock: unexpected line/);
});

test('pnpm lock files v5, v6 and v9 (tarball and file entries left out)', (t) => {
  const v5 = read(t, 'nodejs/pnpm/testdata/pnpm-lock_normal.yaml');
  const v6 = read(t, 'nodejs/pnpm/testdata/pnpm-lock_v6.yaml');
  const v9 = read(t, 'nodejs/pnpm/testdata/pnpm-lock_v9.yaml');
  if (!v5 || !v6 || !v9) return;
  assert.deepEqual(ids(parsePnpmLock(v5, 'v5')), ['asap@2.0.6', 'jquery@3.6.0', 'promise@8.1.0']);
  assert.deepEqual(ids(parsePnpmLock(v6, 'v6')), ['asap@2.0.6', 'jquery@3.6.0', 'promise@8.1.0']);
  const nine = ids(parsePnpmLock(v9, 'v9'));
  assert.ok(nine.includes('@babel/helper-string-parser@7.24.1') && nine.includes('debug@4.3.4'));
  assert.ok(nine.every((id) => !id.includes('https:')));
});

test('Python: core metadata, pinned requirements, poetry, Pipfile.lock and uv', (t) => {
  const meta = read(t, 'python/packaging/testdata/zipp-3.12.1.METADATA');
  const egg = read(t, 'python/packaging/testdata/setuptools-51.3.3-py3.8.egg-info.PKG-INFO');
  const req = read(t, 'python/pip/testdata/requirements_flask.txt');
  const poetry = read(t, 'python/poetry/testdata/poetry_normal.lock');
  const pipenv = read(t, 'python/pipenv/testdata/Pipfile_normal.lock');
  const uv = read(t, 'python/uv/testdata/uv_normal.lock');
  if (!meta || !egg || !req || !poetry || !pipenv || !uv) return;
  assert.deepEqual(parseCoreMetadata(meta), { name: 'zipp', version: '3.12.1', licenses: [] });
  assert.equal(parseCoreMetadata(egg)?.version, '51.3.3');
  assert.ok(parseRequirements(req).length > 0);
  assert.ok(parseRequirements(req).every((p) => /^\d/.test(p.version)));
  assert.deepEqual(parseRequirements('# c\nflask==2.0.0 --hash=sha256:x\nrequests[socks] == 2.31.0 ; python_version>"3"\nloose>=1.0\n-r other.txt\n'), [
    { name: 'flask', version: '2.0.0' },
    { name: 'requests', version: '2.31.0' },
  ]);
  assert.ok(parseTomlPackages(poetry, 'poetry.lock').length > 0);
  assert.ok(parsePipfileLock(pipenv, 'Pipfile.lock').length > 0);
  const u = parseTomlPackages(uv, 'uv.lock');
  assert.ok(u.length > 0);
  assert.throws(() => parseTomlPackages('[[package]\nname=', 'poetry.lock'), /poetry.lock: invalid TOML/);
});

test('go.mod: require blocks, indirect, replace with a version; local replacements dropped', (t) => {
  const mod = read(t, 'golang/mod/testdata/replaced/go.mod');
  if (!mod) return;
  assert.deepEqual(
    parseGoMod(mod).map((m) => `${m.path}@${m.version}`).sort(),
    ['github.com/aquasecurity/go-dep-parser@v0.0.0-20220406074731-71021a481237', 'golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1'],
  );
  assert.deepEqual(parseGoMod('module x\nrequire (\n\ta v1.0.0 // indirect\n\tb v2.0.0\n)\nreplace b => ../b\n'), [{ path: 'a', version: 'v1.0.0', indirect: true }]);
});

test('Java archives: pom.properties in nested jars of a war; file-name fallback', async (t) => {
  const war = sharedData(t, ...P, 'java/jar/testdata/gradle.war');
  if (!war) return;
  const found = await readJavaArchive(readFileSync(war), 'gradle.war');
  assert.ok(found.some((c) => c.groupId === 'log4j' && c.artifactId === 'log4j' && c.version === '1.2.17' && c.location === 'gradle.war!/WEB-INF/lib/log4j-1.2.17.jar'));
  assert.deepEqual(nameFromFileName('lib/commons-lang3-3.12.0.jar'), { artifactId: 'commons-lang3', version: '3.12.0' });
  await assert.rejects(readJavaArchive(Buffer.from('not a zip'), 'x.jar'), /x.jar: not a readable zip archive/);
});

test('Cargo.lock, Gemfile.lock, composer.lock, deps.json and packages.lock.json', (t) => {
  const cargo = read(t, 'rust/cargo/testdata/cargo_normal.lock');
  const gem = read(t, 'ruby/bundler/testdata/Gemfile_normal.lock');
  const composer = read(t, 'php/composer/testdata/composer_happy.lock');
  const deps = read(t, 'dotnet/core_deps/testdata/happy.deps.json');
  if (!cargo || !gem || !composer || !deps) return;
  const crates = parseCargoLock(cargo, 'Cargo.lock');
  assert.equal(crates.length, 7, 'the workspace crate itself has no source and is left out');
  assert.ok(!crates.some((c) => c.name === 'normal'));
  assert.deepEqual(ids(parseGemfileLock(gem)), ['coderay@1.1.2', 'concurrent-ruby@1.1.5', 'dotenv@2.7.2', 'faker@1.9.3', 'i18n@1.6.0', 'method_source@0.9.2', 'pry@0.12.2']);
  assert.ok(parseComposer(composer, 'composer.lock').length > 0);
  assert.deepEqual(parseDepsJson(deps, 'x.deps.json'), [{ name: 'Newtonsoft.Json', version: '13.0.1' }]);
  assert.deepEqual(parsePackagesLock('{"version":1,"dependencies":{"net6.0":{"A":{"type":"Direct","resolved":"1.0.0"},"P":{"type":"Project"}}}}', 'packages.lock.json'), [{ name: 'A', version: '1.0.0' }]);
});

test('dir: finds lock files in a source tree, skips .git, and one broken file only costs a warning', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'web'));
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'svc'));
  writeFileSync(join(dir, 'web/package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'web' }, 'node_modules/@scope/a': { version: '1.0.0' } } }));
  writeFileSync(join(dir, '.git/package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/hidden': { version: '1.0.0' } } }));
  writeFileSync(join(dir, 'svc/requirements.txt'), 'Django==4.2.1\n');
  writeFileSync(join(dir, 'svc/Pipfile.lock'), '{"default": {"a": {}, "a": {}}}');
  const r = await catalog(`dir:${dir}`);
  assert.deepEqual(
    r.packages.map((p) => p.purl),
    ['pkg:npm/%40scope/a@1.0.0', 'pkg:pypi/django@4.2.1'],
  );
  assert.equal(r.os, undefined);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /svc\/Pipfile.lock.*duplicate/i);
});

test('Python metadata without a Version is listed with an empty version (purl without @); without a Name it is a warning', async (t) => {
  assert.deepEqual(parseCoreMetadata('Name: no-version\n'), { name: 'no-version', version: '', licenses: [] });
  assert.deepEqual(parseCoreMetadata('Name: x\nVersion:   \n'), { name: 'x', version: '', licenses: [] });
  assert.equal(parseCoreMetadata('Version: 1.0\n'), undefined);
  const dir = tempDir(t);
  const site = join(dir, 'usr/lib/python3/site-packages');
  mkdirSync(site, { recursive: true });
  writeFileSync(join(site, 'no-version-py3.8.egg-info'), 'Name: no-version\n');
  writeFileSync(join(site, 'nameless-1.0.egg-info'), 'Version: 1.0\n');
  const r = await catalog(`rootfs:${dir}`);
  assert.deepEqual(r.packages.map((p) => [p.name, p.version, p.purl, p.locations[0]]), [['no-version', '', 'pkg:pypi/no-version', 'usr/lib/python3/site-packages/no-version-py3.8.egg-info']]);
  assert.deepEqual(r.warnings, ['usr/lib/python3/site-packages/nameless-1.0.egg-info: no Name in Python package metadata']);
  // The same file in the shared fixtures (Syft's test data), as Trivy reports it.
  const fixture = sharedData(t, 'vuln', 'fixtures', 'syft', 'cataloger', 'python', 'testdata', 'site-packages', 'no-version');
  if (!fixture) return;
  const f = await catalog(`rootfs:${fixture}`);
  assert.deepEqual(f.packages.map((p) => p.purl), ['pkg:pypi/no-version']);
});
