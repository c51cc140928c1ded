/**
 * `docker-archive:FILE` images: the tar written by `docker save` (both the classic form,
 * `<id>/layer.tar` plus `<config>.json`, and the OCI-based form of Docker 25+), turned
 * into OCI manifests. Two streaming passes: the first reads `manifest.json` and the
 * links, the second stores the config and layers it names. Layer bytes are kept as
 * they are, so uncompressed layers keep digests equal to the config's diff_ids.
 * Entry names are checked: absolute paths, `..` and links out of the archive are errors.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import tar, { type Header } from 'tar-stream';
import { z } from 'zod';
import { AirlockError, ioError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { checkEntryName, resolveLinkTarget } from '../../common/tar-names.ts';
import { jsonBytes } from '../../common/json.ts';
import type { Descriptor } from '../../oci/manifest.ts';
import { OCI_CONFIG, OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP, OCI_MANIFEST } from '../../oci/media-types.ts';
import { refComponent } from './artifact.ts';
import { regularFile } from './file-source.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

const MAX_MANIFEST_JSON = 4 * 1024 * 1024;

const DockerManifestSchema = z
  .array(
    z.object({
      Config: z.string().min(1).max(4096),
      RepoTags: z.array(z.string().max(1024)).max(1000).nullable().optional(),
      Layers: z.array(z.string().min(1).max(4096)).max(10_000),
    }),
  )
  .min(1)
  .max(10_000);

type TarEntry = AsyncIterable<Buffer> & { resume(): unknown };

async function* entries(path: string): AsyncGenerator<{ header: Header; name: string; stream: TarEntry }> {
  const extract = tar.extract();
  const input = createReadStream(path);
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      const check = checkEntryName(entry.header.name);
      if (!check.ok) throw new AirlockError('BAD_INPUT', `${path}: tar entry "${entry.header.name.slice(0, 200)}": ${check.reason}`);
      yield { header: entry.header, name: check.name, stream: entry as unknown as TarEntry };
      entry.resume();
    }
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${path}: not a readable docker-archive tar: ${(e as Error).message}`);
  } finally {
    input.destroy();
  }
}

async function readAll(stream: TarEntry, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw new AirlockError('BAD_INPUT', `${what}: larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** Yields the stream's bytes unchanged and records whether they start with the gzip magic. */
async function* sniffGzip(stream: AsyncIterable<Buffer>, seen: { gzip: boolean }): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of stream) {
    if (first && chunk.length > 0) {
      seen.gzip = chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
      first = false;
    }
    yield chunk;
  }
}

export const dockerArchiveSource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'image' && src.transport === 'docker-archive',
  async import(src: SourceRef, { out }: ImportContext): Promise<ImportedItem[]> {
    await regularFile(src.path, src.field);
    // Pass 1: manifest.json and links.
    let manifestBytes: Buffer | undefined;
    const links = new Map<string, string>();
    for await (const e of entries(src.path)) {
      if (e.header.type === 'symlink' || e.header.type === 'link') {
        const target = e.header.type === 'link' ? checkEntryName(e.header.linkname ?? '') : undefined;
        const resolved = e.header.type === 'link' ? (target?.ok ? target.name : undefined) : resolveLinkTarget(e.name, e.header.linkname ?? '');
        if (resolved === undefined) throw new AirlockError('BAD_INPUT', `${src.path}: tar entry "${e.name}" links outside the archive`);
        links.set(e.name, resolved);
      } else if (e.name === 'manifest.json' && e.header.type === 'file') {
        manifestBytes = await readAll(e.stream, MAX_MANIFEST_JSON, `${src.path}: manifest.json`);
      }
    }
    if (!manifestBytes) throw new AirlockError('BAD_INPUT', `${src.path}: not a docker-archive (no manifest.json)`);
    const parsed = DockerManifestSchema.safeParse(parseJsonStrict(manifestBytes, `${src.path}: manifest.json`));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AirlockError('BAD_INPUT', `${src.path}: manifest.json: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    const resolvePath = (p: string): string => {
      const c = checkEntryName(p);
      if (!c.ok) throw new AirlockError('BAD_INPUT', `${src.path}: manifest.json names "${p.slice(0, 200)}": ${c.reason}`);
      let name = c.name;
      for (let hops = 0; links.has(name); hops++) {
        if (hops > 16) throw new AirlockError('BAD_INPUT', `${src.path}: link loop at "${name}"`);
        name = links.get(name) as string;
      }
      return name;
    };
    const wanted = new Set<string>();
    for (const img of parsed.data) for (const p of [img.Config, ...img.Layers]) wanted.add(resolvePath(p));
    // Pass 2: store the config and layer blobs.
    const stored = new Map<string, { digest: string; size: number; gzip: boolean }>();
    for await (const e of entries(src.path)) {
      if (e.header.type !== 'file' || !wanted.has(e.name) || stored.has(e.name)) continue;
      const seen = { gzip: false };
      const blob = await out.putStream(sniffGzip(e.stream, seen), `${src.path}: ${e.name}`).catch((err: unknown) => {
        throw err instanceof AirlockError ? err : ioError(src.path, err, `read ${e.name}`);
      });
      stored.set(e.name, { ...blob, gzip: seen.gzip });
    }
    const items: ImportedItem[] = [];
    const stem = refComponent(basename(src.path).replace(/\.(tar|tgz|tar\.gz)$/, ''));
    parsed.data.forEach((img) => {
      for (const p of [img.Config, ...img.Layers]) {
        if (!stored.has(resolvePath(p))) throw new AirlockError('BAD_INPUT', `${src.path}: manifest.json names "${p}", which is not in the archive`);
      }
    });
    for (const [i, img] of parsed.data.entries()) {
      const config = stored.get(resolvePath(img.Config)) as { digest: string; size: number };
      const layers = img.Layers.map((p) => {
        const l = stored.get(resolvePath(p)) as { digest: string; size: number; gzip: boolean };
        return { mediaType: l.gzip ? OCI_LAYER_TAR_GZIP : OCI_LAYER_TAR, digest: l.digest, size: l.size };
      });
      const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size }, layers };
      const m = await out.putBytes(jsonBytes(manifest));
      const descriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: m.digest, size: m.size };
      const tag = img.RepoTags?.[0];
      const name = src.name && parsed.data.length === 1 ? src.name : tag ?? `${stem}:${parsed.data.length === 1 ? 'latest' : `image-${i + 1}`}`;
      items.push({ type: 'image', name, source: src.ref, descriptor, platforms: [] });
    }
    return items;
  },
};
