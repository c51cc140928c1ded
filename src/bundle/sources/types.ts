/** The interface every bundle source importer implements, one file per kind of source. */
import type { BlobPool } from '../../oci/blob-pool.ts';
import type { OciLayout } from '../../oci/layout.ts';
import type { Descriptor } from '../../oci/manifest.ts';
import type { ItemType, SourceRef } from '../spec.ts';

export interface ImportedItem {
  type: ItemType;
  /** Reference name in the bundle's index (org.opencontainers.image.ref.name). */
  name: string;
  /** The source as written in airlock.yaml. */
  source: string;
  /** The root manifest or index, stored in the output layout with everything below it. */
  descriptor: Descriptor;
  platforms?: string[];
}

export interface ImportContext {
  out: OciLayout;
  pool: BlobPool;
}

export interface SourceImporter {
  /** Which spec entries this importer takes. */
  accepts(src: SourceRef): boolean;
  import(src: SourceRef, ctx: ImportContext): Promise<ImportedItem[]>;
}
