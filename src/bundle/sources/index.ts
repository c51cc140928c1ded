/** The registry of source importers; create asks each in turn which one takes an entry. */
import { AirlockError } from '../../common/errors.ts';
import type { SourceRef } from '../spec.ts';
import { dockerArchiveSource } from './docker-archive-source.ts';
import { fileSource } from './file-source.ts';
import { ociSource } from './oci-source.ts';
import { policySource } from './policy-source.ts';
import { registrySource } from './registry-source.ts';
import { trivySource } from './trivy-source.ts';
import type { SourceImporter } from './types.ts';
import { vulndbSource } from './vulndb-source.ts';

export const SOURCE_IMPORTERS: SourceImporter[] = [ociSource, dockerArchiveSource, registrySource, fileSource, vulndbSource, trivySource, policySource];

export function importerFor(src: SourceRef, importers: readonly SourceImporter[] = SOURCE_IMPORTERS): SourceImporter {
  const found = importers.find((i) => i.accepts(src));
  if (!found) throw new AirlockError('BAD_INPUT', `${src.field}: no importer for "${src.ref}"`);
  return found;
}

export type { ImportedItem, ImportContext, RegistryImportOptions, SourceImporter } from './types.ts';
