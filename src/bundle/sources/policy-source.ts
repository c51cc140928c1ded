/**
 * `policies:` entries: a folder of policies packed as a deterministic tar.gz (sorted
 * entries, zero timestamps and owners, fixed modes), so the same folder always gives the
 * same digest. Only regular files and folders are taken; a symbolic link, device or
 * other special file is an error, never followed.
 */
import { promises as fsp, createReadStream } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { AirlockError, ioError } from '../../common/errors.ts';
import { POLICY_ARTIFACT_TYPE, POLICY_LAYER_MEDIA_TYPE, refComponent, writeArtifactManifest } from './artifact.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

const MAX_ENTRIES = 100_000;

interface Entry {
  rel: string;
  abs: string;
  dir: boolean;
  size: number;
}

async function listTree(root: string, field: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = (await fsp.readdir(dir)).sort();
    } catch (e) {
      throw ioError(dir, e, field);
    }
    for (const name of names) {
      const abs = join(dir, name);
      const st = await fsp.lstat(abs).catch((e: unknown) => {
        throw ioError(abs, e, field);
      });
      const rel = relative(root, abs).split(sep).join('/');
      if (st.isSymbolicLink()) throw new AirlockError('BAD_INPUT', `${abs}: ${field}: symbolic links are not packed (replace it with the file)`);
      if (st.isDirectory()) {
        out.push({ rel, abs, dir: true, size: 0 });
        await walk(abs);
      } else if (st.isFile()) {
        out.push({ rel, abs, dir: false, size: st.size });
      } else {
        throw new AirlockError('BAD_INPUT', `${abs}: ${field}: not a regular file or folder`);
      }
      if (out.length > MAX_ENTRIES) throw new AirlockError('BAD_INPUT', `${root}: ${field}: more than ${MAX_ENTRIES} entries`);
    }
  };
  const st = await fsp.stat(root).catch((e: unknown) => {
    throw ioError(root, e, field);
  });
  if (!st.isDirectory()) throw new AirlockError('BAD_INPUT', `${root}: ${field}: not a folder`);
  await walk(root);
  return out;
}

export const policySource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'policy',
  async import(src: SourceRef, { out }: ImportContext): Promise<ImportedItem[]> {
    const entries = await listTree(src.path, src.field);
    const pack = tar.pack();
    const gz = createGzip({ level: 9 });
    const sink = new PassThrough();
    const stored = out.putStream(sink, src.path);
    const feeding = (async () => {
      for (const e of entries) {
        const header = { name: e.dir ? `${e.rel}/` : e.rel, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
        if (e.dir) {
          pack.entry({ ...header, type: 'directory', mode: 0o755 });
          continue;
        }
        const entry = pack.entry({ ...header, type: 'file', mode: 0o644, size: e.size });
        await pipeline(createReadStream(e.abs), entry);
      }
      pack.finalize();
    })();
    await Promise.all([feeding, pipeline(pack, gz, sink), stored]);
    const blob = await stored;
    const descriptor = await writeArtifactManifest(out, POLICY_ARTIFACT_TYPE, { mediaType: POLICY_LAYER_MEDIA_TYPE, ...blob, title: `${basename(src.path)}.tar.gz` });
    return [{ type: 'policy', name: src.name ?? `policies/${refComponent(basename(src.path))}`, source: src.ref, descriptor }];
  },
};
