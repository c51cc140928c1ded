/**
 * SARIF 2.1.0: one rule per vulnerability id, one result per affected package, located
 * at the file the package was found in. `security-severity` carries the CVSS score so
 * code-scanning dashboards rank results; suppressed findings carry a SARIF suppression.
 */
import type { Finding, Severity } from '../types.ts';
import { idSource, notMatchedNotes, sortFindings, type Format, type ReportInput } from './format.ts';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note', NONE: 'note', UNKNOWN: 'note' };
const DEFAULT_SCORE: Record<Severity, string> = { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0', NONE: '0.0', UNKNOWN: '0.0' };

function score(f: Finding): string {
  const best = Math.max(...(f.cvss ?? []).map((c) => c.score));
  return Number.isFinite(best) ? best.toFixed(1) : DEFAULT_SCORE[f.severity];
}

export function renderSarif(input: ReportInput): Record<string, unknown> {
  const findings = sortFindings(input.findings ?? []);
  const rules: Record<string, unknown>[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of findings) {
    if (ruleIndex.has(f.id)) continue;
    ruleIndex.set(f.id, rules.length);
    const src = idSource(f.id);
    rules.push({
      id: f.id,
      name: f.id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: f.summary ?? f.id },
      ...(src.url ? { helpUri: src.url } : {}),
      help: { text: `${f.id}${f.aliases.length > 0 ? ` (${f.aliases.join(', ')})` : ''}: ${f.summary ?? 'see the advisory'}` },
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { 'security-severity': score(f), tags: ['security', 'vulnerability', f.severity] },
    });
  }
  const results = findings.map((f) => ({
    ruleId: f.id,
    ruleIndex: ruleIndex.get(f.id),
    level: LEVEL[f.severity],
    message: {
      text: `${f.package.name} ${f.package.version} is affected by ${f.id} (${f.severity})${f.fixedVersions.length > 0 ? `; fixed in ${f.fixedVersions.join(', ')}` : f.status === 'wont-fix' ? '; the vendor will not fix it' : '; no fix yet'}`,
    },
    locations: (f.package.locations.length > 0 ? f.package.locations : [input.catalog.target.ref]).map((uri) => ({
      physicalLocation: { artifactLocation: { uri: uri.replace(/!\//g, '/') }, region: { startLine: 1 } },
    })),
    partialFingerprints: { packagePurl: f.package.purl },
    ...(f.suppressed ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${f.suppressed.justification} (${f.suppressed.by})` }] } : {}),
  }));
  const notes = input.notMatched ? notMatchedNotes(input.notMatched) : [];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'airlock', version: input.toolVersion, semanticVersion: input.toolVersion, informationUri: 'https://airlock.invalid/', rules } },
        results,
        // Packages the scan could not match: a tool notification, not a result (no rule broke).
        ...(notes.length > 0 ? { invocations: [{ executionSuccessful: true, toolExecutionNotifications: notes.map((text) => ({ level: 'note', message: { text } })) }] } : {}),
        properties: { target: input.catalog.target.ref, ...(input.db ? { dbBuiltAt: input.db.builtAt } : {}) },
      },
    ],
  };
}

export const sarifFormat: Format = {
  name: 'sarif',
  description: 'SARIF 2.1.0 (code-scanning dashboards)',
  produces: 'findings',
  mediaType: 'application/sarif+json',
  render: (input) => JSON.stringify(renderSarif(input), null, 2) + '\n',
};
