/** `files:` entries: any file (patches, packages) as an artifact with one octet-stream layer. */
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { AirlockError, ioError } from '../../common/errors.ts';
import { FILE_ARTIFACT_TYPE, refComponent, writeArtifactManifest } from './artifact.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

export async function regularFile(path: string, field: string): Promise<number> {
  let st;
  try {
    st = await fsp.lstat(path);
  } catch (e) {
    throw ioError(path, e, field);
  }
  if (st.isSymbolicLink()) {
    // Follow a link the user made on the connected side, but only to a regular file.
    try {
      st = await fsp.stat(path);
    } catch (e) {
      throw ioError(path, e, `${field}: symbolic link`);
    }
  }
  if (!st.isFile()) throw new AirlockError('BAD_INPUT', `${path}: ${field}: not a regular file`);
  return st.size;
}

export const fileSource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'file',
  async import(src: SourceRef, { out, pool }: ImportContext): Promise<ImportedItem[]> {
    await regularFile(src.path, src.field);
    const blob = await out.putFile(pool, src.path);
    const title = basename(src.path);
    const descriptor = await writeArtifactManifest(out, FILE_ARTIFACT_TYPE, { mediaType: 'application/octet-stream', ...blob, title });
    return [{ type: 'file', name: src.name ?? `files/${refComponent(title)}`, source: src.ref, descriptor }];
  },
};
