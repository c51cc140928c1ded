/**
 * Trivy's offline databases, laid out exactly as Trivy pulls them
 * (aquasecurity/trivy pkg/oci/artifact.go, pkg/db): an OCI manifest whose config has the
 * media type `application/vnd.aquasec.trivy.config.v1+json` and one layer,
 * `application/vnd.aquasec.trivy.db.layer.v1.tar+gzip` (db.tar.gz: trivy.db and
 * metadata.json) or `application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip` (the Java
 * DB). After `bundle apply --registry R --prefix P` they are at P/trivy-db:2 and
 * P/trivy-java-db:1, so `trivy image --db-repository R/P/trivy-db
 * --java-db-repository R/P/trivy-java-db` works unchanged.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AirlockError } from '../../common/errors.ts';
import { jsonBytes } from '../../common/json.ts';
import { readHead } from '../../common/fsx.ts';
import { EMPTY_JSON, OCI_MANIFEST, TITLE_ANNOTATION } from '../../oci/media-types.ts';
import type { Descriptor } from '../../oci/manifest.ts';
import { regularFile } from './file-source.ts';
import type { ImportContext, ImportedItem, SourceImporter } from './types.ts';
import type { SourceRef } from '../spec.ts';

export const TRIVY_CONFIG_MEDIA_TYPE = 'application/vnd.aquasec.trivy.config.v1+json';
export const TRIVY_DB_LAYER = 'application/vnd.aquasec.trivy.db.layer.v1.tar+gzip';
export const TRIVY_JAVA_DB_LAYER = 'application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip';

/** Repository and tag Trivy asks for, below the prefix. */
export const TRIVY_TARGETS = { 'trivy-db': 'trivy-db:2', 'trivy-java-db': 'trivy-java-db:1' } as const;

const SPECS = {
  'trivy-db': { layer: TRIVY_DB_LAYER, title: 'db.tar.gz', must: ['trivy.db', 'metadata.json'], name: 'aquasecurity/trivy-db:2' },
  'trivy-java-db': { layer: TRIVY_JAVA_DB_LAYER, title: 'javadb.tar.gz', must: ['trivy-java.db', 'metadata.json'], name: 'aquasecurity/trivy-java-db:1' },
} as const;

const MAX_ENTRIES = 64;
const MAX_UNCOMPRESSED = 64 * 1024 * 1024 * 1024;

/** Checks the archive holds the files Trivy opens, streaming, with a bound on what it inflates to. */
async function checkArchive(path: string, must: readonly string[], field: string): Promise<void> {
  const head = await readHead(path, 2);
  if (head[0] !== 0x1f || head[1] !== 0x8b) throw new AirlockError('BAD_INPUT', `${path}: ${field}: not a gzip file (expected Trivy's ${must[0]} archive)`);
  const seen = new Set<string>();
  const extract = tar.extract();
  const gunzip = createGunzip();
  let inflated = 0;
  gunzip.on('data', (c: Buffer) => {
    inflated += c.length;
    if (inflated > MAX_UNCOMPRESSED) gunzip.destroy(new AirlockError('BAD_INPUT', `${path}: ${field}: inflates beyond ${MAX_UNCOMPRESSED} bytes`));
  });
  const input = createReadStream(path);
  input.pipe(gunzip).pipe(extract as unknown as NodeJS.WritableStream);
  try {
    let n = 0;
    for await (const entry of extract) {
      if (++n > MAX_ENTRIES) throw new AirlockError('BAD_INPUT', `${path}: ${field}: more than ${MAX_ENTRIES} entries`);
      seen.add(entry.header.name.replace(/^\.\//, ''));
      entry.resume();
    }
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${path}: ${field}: not a readable tar.gz: ${(e as Error).message}`);
  } finally {
    input.destroy();
  }
  const missing = must.filter((m) => !seen.has(m));
  if (missing.length > 0) throw new AirlockError('BAD_INPUT', `${path}: ${field}: ${missing.join(' and ')} missing from the archive`);
}

export const trivySource: SourceImporter = {
  accepts: (src: SourceRef) => src.type === 'trivy-db' || src.type === 'trivy-java-db',
  async import(src: SourceRef, { out, pool }: ImportContext): Promise<ImportedItem[]> {
    const spec = SPECS[src.type as keyof typeof SPECS];
    await regularFile(src.path, src.field);
    await checkArchive(src.path, spec.must, src.field);
    const blob = await out.putFile(pool, src.path);
    const config = await out.putBytes(EMPTY_JSON);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: TRIVY_CONFIG_MEDIA_TYPE,
      config: { mediaType: TRIVY_CONFIG_MEDIA_TYPE, digest: config.digest, size: config.size },
      layers: [{ mediaType: spec.layer, digest: blob.digest, size: blob.size, annotations: { [TITLE_ANNOTATION]: spec.title } }],
    };
    const m = await out.putBytes(jsonBytes(manifest));
    const descriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: m.digest, size: m.size, artifactType: TRIVY_CONFIG_MEDIA_TYPE };
    return [{ type: src.type, name: spec.name, source: src.ref, descriptor }];
  },
};
