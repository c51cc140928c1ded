import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OCI_INDEX, OCI_MANIFEST } from '../media-types.ts';
import { parseChallenges } from './challenge.ts';
import { credsFromAuthFile, parseCreds, resolveCredentials } from './credentials.ts';
import { filterIndex, parsePlatform } from './platform.ts';
import { formatReference, mirrorReference, parseReference } from './reference.ts';

test('references: Docker Hub normalisation, registries, tags and digests', () => {
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseReference('nginx'), { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' });
  assert.deepEqual(parseReference('nginx:1.25'), { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' });
  assert.deepEqual(parseReference('bitnami/redis:7'), { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' });
  assert.deepEqual(parseReference('index.docker.io/library/alpine'), { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' });
  assert.deepEqual(parseReference('localhost/app'), { registry: 'localhost', repository: 'app', tag: 'latest' });
  assert.deepEqual(parseReference('127.0.0.1:5000/a/b/c:v1'), { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'v1' });
  assert.deepEqual(parseReference(`quay.io/x/y@${d}`), { registry: 'quay.io', repository: 'x/y', digest: d });
  assert.deepEqual(parseReference(`ghcr.io/x/y:v2@${d}`), { registry: 'ghcr.io', repository: 'x/y', tag: 'v2', digest: d });
  assert.deepEqual(parseReference('[::1]:5000/app:1'), { registry: '[::1]:5000', repository: 'app', tag: '1' });
  assert.equal(formatReference(parseReference('nginx')), 'docker.io/library/nginx:latest');
});

test('references: bad input is a one-line error naming the part', () => {
  for (const [ref, why] of [
    ['', /empty/],
    ['Nginx', /path component "Nginx"/],
    ['https://quay.io/x', /URL scheme/],
    ['quay.io/x@sha512:abc', /digest "sha512:abc"/],
    ['quay.io/x:-bad', /tag "-bad"/],
    ['quay.io/', /no repository/],
    ['quay.io/a//b', /path component ""/],
    ['quay.io/../etc/passwd', /path component "\.\."/],
    ['quay.io/a/%2e%2e/b', /path component "%2e%2e"/],
    ['a'.repeat(2000), /longer than 1024/],
    [`quay.io/${'a/'.repeat(130)}b`, /repository longer than 255/],
    ['bad_host.io:99999x/a', /path component|registry/],
  ] as const) {
    assert.throws(() => parseReference(ref), why);
  }
});

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { maxLength: 20 }).filter((s) => s.length > 0 && s.length <= 20);
const host = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.constantFrom('.io', '.example.com', ''), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, s, p]) => `${h}${s === '' ? '.local' : s}${p === undefined ? '' : `:${p}`}`);

test('references: formatting a parsed reference parses back to the same value (property)', () => {
  fc.assert(
    fc.property(host, fc.array(component, { minLength: 1, maxLength: 4 }), fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }), fc.option(fc.stringMatching(/^[a-f0-9]{64}$/), { nil: undefined }), (h, parts, tag, hex) => {
      const text = `${h}/${parts.join('/')}${tag ? `:${tag}` : ''}${hex ? `@sha256:${hex}` : ''}`;
      const r = parseReference(text);
      assert.equal(r.registry, h);
      assert.equal(r.repository, parts.join('/'));
      assert.deepEqual(parseReference(formatReference(r)), r);
    }),
  );
});

test('references: arbitrary strings give a value or an AirlockError, never a crash (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^[a-zA-Z0-9.:/@_\-[\]]{0,80}$/)), (s) => {
      try {
        const r = parseReference(s);
        assert.deepEqual(parseReference(formatReference(r)), r);
      } catch (e) {
        assert.equal((e as Error).name, 'AirlockError');
      }
    }),
  );
});

test('mirror references keep the repository path under the prefix', () => {
  const src = parseReference('docker.io/library/nginx:1.25');
  assert.equal(formatReference(mirrorReference(src, 'https://harbor.local:8443/', 'mirror')), 'harbor.local:8443/mirror/library/nginx:1.25');
  assert.equal(formatReference(mirrorReference(parseReference('quay.io/a/b:1'), 'reg:5000')), 'reg:5000/a/b:1');
  assert.throws(() => mirrorReference(src, 'reg', '../x'), /prefix component "\.\."/);
});

test('WWW-Authenticate challenges', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.io/token",service="registry.io",scope="repository:a/b:pull,push"', 'h'), [
    { scheme: 'bearer', params: { realm: 'https://auth.io/token', service: 'registry.io', scope: 'repository:a/b:pull,push' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="x \\"y\\"", Bearer realm=tok', 'h'), [
    { scheme: 'basic', params: { realm: 'x "y"' } },
    { scheme: 'bearer', params: { realm: 'tok' } },
  ]);
  assert.throws(() => parseChallenges('Bearer realm="open', 'h'), /unterminated/);
  assert.throws(() => parseChallenges('x'.repeat(9000), 'h'), /longer than 8192/);
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        parseChallenges(s, 'h');
      } catch (e) {
        assert.equal((e as Error).name, 'AirlockError');
      }
    }),
  );
});

test('credentials: --creds, environment, docker auth files', async () => {
  assert.deepEqual(parseCreds('u:p:q'), { username: 'u', password: 'p:q' });
  assert.throws(() => parseCreds('nocolon'), /expected user:password/);
  const file = Buffer.from(
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
        'reg.local:5000': { username: 'ru', password: 'rp' },
      },
    }),
  );
  assert.deepEqual(credsFromAuthFile(file, 'docker.io', 'f'), { username: 'hub', password: 'secret' });
  assert.deepEqual(credsFromAuthFile(file, 'reg.local:5000', 'f'), { username: 'ru', password: 'rp' });
  assert.equal(credsFromAuthFile(file, 'other.io', 'f'), undefined);
  assert.throws(() => credsFromAuthFile(Buffer.from('{"auths":{"a":{},"a":{}}}'), 'a', 'f.json'), /f\.json.*duplicate/i);
  assert.deepEqual(await resolveCredentials('x', { env: { AIRLOCK_REGISTRY_USERNAME: 'e', AIRLOCK_REGISTRY_PASSWORD: 'p' } }), { username: 'e', password: 'p' });
  assert.deepEqual(await resolveCredentials('x', { creds: 'a:b', env: { AIRLOCK_REGISTRY_USERNAME: 'e' } }), { username: 'a', password: 'b' });
  await assert.rejects(resolveCredentials('x', { authFile: '/nonexistent/auth.json', env: {} }), /no such auth file/);
});

test('platforms: parsing and index filtering (attestations follow their image)', () => {
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.throws(() => parsePlatform('linux'), /expected os\/arch/);
  assert.throws(() => parsePlatform('linux/AMD64'), /expected os\/arch/);
  const d = (hex: string, arch: string, extra = {}) => ({ mediaType: OCI_MANIFEST, digest: `sha256:${hex.repeat(64)}`, size: 1, platform: { os: 'linux', architecture: arch }, ...extra });
  const index = {
    schemaVersion: 2 as const,
    mediaType: OCI_INDEX,
    manifests: [
      d('a', 'amd64'),
      d('b', 'arm64', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
      { ...d('c', 'unknown', { platform: { os: 'unknown', architecture: 'unknown' } }), annotations: { 'vnd.docker.reference.digest': `sha256:${'b'.repeat(64)}` } },
    ],
  };
  assert.deepEqual(filterIndex(index, [parsePlatform('linux/arm64')]).manifests.map((m) => m.digest[7]), ['b', 'c']);
  assert.deepEqual(filterIndex(index, [parsePlatform('linux/arm64/v7')]).manifests, []);
  assert.deepEqual(filterIndex(index, [parsePlatform('linux/amd64'), parsePlatform('linux/arm64/v8')]).manifests.length, 3);
});
