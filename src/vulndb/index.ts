/** The vulnerability DB's public API. */
export { buildVulnDb, type BuildOptions, type BuildReport, type BadRecord, type SourceSummary } from './build.ts';
export { VulnDb, type VulnDbInfo } from './db.ts';
export { SCHEMA_VERSION } from './schema.ts';
export type { Advisory, AffectedPackage, AffectedRange, RangeEvent, SeverityEntry } from './types.ts';
