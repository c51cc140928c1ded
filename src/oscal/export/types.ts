/**
 * One interface for every OSCAL document Airlock exports. An exporter is a pure builder
 * from an ExportContext to one document; the registry (registry.ts) lists them and
 * export.ts validates and writes what they build. New documents (SSP, assessment results,
 * POA&M built from the evidence store) are new exporters reading the same context.
 */
import type { Assessment } from '../../evidence/assessment/types.ts';
import type { EvidenceSignals } from '../../evidence/signals.ts';
import type { EvidenceHeader } from '../../evidence/types.ts';
import type { ScanTarget } from '../evidence/payloads.ts';
import type { Content, ControlIndex } from '../../frameworks/index.ts';
import type { ImportedCatalog } from '../catalog-store.ts';
import type { ComponentIndex } from '../components.ts';
import type { JsonObject } from '../document.ts';
import type { RemediationDeadlines } from '../deadlines.ts';
import type { OscalModel, OscalVersion } from '../models.ts';
import type { SystemDescription } from '../system.ts';

/**
 * A record as the documents show it: its clear header and title, and what its payload
 * says in words (made when the record is read, so that the payload need not be kept).
 */
export interface ObservedRecord extends EvidenceHeader {
  title: string;
  description: string;
  remarks?: string;
  /** Scans: what was scanned (the SSP's inventory). */
  target?: ScanTarget;
}

/** What the documents built from evidence read: the period's records, their assessment, the system. */
export interface EvidenceExport {
  /** The period's records that name a control of the framework, in chain order. */
  records: readonly ObservedRecord[];
  /** The same records by id. */
  byId: ReadonlyMap<string, ObservedRecord>;
  /** The per-control verdicts, open vulnerabilities, policy results and alerts of those records. */
  assessment: Assessment;
  /** Inclusive bounds on observed-at, as asked for (absent: unbounded). */
  period: { from?: string; to?: string };
  /** The evidence documents' metadata.last-modified: the latest collected-at of the records. */
  lastModified: string;
  storeId: string;
  system: SystemDescription;
  deadlines: RemediationDeadlines;
}

export interface ExportContext {
  content: Content;
  framework: ControlIndex;
  components: ComponentIndex;
  /** The evidence signals (content/evidence-signals.yaml): the controls each supports. */
  signals?: EvidenceSignals;
  /** The framework's official control text, when a catalog was imported. */
  official?: ImportedCatalog;
  oscalVersion: OscalVersion;
  /** metadata.last-modified of every document (ISO 8601 with zone): from the inputs, never "now". */
  lastModified: string;
  producer: { name: string; version: string };
  /** Relative href of each exporter's document (by exporter name), for references between them. */
  hrefs: Readonly<Record<string, string>>;
  /** Evidence for the documents built from it (SSP, assessment results, POA&M); unused by the others. */
  evidence?: EvidenceExport;
}

export interface OscalExporter {
  /** Short name: the CLI selects documents by it, and hrefs are keyed by it. */
  name: string;
  model: OscalModel;
  fileName: string;
  /** Built from evidence: exported only when an evidence store is given. */
  fromEvidence?: boolean;
  /**
   * The whole document, `{ "<model>": { ... } }`. Pure: the same context gives the same
   * bytes. Undefined when the data gives nothing the model can hold (a POA&M needs at
   * least one item): the document is then not written, and an older copy is removed.
   */
  build(ctx: ExportContext): JsonObject | undefined;
  /** Why `build` may give nothing, for the export's report. */
  emptyReason?: string;
}
