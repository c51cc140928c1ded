/** The interface every bundle source importer implements, one file per kind of source. */
import type { BlobPool } from '../../oci/blob-pool.ts';
import type { ClientPool, RegistryOptions } from '../../oci/registry/index.ts';
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

/** How registry sources are reached: credentials, CA, plain HTTP, platforms, concurrency. */
export interface RegistryImportOptions extends RegistryOptions {
  /** Platforms kept from multi-platform images unless an entry names its own. */
  platforms?: string[];
  /** Clients shared by every pull of one create (connections and tokens reused). */
  pool?: ClientPool;
}

export interface ImportContext {
  out: OciLayout;
  pool: BlobPool;
  registry?: RegistryImportOptions;
}

export interface SourceImporter {
  /** Which spec entries this importer takes. */
  accepts(src: SourceRef): boolean;
  import(src: SourceRef, ctx: ImportContext): Promise<ImportedItem[]>;
}
