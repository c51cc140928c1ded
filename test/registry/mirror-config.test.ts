import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';
import { mirrorConfig } from '../../src/oci/registry/mirror-config.ts';
import { formatReference, mirrorReference, parseReference } from '../../src/oci/registry/reference.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/env.ts';

test('mirror-config k3s: mirrors with the prefix rewrite, CA and auth stanzas', async () => {
  const r = await runCli(['mirror-config', '--distro', 'k3s', '--registry', 'https://harbor.local:8443', '--source', 'docker.io', '--source', 'quay.io/org/img:1', '--source', 'docker.io', '--prefix', 'mirror', '--ca-file', '/etc/ssl/harbor-ca.crt', '--creds', 'robot:s3cret']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parse(r.stdout), {
    mirrors: {
      'docker.io': { endpoint: ['https://harbor.local:8443'], rewrite: { '^(.*)$': 'mirror/$1' } },
      'quay.io': { endpoint: ['https://harbor.local:8443'], rewrite: { '^(.*)$': 'mirror/$1' } },
    },
    configs: { 'harbor.local:8443': { tls: { ca_file: '/etc/ssl/harbor-ca.crt' }, auth: { username: 'robot', password: 's3cret' } } },
  });
  // The rewrite gives the path that a push to the mirror used.
  const pushed = mirrorReference(parseReference('nginx:1.25'), 'harbor.local:8443', 'mirror');
  assert.equal(formatReference(pushed), `harbor.local:8443/${'library/nginx'.replace(/^(.*)$/, 'mirror/$1')}:1.25`);
  assert.equal(formatReference(pushed), 'harbor.local:8443/mirror/library/nginx:1.25');
});

test('mirror-config rke2 without prefix and plain HTTP; --json', async () => {
  const r = await runCli(['mirror-config', '--distro', 'rke2', '--registry', 'http://10.0.0.5:5000', '--source', 'ghcr.io', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { target: string; documents: unknown[] };
  assert.equal(out.target, '/etc/rancher/rke2/registries.yaml');
  assert.deepEqual(out.documents, [{ mirrors: { 'ghcr.io': { endpoint: ['http://10.0.0.5:5000'] } } }]);
});

test('mirror-config openshift: digest and tag mirror sets, CA ConfigMap', async (t) => {
  const dir = tempDir(t);
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const r = await runCli(['mirror-config', '--distro', 'openshift', '--registry', 'harbor.local:8443', '--source', 'docker.io', '--source', 'registry.k8s.io', '--prefix', 'mirror', '--ca-file', ca]);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; spec?: Record<string, unknown>; data?: Record<string, string> });
  assert.deepEqual(docs.map((d) => d.kind), ['ImageDigestMirrorSet', 'ImageTagMirrorSet', 'ConfigMap']);
  assert.deepEqual(docs[0]?.spec, {
    imageDigestMirrors: [
      { source: 'docker.io', mirrors: ['harbor.local:8443/mirror'], mirrorSourcePolicy: 'NeverContactSource' },
      { source: 'registry.k8s.io', mirrors: ['harbor.local:8443/mirror'], mirrorSourcePolicy: 'NeverContactSource' },
    ],
  });
  assert.deepEqual(Object.keys(docs[2]?.data ?? {}), ['harbor.local..8443']);
  assert.match(r.stdout, /additionalTrustedCA/);
});

test('mirror-config refuses bad input with one line and exit code 2', async (t) => {
  const dir = tempDir(t);
  const notPem = join(dir, 'x.crt');
  writeFileSync(notPem, 'hello');
  for (const [args, msg] of [
    [['--distro', 'k8s', '--registry', 'r:5000', '--source', 'docker.io'], /--distro k8s: expected one of k3s, rke2, openshift/],
    [['--distro', 'k3s', '--registry', 'r:5000'], /give at least one --source/],
    [['--distro', 'k3s', '--registry', 'r:5000/path', '--source', 'docker.io'], /give the registry host/],
    [['--distro', 'k3s', '--registry', 'r:5000', '--source', 'docker.io', '--prefix', 'Bad'], /prefix component "Bad"/],
    [['--distro', 'openshift', '--registry', 'r:5000', '--source', 'docker.io', '--ca-file', notPem], /x\.crt: not a PEM certificate/],
    [['--distro', 'openshift', '--registry', 'r:5000', '--source', 'docker.io', '--name', 'Bad_Name'], /--name Bad_Name/],
  ] as const) {
    const r = await runCli(['mirror-config', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.throws(() => mirrorConfig({ distro: 'k3s', registry: 'r', sources: ['Not A Host'] }), /image reference/);
});
