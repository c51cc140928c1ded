/**
 * One interface for every OSCAL document Airlock exports. An exporter is a pure builder
 * from an ExportContext to one document; the registry (registry.ts) lists them and
 * export.ts validates and writes what they build. New documents (SSP, assessment results,
 * POA&M built from the evidence store) are new exporters reading the same context.
 */
import type { EvidenceRecord } from '../../evidence/types.ts';
import type { Content, ControlIndex } from '../../frameworks/index.ts';
import type { ImportedCatalog } from '../catalog-store.ts';
import type { ComponentIndex } from '../components.ts';
import type { JsonObject } from '../document.ts';
import type { OscalModel, OscalVersion } from '../models.ts';

export interface ExportContext {
  content: Content;
  framework: ControlIndex;
  components: ComponentIndex;
  /** The framework's official control text, when a catalog was imported. */
  official?: ImportedCatalog;
  oscalVersion: OscalVersion;
  /** metadata.last-modified of every document (ISO 8601 with zone): from the inputs, never "now". */
  lastModified: string;
  producer: { name: string; version: string };
  /** Relative href of each exporter's document (by exporter name), for references between them. */
  hrefs: Readonly<Record<string, string>>;
  /** Evidence for the documents built from it (SSP, assessment results, POA&M); unused by the others. */
  evidence?: readonly EvidenceRecord[];
}

export interface OscalExporter {
  /** Short name: the CLI selects documents by it, and hrefs are keyed by it. */
  name: string;
  model: OscalModel;
  fileName: string;
  /** The whole document, `{ "<model>": { ... } }`. Pure: the same context gives the same bytes. */
  build(ctx: ExportContext): JsonObject;
}
