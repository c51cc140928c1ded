/** What goes wrong with registries, against real registries and a lying one. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonBytes } from '../../src/common/json.ts';
import { OciLayout } from '../../src/oci/layout.ts';
import { OCI_CONFIG, OCI_LAYER_TAR_GZIP, OCI_MANIFEST } from '../../src/oci/media-types.ts';
import { pullImage, pushImage, RegistryClient } from '../../src/oci/registry/index.ts';
import { requireTool, tempDir } from '../helpers/env.ts';
import { makeImage, skopeo } from './images.ts';
import { freePort, makeCa, sha256, startRegistry } from './registry-server.ts';

async function pushed(t: Parameters<typeof startRegistry>[0], mode: Parameters<typeof startRegistry>[1]) {
  const reg = await startRegistry(t, mode);
  if (!reg) return undefined;
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1', { sizes: [3000, 6000, 9000] });
  await pushImage(img.layout, img.root, `${reg.host}/app:v1`, reg.options);
  return { reg, dir, img };
}

test('wrong or missing credentials are a clear error (basic and token)', async (t) => {
  const s = await pushed(t, 'basic');
  if (!s) return;
  const layout = await OciLayout.openOrCreate(join(s.dir, 'out'));
  const noAuth = { REGISTRY_AUTH_FILE: join(s.dir, 'absent.json') };
  await assert.rejects(pullImage(`${s.reg.host}/app:v1`, layout, { plainHttp: true, retries: 0, env: noAuth, creds: 'airlock:wrong' }), /authentication failed \(HTTP 401\); check the credentials/);
  await assert.rejects(pullImage(`${s.reg.host}/app:v1`, layout, { plainHttp: true, retries: 0, env: noAuth }), /authentication required; give credentials with --creds/);
  // Credentials from an auth file in docker's format work.
  const authFile = join(s.dir, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auths: { [s.reg.host]: { auth: Buffer.from('airlock:correct horse battery staple').toString('base64') } } }));
  const ok = await pullImage(`${s.reg.host}/app:v1`, layout, { plainHttp: true, env: {}, authFile });
  assert.equal(ok.descriptor.digest, s.img.root.digest);

  const tok = await startRegistry(t, 'token');
  if (!tok) return;
  await assert.rejects(pushImage(s.img.layout, s.img.root, `${tok.host}/app:v1`, { ...tok.options, creds: 'airlock:nope' }), /token service at http:\/\/127\.0\.0\.1:\d+ refused the credentials \(HTTP 401\)/);
});

test('a bearer token the registry stops accepting is refreshed after a 401', async (t) => {
  const reg = await startRegistry(t, 'token');
  if (!reg) return;
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1');
  const client = await RegistryClient.create(reg.host, reg.options);
  t.after(() => client.close());
  const first = await pushImage(img.layout, img.root, `${reg.host}/app:v1`, { ...reg.options, client });
  assert.equal(first.uploaded, 3);
  const before = reg.tokensIssued();
  // The registry now trusts only a new issuer key: the cached token is refused.
  reg.rotateTokenKey();
  await reg.kill();
  await reg.restart();
  // Same scope as before, so the client first sends its cached token.
  const second = await pushImage(img.layout, img.root, `${reg.host}/app:v2`, { ...reg.options, client });
  assert.equal(second.skipped, 3);
  assert.equal(reg.tokensIssued(), before + 1);
});

test('an unknown CA is refused with a hint; TLS against a plain HTTP registry too', async (t) => {
  const tls = await startRegistry(t, 'tls');
  const plain = await startRegistry(t, 'http');
  if (!tls || !plain) return;
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1');
  await assert.rejects(pushImage(img.layout, img.root, `${tls.host}/app:v1`, { retries: 0 }), /TLS certificate not trusted \([A-Z_]+\); give the registry's CA with --ca-file/);
  await assert.rejects(pushImage(img.layout, img.root, `${plain.host}/app:v1`, { retries: 0 }), /does not speak TLS; pass --plain-http/);
  const ok = await pushImage(img.layout, img.root, `${tls.host}/app:v1`, tls.options);
  assert.equal(ok.uploaded, 3);
});

test('client certificates: refused without one, accepted with one', async (t) => {
  const reg = await startRegistry(t, 'mtls');
  if (!reg) return;
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1');
  await assert.rejects(pushImage(img.layout, img.root, `${reg.host}/app:v1`, { caFile: reg.options.caFile, retries: 0 }), /HEAD \/v2\/app\/manifests\/v1: UND_ERR_SOCKET \(the registry closed the connection; if it requires a client certificate, give --cert-file and --key-file\)/);
  await assert.rejects(pushImage(img.layout, img.root, `${reg.host}/app:v1`, { caFile: reg.options.caFile, certFile: reg.options.certFile }), /needs both --cert-file and --key-file/);
  const ok = await pushImage(img.layout, img.root, `${reg.host}/app:v1`, reg.options);
  assert.equal(ok.uploaded, 3);
});

test('a registry killed mid-push fails the push; a rerun completes and skips what arrived', async (t) => {
  if (!requireTool(t, 'skopeo')) return;
  const reg = await startRegistry(t, 'http');
  if (!reg) return;
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1', { sizes: [40_000, 50_000, 60_000, 70_000] });
  const opts = { ...reg.options, concurrency: 1, monolithicMax: 45_000, chunkSize: 16 * 1024 };
  let uploaded = 0;
  await assert.rejects(
    pushImage(img.layout, img.root, `${reg.host}/app:v1`, {
      ...opts,
      onEvent: (e) => {
        if (e.action === 'uploaded' && ++uploaded === 2) void reg.kill();
      },
    }),
    /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/,
  );
  await reg.restart();
  const r = await pushImage(img.layout, img.root, `${reg.host}/app:v1`, opts);
  assert.equal(r.skipped >= 2, true, `skipped ${r.skipped}`);
  assert.equal(r.uploaded + r.skipped, 5);
  const raw = await skopeo(['inspect', '--raw', ...reg.skopeoFlags('inspect'), `docker://${reg.host}/app:v1`]);
  assert.equal(sha256(Buffer.from(raw)), img.root.digest);
  await skopeo(['copy', ...reg.skopeoFlags('src'), `docker://${reg.host}/app:v1`, `oci:${join(dir, 'check')}:v1`]);
});

test('a manifest referring to a blob the registry lacks fails the pull and stores no manifest', async (t) => {
  const s = await pushed(t, 'http');
  if (!s) return;
  const manifest = JSON.parse((await s.img.layout.readBlob(s.img.root)).toString()) as { layers: { digest: string }[] };
  const lost = (manifest.layers[1] as { digest: string }).digest.slice('sha256:'.length);
  rmSync(join(s.reg.dir, 'data', 'docker', 'registry', 'v2', 'repositories', 'app', '_layers', 'sha256', lost), { recursive: true });
  const layout = await OciLayout.openOrCreate(join(s.dir, 'out'));
  await assert.rejects(pullImage(`${s.reg.host}/app:v1`, layout, s.reg.options), /get blob app@sha256:[a-f0-9]{64}: HTTP 404 \(BLOB_UNKNOWN/);
  assert.equal(await layout.hasBlob(s.img.root.digest), false);
  assert.equal(await layout.hasBlob(`sha256:${lost}`), false);

  // And a layout that lacks a blob is refused before anything is sent.
  rmSync(s.img.layout.blobPath(`sha256:${lost}`));
  await assert.rejects(pushImage(s.img.layout, s.img.root, `${s.reg.host}/other:v1`, s.reg.options), /blob sha256:[a-f0-9]{64} \(\d+ bytes\) is missing from the layout/);
});

/** A registry that lies: serves a manifest and blobs, some with the wrong bytes, and 503 on first asks. */
async function lyingRegistry(t: Parameters<typeof tempDir>[0], routes: Map<string, () => { status: number; body: Buffer; headers?: Record<string, string> }>, requireAuth = false): Promise<string> {
  const server = createServer((req, res) => {
    if (requireAuth && !req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="liar"', 'content-length': '0' }).end();
      return;
    }
    const route = routes.get(`${req.method} ${req.url}`) ?? routes.get(`GET ${req.url}`);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND","message":"nope"}]}');
      return;
    }
    const r = route();
    res.writeHead(r.status, { 'content-length': String(r.body.length), ...r.headers });
    res.end(req.method === 'HEAD' ? undefined : r.body);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `127.0.0.1:${port}`;
}

test('a lying registry: wrong blob bytes or a wrong manifest digest store nothing; 503 is retried', async (t) => {
  const dir = tempDir(t);
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const layer = Buffer.from('real layer bytes');
  const desc = (mediaType: string, b: Buffer) => ({ mediaType, digest: sha256(b), size: b.length });
  const manifest = jsonBytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc(OCI_CONFIG, config), layers: [desc(OCI_LAYER_TAR_GZIP, layer)] });
  let busy = 1;
  const routes = new Map<string, () => { status: number; body: Buffer; headers?: Record<string, string> }>([
    ['GET /v2/app/manifests/v1', () => ({ status: 200, body: manifest, headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': sha256(manifest) } })],
    ['GET /v2/app/manifests/liar', () => ({ status: 200, body: manifest, headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': sha256(Buffer.from('other')) } })],
    [`GET /v2/app/blobs/${sha256(config)}`, () => (busy-- > 0 ? { status: 503, body: Buffer.from('busy') } : { status: 200, body: config })],
    [`GET /v2/app/blobs/${sha256(layer)}`, () => ({ status: 200, body: Buffer.from('FAKE layer bytes') })],
  ]);
  const host = await lyingRegistry(t, routes);
  const layout = await OciLayout.openOrCreate(join(dir, 'out'));
  const opts = { plainHttp: true, retries: 2, retryDelayMs: 5, concurrency: 1, env: { REGISTRY_AUTH_FILE: join(dir, 'absent.json') } };
  await assert.rejects(pullImage(`${host}/app:v1`, layout, opts), new RegExp(`app@${sha256(layer)}: content does not match digest ${sha256(layer)}`));
  assert.equal(await layout.hasBlob(sha256(layer)), false);
  assert.equal(await layout.hasBlob(sha256(manifest)), false);
  assert.equal(await layout.hasBlob(sha256(config)), true, 'the config came after one 503');
  assert.deepEqual(readdirSync(layout.tempDir), []);
  await assert.rejects(pullImage(`${host}/app:liar`, layout, opts), /manifest app:liar: content does not match digest sha256:[a-f0-9]{64}/);
  await assert.rejects(pullImage(`${host}/app@${sha256(Buffer.from('x'))}`, layout, opts), /HTTP 404/);
});

test('hostile registry answers: oversized manifest, overlong blob, deep index nesting, credentials kept from redirects', async (t) => {
  const dir = tempDir(t);
  const layer = Buffer.from('layer');
  const config = Buffer.from('{}');
  const desc = (mediaType: string, b: Buffer) => ({ mediaType, digest: sha256(b), size: b.length });
  const manifest = jsonBytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: desc(OCI_CONFIG, config), layers: [desc(OCI_LAYER_TAR_GZIP, layer)] });
  // An index of an index of ... six levels down to the manifest.
  let nested = { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length, body: manifest };
  const chain = [nested];
  for (let i = 0; i < 6; i++) {
    const body = jsonBytes({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: nested.mediaType, digest: nested.digest, size: nested.size }] });
    nested = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha256(body), size: body.length, body };
    chain.push(nested);
  }
  let seenAuth: string | undefined = 'unset';
  const storage = createServer((req, res) => {
    seenAuth = req.headers.authorization;
    res.writeHead(200, { 'content-length': String(config.length) }).end(config);
  });
  const storagePort = await freePort();
  await new Promise<void>((r) => storage.listen(storagePort, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => storage.close(() => r())));

  const routes = new Map<string, () => { status: number; body: Buffer; headers?: Record<string, string> }>([
    ['GET /v2/app/manifests/huge', () => ({ status: 200, body: Buffer.alloc(5 * 1024 * 1024, 32), headers: { 'content-type': OCI_MANIFEST } })],
    ['GET /v2/app/manifests/v1', () => ({ status: 200, body: manifest, headers: { 'content-type': OCI_MANIFEST } })],
    ['GET /v2/app/manifests/deep', () => ({ status: 200, body: nested.body, headers: { 'content-type': nested.mediaType } })],
    [`GET /v2/app/blobs/${sha256(layer)}`, () => ({ status: 200, body: Buffer.from('layer and then some') })],
    [`GET /v2/app/blobs/${sha256(config)}`, () => ({ status: 307, body: Buffer.alloc(0), headers: { location: `http://127.0.0.1:${storagePort}/storage/config` } })],
    ...chain.map((c) => [`GET /v2/app/manifests/${c.digest}`, () => ({ status: 200, body: c.body, headers: { 'content-type': c.mediaType } })] as const),
  ]);
  const host = await lyingRegistry(t, routes, true);
  const layout = await OciLayout.openOrCreate(join(dir, 'out'));
  const opts = { plainHttp: true, retries: 0, concurrency: 1, creds: 'user:secret' };
  await assert.rejects(pullImage(`${host}/app:huge`, layout, opts), /manifest app:huge: response larger than 4194304 bytes/);
  await assert.rejects(pullImage(`${host}/app:deep`, layout, opts), /indexes nested deeper than 4/);
  await assert.rejects(pullImage(`${host}/app:v1`, layout, opts), new RegExp(`app@${sha256(layer)}: more data than the declared 5 bytes`));
  assert.equal(await layout.hasBlob(sha256(config)), true, 'the config came through the redirect');
  assert.equal(seenAuth, undefined);
  assert.deepEqual(readdirSync(layout.tempDir), []);
});

test('a chunked upload whose answer is lost asks the registry, then starts a new session when it cannot resume', async (t) => {
  const reg = await startRegistry(t, 'http');
  if (!reg) return;
  const [regHost, regPort] = reg.host.split(':') as [string, string];
  let patches = 0;
  let dropped = 0;
  let statusChecks = 0;
  let sessions = 0;
  // A proxy that lets the registry take the second chunk but drops the connection before the answer.
  const proxy = createServer((req, res) => {
    const drop = req.method === 'PATCH' && ++patches === 2;
    if (req.method === 'GET' && req.url?.includes('/blobs/uploads/')) statusChecks++;
    if (req.method === 'POST') sessions++;
    const up = httpRequest({ host: regHost, port: Number(regPort), path: req.url, method: req.method, headers: req.headers }, (upRes) => {
      if (drop) {
        dropped++;
        upRes.resume();
        upRes.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => proxy.close(() => r())));
  const dir = tempDir(t);
  const img = await makeImage(join(dir, 'src'), 'v1', { sizes: [100_000] });
  const r = await pushImage(img.layout, img.root, `127.0.0.1:${port}/app:v1`, { ...reg.options, monolithicMax: 10_000, chunkSize: 16 * 1024 });
  assert.equal(dropped, 1);
  assert.equal(statusChecks, 1, 'the client asked where the upload stood');
  // Distribution cancels an upload asked about with a stale state token (the Location
  // of the lost answer carried the new one), so the blob goes again in a new session.
  assert.equal(sessions, 3, 'the layer upload restarted once');
  assert.equal(r.uploaded, 2);
  // Straight from the registry: the layer is whole.
  const layout = await OciLayout.openOrCreate(join(dir, 'back'));
  const back = await pullImage(`${reg.host}/app:v1`, layout, reg.options);
  assert.equal(back.descriptor.digest, img.root.digest);
  assert.equal(back.downloaded, 2);
});

test('a TLS registry that points its token realm at plain HTTP is refused', async (t) => {
  if (!requireTool(t, 'openssl')) return;
  const dir = tempDir(t);
  const ca = makeCa(dir);
  const server = createHttpsServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, (_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://127.0.0.1:9/token",service="x"', 'content-length': '0' }).end();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const layout = await OciLayout.openOrCreate(join(dir, 'out'));
  await assert.rejects(pullImage(`127.0.0.1:${port}/app:v1`, layout, { caFile: ca.caFile, creds: 'u:p', retries: 0 }), /token realm http:\/\/127\.0\.0\.1:9 is not HTTPS; refusing to send credentials there/);
});
