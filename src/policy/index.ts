/** The policy module's public API. */
export { loadPolicies, loadAdmissionPolicies, loadExceptions, loadResources, parsePolicy, parsePolicyDocuments, parseResourceDocuments, parseManifestBytes, LIMITS } from './load.ts';
export { evaluate, evaluateResource, evaluateRule, normalizeResource, type EvaluateOptions } from './engine.ts';
export { runKyvernoTests, runKyvernoTestFile, type TestFileResult, type TestRow } from './kyverno-test.ts';
export { policyReports, resultsTable, testTable, summary } from './report.ts';
export { computeRules, autogenControllers, AUTOGEN_ANNOTATION } from './autogen.ts';
export { evaluateAdmission, evaluateAdmissionPolicy, type AdmissionPolicy } from './admission.ts';
export { type PolicyException } from './exceptions.ts';
export type { Policy, Resource, RuleResult, RuleStatus } from './types.ts';

/**
 * Maps a compliance framework id to the policy folders that implement it. The framework
 * content registers its resolver here; `airlock policy audit --framework` uses it.
 */
export type FrameworkResolver = (frameworkId: string) => Promise<string[]>;
let frameworkResolver: FrameworkResolver | undefined;
export function setFrameworkResolver(resolver: FrameworkResolver): void {
  frameworkResolver = resolver;
}
export function getFrameworkResolver(): FrameworkResolver | undefined {
  return frameworkResolver;
}
