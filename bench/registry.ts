/**
 * Registry transfer figures against skopeo on loopback (not a test: it prints figures
 * and ratios). Run: `npm run bench -- registry (or node --import tsx bench/registry.ts [images] [MiB per layer])`.
 * Generated images share one base layer; each has two layers of its own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { forEachLimit } from '../src/oci/blob-pool.ts';
import { OciLayout } from '../src/oci/layout.ts';
import type { Descriptor } from '../src/oci/manifest.ts';
import { BlobLocations, pullImage, pushImage, RegistryClient } from '../src/oci/registry/index.ts';
import { makeImage } from '../test/registry/images.ts';
import { startRegistry } from '../test/registry/registry-server.ts';

const run = promisify(execFile);
const images = Number(process.argv[2] ?? 10);
const layerMiB = Number(process.argv[3] ?? 4);
const concurrency = Number(process.argv[4] ?? 4);
const cleanups: (() => unknown)[] = [];
// startRegistry needs only after() and skip() of a test context.
const ctx = { after: (fn: () => unknown) => cleanups.push(fn), skip: (m: string) => console.log(`skipped: ${m}`) } as unknown as TestContext;
const tmp = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));

async function time(label: string, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(44)} ${s.toFixed(2)} s`);
  return s;
}

try {
  const [a, b1, b2] = [await startRegistry(ctx, 'http'), await startRegistry(ctx, 'http'), await startRegistry(ctx, 'http')];
  if (!a || !b1 || !b2) throw new Error('docker-registry is needed');
  const mib = 1024 * 1024;
  const src = join(tmp, 'src');
  // One layout: the first image's base layer is reused by all (same bytes, same digest).
  const first = await makeImage(src, 'img0', { sizes: [layerMiB * 2 * mib, layerMiB * mib, layerMiB * mib] });
  const base = (JSON.parse((await first.layout.readBlob(first.root)).toString()) as { layers: Descriptor[] }).layers[0] as Descriptor;
  for (let i = 1; i < images; i++) await makeImage(src, `img${i}`, { sizes: [1, layerMiB * mib, layerMiB * mib], baseLayer: base });
  const names = Array.from({ length: images }, (_, i) => `img${i}`);
  for (const n of names) await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${src}:${n}`, `docker://${a.host}/bench/${n}:1`]);
  const total = (images * 2 * layerMiB + 2 * layerMiB);
  console.log(`${images} images, ${total} MiB of unique layers, loopback, concurrency ${concurrency}`);

  const tSkopeoPull = await time('pull: skopeo copy docker:// -> oci:', async () => {
    for (const n of names) await run('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${a.host}/bench/${n}:1`, `oci:${join(tmp, 'skopeo')}:${n}`]);
  });
  const layout = await OciLayout.openOrCreate(join(tmp, 'airlock'));
  const roots: Descriptor[] = [];
  const clientA = await RegistryClient.create(a.host, a.options);
  const tPullSeq = await time('pull: airlock pullImage, one image at a time', async () => {
    for (const n of names) roots.push((await pullImage(`${a.host}/bench/${n}:1`, layout, { ...a.options, client: clientA, concurrency })).descriptor);
  });
  const layout2 = await OciLayout.openOrCreate(join(tmp, 'airlock2'));
  const tPull = await time('pull: airlock pullImage, 4 images at a time', () =>
    forEachLimit(names, 4, async (n) => {
      await pullImage(`${a.host}/bench/${n}:1`, layout2, { ...a.options, client: clientA, concurrency });
    }),
  );
  await clientA.close();
  const tSkopeoPush = await time('push: skopeo copy oci: -> docker://', async () => {
    for (const n of names) await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${join(tmp, 'skopeo')}:${n}`, `docker://${b1.host}/bench/${n}:1`]);
  });
  const clientB = await RegistryClient.create(b2.host, b2.options);
  const locations = new BlobLocations();
  const pushAll = async (): Promise<void> => {
    for (let i = 0; i < names.length; i++) await pushImage(layout, roots[i] as Descriptor, `${b2.host}/bench/${names[i]}:1`, { ...b2.options, client: clientB, locations, concurrency });
  };
  const tPush = await time('push: airlock pushImage', pushAll);
  const tRepush = await time('push again, unchanged: airlock pushImage', pushAll);
  await clientB.close();
  console.log(`ratio skopeo/airlock pull ${(tSkopeoPull / tPullSeq).toFixed(2)} (4 at a time ${(tSkopeoPull / tPull).toFixed(2)}), push ${(tSkopeoPush / tPush).toFixed(2)}; re-push ${((100 * tRepush) / tPush).toFixed(1)}% of the first`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  for (const c of cleanups.reverse()) await c();
}
