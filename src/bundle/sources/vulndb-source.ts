/** `vulndb:` entry: the compiled vulnerability database (SQLite) as one artifact. */
import { readHead } from '../../common/fsx.ts';
import { AirlockError } from '../../common/errors.ts';
import { VULNDB_ARTIFACT_TYPE, VULNDB_LAYER_MEDIA_TYPE, writeArtifactManifest } from './artifact.ts';
import { regularFile } from './file-source.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

export const VULNDB_ITEM_NAME = 'airlock/vulndb:latest';
const SQLITE_MAGIC = 'SQLite format 3\0';

export const vulndbSource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'vulndb',
  async import(src: SourceRef, { out, pool }: ImportContext): Promise<ImportedItem[]> {
    await regularFile(src.path, src.field);
    const head = await readHead(src.path, 16);
    if (head.toString('latin1') !== SQLITE_MAGIC) {
      throw new AirlockError('BAD_INPUT', `${src.path}: ${src.field}: not an SQLite database (build one with airlock vulndb build)`);
    }
    const blob = await out.putFile(pool, src.path);
    const descriptor = await writeArtifactManifest(out, VULNDB_ARTIFACT_TYPE, { mediaType: VULNDB_LAYER_MEDIA_TYPE, ...blob, title: 'vuln.db' });
    return [{ type: 'vulndb', name: src.name ?? VULNDB_ITEM_NAME, source: src.ref, descriptor }];
  },
};
