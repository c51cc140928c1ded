/**
 * The OSCAL models and versions Airlock reads and writes, and which of NIST's JSON
 * schema files validates each. A document's model is its root key; the schema version is
 * chosen from the document's `metadata.oscal-version` (1.0.x and 1.1.x validate against
 * 1.1.3, which accepts them; 1.2.x against 1.2.1) unless the caller names one.
 */

export const OSCAL_VERSIONS = ['1.1.3', '1.2.1'] as const;
export type OscalVersion = (typeof OSCAL_VERSIONS)[number];
export const DEFAULT_OSCAL_VERSION: OscalVersion = '1.1.3';

export const OSCAL_MODELS = [
  'catalog',
  'profile',
  'component-definition',
  'system-security-plan',
  'assessment-plan',
  'assessment-results',
  'plan-of-action-and-milestones',
  'mapping-collection',
] as const;
export type OscalModel = (typeof OSCAL_MODELS)[number];

/** NIST's file name of each model's schema (the same in every release). */
export const SCHEMA_FILES: Readonly<Record<OscalModel, string>> = {
  catalog: 'oscal_catalog_schema.json',
  profile: 'oscal_profile_schema.json',
  'component-definition': 'oscal_component_schema.json',
  'system-security-plan': 'oscal_ssp_schema.json',
  'assessment-plan': 'oscal_assessment-plan_schema.json',
  'assessment-results': 'oscal_assessment-results_schema.json',
  'plan-of-action-and-milestones': 'oscal_poam_schema.json',
  'mapping-collection': 'oscal_mapping_schema.json',
};

/** The mapping model arrived with OSCAL 1.2.0; 1.1.3 has no schema for it. */
export function modelInVersion(model: OscalModel, version: OscalVersion): boolean {
  return model !== 'mapping-collection' || version !== '1.1.3';
}

export function isOscalVersion(v: string): v is OscalVersion {
  return (OSCAL_VERSIONS as readonly string[]).includes(v);
}

export function isOscalModel(v: string): v is OscalModel {
  return (OSCAL_MODELS as readonly string[]).includes(v);
}

/**
 * The schema version for a declared `oscal-version` ("1.0.4", "1.1.2", "v1.1.3",
 * "1.2.1"); undefined for anything else (2.x, free text), which the caller must then name.
 */
export function schemaVersionFor(declared: string): OscalVersion | undefined {
  const m = /^v?1\.(\d+)\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.exec(declared.trim());
  if (!m) return undefined;
  const minor = Number(m[1]);
  if (minor <= 1) return '1.1.3';
  if (minor === 2) return '1.2.1';
  return undefined;
}
