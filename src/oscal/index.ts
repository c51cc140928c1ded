/** Public API of the OSCAL module: validation, catalog import, document export. */
export { OSCAL_VERSIONS, OSCAL_MODELS, DEFAULT_OSCAL_VERSION, SCHEMA_FILES, isOscalVersion, isOscalModel, modelInVersion, schemaVersionFor, type OscalVersion, type OscalModel } from './models.ts';
export { parseOscalDocument, identifyOscal, isObject, MAX_OSCAL_BYTES, type OscalDocument, type JsonObject } from './document.ts';
export { defaultSchemaDir, schemaPath, readSchema, SCHEMA_DIR_NAME } from './schema-files.ts';
export { validateOscal, compiledValidator, DEFAULT_MAX_ERRORS, type ValidationIssue, type ValidationResult } from './validate.ts';
export { indexCatalog, insertParams, statementText, type CatalogIndex } from './catalog-read.ts';
export { resolveProfile, importRef, type ImportLoader, type ImportRef, type ResolvedProfile, type ResolutionReport } from './profile-resolve.ts';
export { matchFramework, detectFramework, type OfficialControl, type FrameworkMatch } from './official.ts';
export { CatalogStore, STORE_ENV, importedCatalogSchema, type ImportedCatalog, type StoredSource } from './catalog-store.ts';
export { importCatalog, LIST_CAP, type ImportCatalogOptions, type ImportCatalogResult } from './import.ts';
export { loadComponentIndex, parseComponentIndex, checkComponentIndex, COMPONENTS_FILE, type ComponentIndex, type PlatformComponent } from './components.ts';
export { uuidV5, stableUuid, AIRLOCK_OSCAL_NAMESPACE } from './uuid.ts';
export { controlToken, familyToken, OSCAL_TOKEN } from './ids.ts';
export { EXPORTERS, CONTENT_EXPORTERS, exporterByName, exportHrefs } from './export/registry.ts';
export {
  exportFramework,
  buildDocuments,
  inputTimestamp,
  checkTimestamp,
  periodBound,
  loadEvidence,
  type ExportOptions,
  type ExportResult,
  type ExportedFile,
  type EvidenceSource,
} from './export/export.ts';
export { AIRLOCK_NS } from './export/common.ts';
export type { ExportContext, EvidenceExport, OscalExporter } from './export/types.ts';
export { parseSystemDescription, loadSystemDescription, systemDescriptionSchema, highWaterMark, SYSTEM_EXAMPLE_FILE, IMPACT_LEVELS, type SystemDescription, type ImpactLevel } from './system.ts';
export { parseDeadlines, loadDeadlines, deadlineDays, deadlineFrom, DEADLINES_FILE, type RemediationDeadlines } from './deadlines.ts';
