/** Public API of the evidence importers: the interface, the registry and the entry points. */
export { LIMITS, type Importer, type ImporterInput, type ImportContext } from './importer.ts';
export { IMPORTERS, AUTO_TYPE, getImporter, detectImporter, importerTypes } from './registry.ts';
export { importValue, importDocument, resolveImporter, MAX_DOCUMENT_BYTES, type Imported } from './ingest.ts';
export type { ScanPayload, ScanFinding } from './scan-payload.ts';
export { airlockScanImporter } from './airlock-scan.ts';
export { airlockPolicyImporter } from './airlock-policy.ts';
export { trivyImporter } from './trivy.ts';
export { grypeImporter } from './grype.ts';
export { kyvernoImporter } from './kyverno.ts';
export { falcoImporter } from './falco.ts';
export { wazuhImporter } from './wazuh.ts';
