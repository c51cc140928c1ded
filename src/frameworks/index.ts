/** Public API of the frameworks module: compliance content, catalogue queries and packing. */
export { loadContent, defaultContentDir, CONTENT_DIR_ENV, type Content, type PolicyEntry, type MappingEntry } from './content.ts';
export {
  listFrameworks,
  showFramework,
  getFramework,
  frameworkPolicyDirs,
  controlsForPolicy,
  type FrameworkSummary,
  type FrameworkDetail,
  type ControlDetail,
  type PolicyInFramework,
} from './catalog.ts';
export { packFramework, verifyPackedFramework, PACK_MANIFEST, type PackManifest } from './pack.ts';
export { parseControlIndex, parseControlMapping, parsePolicyHead, parseControlsAnnotation, type PolicyHead } from './parse.ts';
export { parseKyvernoTestOutline, type KyvernoTestOutline } from './kyverno-test-file.ts';
export { FRAMEWORK_ID } from './schema.ts';
export type { Control, ControlIndex, Severity } from './schema.ts';
