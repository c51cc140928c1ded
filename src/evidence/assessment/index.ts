/**
 * Public API of the assessment: evidence records of a period → what they say about a
 * framework's controls, vulnerabilities, policy results, alerts and data freshness.
 * Used by the PDF/HTML reports and OSCAL assessment results. Pure, no I/O.
 */
export { assess, Assessor, normalisePeriod } from './assess.ts';
export { alertFails } from './alerts.ts';
export { policyVerdict, UNREADABLE_POLICY, type Verdict } from './policies.ts';
export { DEFAULT_STALE_DB_SECONDS } from './freshness.ts';
export { severityRank, SEVERITIES_WORST_FIRST } from './values.ts';
export * from './types.ts';
