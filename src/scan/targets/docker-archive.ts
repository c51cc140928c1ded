/**
 * `docker-archive:FILE[:TAG]`: the tar that `docker save` writes (manifest.json with
 * Config, RepoTags and Layers; layers as `<id>/layer.tar` or OCI-style blobs). One pass
 * over the outer tar: small JSON members are kept, members that look like layers are
 * streamed through readLayer, then the manifest's layers are applied in order.
 */
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import tar from 'tar-stream';
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { applyLayers, DEFAULT_LIMITS, layeredFs, looksLikeLayer, readLayer, type LayerBudget, type LayerContent, type LayerLimits } from './layers.ts';
import { splitRefTag, type ImageTree } from './oci.ts';
import { normaliseEntryPath, type Want } from './vfs.ts';
import { Readable } from 'node:stream';

const MAX_JSON = 4 * 1024 * 1024;

const DockerManifest = z
  .array(z.object({ Config: z.string().max(4096), RepoTags: z.array(z.string().max(1024)).max(1000).nullish(), Layers: z.array(z.string().max(4096)).max(10_000) }))
  .min(1)
  .max(1000);

/** "blobs/sha256/HEX", "HEX.tar", "HEX.json" name their content's digest; "ID/layer.tar" does not. */
function digestOf(member: string): string {
  const m = /(?:^|\/)([a-f0-9]{64})(?:\.tar|\.json)?$/.exec(member);
  return m ? `sha256:${m[1]}` : member;
}

export async function openDockerArchive(spec: string, want: Want, limits: LayerLimits = DEFAULT_LIMITS): Promise<ImageTree> {
  const { path, tag } = await splitRefTag(spec);
  const extract = tar.extract();
  const input = createReadStream(path);
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  const json = new Map<string, Buffer>();
  const layers = new Map<string, LayerContent>();
  const budget: LayerBudget = { kept: 0 };
  let count = 0;
  try {
    for await (const entry of extract) {
      if (++count > 100_000) throw new AirlockError('BAD_INPUT', `${path}: more than 100000 members`);
      const name = normaliseEntryPath(entry.header.name, path);
      if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const it = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const first = await it.next();
      const head = first.done ? Buffer.alloc(0) : first.value;
      const rest = Readable.from(
        (async function* () {
          if (head.length > 0) yield head;
          if (first.done) return;
          while (true) {
            const r = await it.next();
            if (r.done) return;
            yield r.value;
          }
        })(),
        { objectMode: false },
      );
      if (looksLikeLayer(head)) {
        layers.set(name, await readLayer(rest, name, `${path}: ${name}`, want, limits, budget));
        for await (const _ of rest) {
          // drain
        }
      } else if ((entry.header.size ?? 0) <= MAX_JSON && name.endsWith('.json')) {
        const chunks: Buffer[] = [];
        for await (const c of rest) chunks.push(c as Buffer);
        json.set(name, Buffer.concat(chunks));
      } else {
        for await (const _ of rest) {
          // not needed
        }
      }
    }
  } catch (e) {
    input.destroy();
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${path}: not a readable docker archive: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const raw = json.get('manifest.json');
  if (!raw) throw new AirlockError('BAD_INPUT', `${path}: no manifest.json (not a docker save archive)`);
  const parsed = DockerManifest.safeParse(parseJsonStrict(raw, `${path}: manifest.json`));
  if (!parsed.success) throw new AirlockError('BAD_INPUT', `${path}: manifest.json: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const images = parsed.data;
  let image = images[0]!;
  if (tag !== undefined) {
    const hit = images.find((i) => (i.RepoTags ?? []).some((t) => t === tag || t.endsWith(`:${tag}`)));
    if (!hit) throw new AirlockError('NOT_FOUND', `${path}: no image tagged "${tag}"`);
    image = hit;
  } else if (images.length > 1) {
    throw new AirlockError('USAGE', `${path}: holds ${images.length} images; name one with docker-archive:FILE:TAG`);
  }
  const ordered = image.Layers.map((l) => {
    const c = layers.get(normaliseEntryPath(l, path));
    if (!c) throw new AirlockError('BAD_INPUT', `${path}: layer ${l} named in manifest.json is missing or not a tar`);
    return c;
  });
  const digests = image.Layers.map(digestOf);
  for (const [i, c] of ordered.entries()) {
    for (const e of c.entries.values()) e.layer = digests[i]!;
  }
  return { fs: layeredFs(`docker-archive:${spec}`, applyLayers(ordered), want), digest: digestOf(image.Config), layers: digests };
}
