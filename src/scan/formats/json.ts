/**
 * The JSON findings report: airlock's own stable schema (`airlock.scan/v1`, documented
 * in docs/scan.md). The evidence store imports it, so fields are only ever added.
 */
import type { Severity } from '../types.ts';
import { SEVERITY_ORDER, sortFindings, type Format, type ReportInput } from './format.ts';

export const JSON_SCHEMA_ID = 'airlock.scan/v1';

export function renderJsonReport(input: ReportInput): Record<string, unknown> {
  const findings = sortFindings(input.findings ?? []);
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (!f.suppressed) bySeverity[f.severity]++;
  const ageSeconds = input.db ? Math.max(0, Math.round((input.generatedAt.getTime() - Date.parse(input.db.builtAt)) / 1000)) : undefined;
  return {
    schema: JSON_SCHEMA_ID,
    generatedAt: input.generatedAt.toISOString(),
    tool: { name: 'airlock', version: input.toolVersion },
    target: input.catalog.target,
    os: input.catalog.os ?? null,
    db: input.db ? { ...input.db, ageSeconds } : null,
    summary: {
      packages: input.catalog.packages.length,
      findings: findings.filter((f) => !f.suppressed).length,
      suppressed: findings.filter((f) => f.suppressed).length,
      bySeverity,
    },
    packages: input.catalog.packages,
    findings,
    ...(input.notMatched ? { notMatched: input.notMatched } : {}),
    warnings: input.catalog.warnings,
  };
}

export const jsonFormat: Format = {
  name: 'json',
  description: `airlock JSON report (${JSON_SCHEMA_ID}, see docs/scan.md)`,
  produces: 'both',
  mediaType: 'application/json',
  render: (input) => JSON.stringify(renderJsonReport(input), null, 2) + '\n',
};
