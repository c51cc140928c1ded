/**
 * The human table: findings grouped by the file the package was found in, worst first,
 * severity coloured when the output is a terminal. The DB's build time heads it.
 */
import type { Severity } from '../types.ts';
import { notMatchedNotes, SEVERITY_ORDER, sortFindings, type Format, type ReportInput } from './format.ts';

const COLOR: Record<Severity, number> = { CRITICAL: 91, HIGH: 31, MEDIUM: 33, LOW: 36, NONE: 37, UNKNOWN: 90 };
const MAX_CELL = 60;

function cell(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > MAX_CELL ? `${one.slice(0, MAX_CELL - 1)}…` : one;
}

export function renderTable(input: ReportInput): string {
  const paint = (s: Severity, text: string): string => (input.color ? `\u001b[${COLOR[s]}m${text}\u001b[0m` : text);
  const findings = sortFindings(input.findings ?? []);
  const lines: string[] = [];
  const os = input.catalog.os ? ` (${input.catalog.os.prettyName ?? `${input.catalog.os.id} ${input.catalog.os.versionId ?? ''}`.trim()})` : '';
  lines.push(`Target: ${input.catalog.target.kind}:${input.catalog.target.ref}${os}`);
  if (input.db) lines.push(`Vulnerability DB built: ${input.db.builtAt}`);
  const active = findings.filter((f) => !f.suppressed);
  const counts = SEVERITY_ORDER.map((s) => [s, active.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  lines.push(`Packages: ${input.catalog.packages.length}   Findings: ${active.length}${counts.length > 0 ? ` (${counts.map(([s, n]) => paint(s, `${s} ${n}`)).join(', ')})` : ''}   Suppressed: ${findings.length - active.length}`);
  const groups = new Map<string, typeof findings>();
  for (const f of active) {
    const g = f.package.locations[0] ?? input.catalog.target.ref;
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  const header = ['PACKAGE', 'VERSION', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'FIXED IN', 'TITLE'];
  for (const [group, list] of groups) {
    lines.push('', `${group} (${list.length})`);
    const rows = list.map((f) => [f.package.name, f.package.version, f.id, f.severity, f.status, f.fixedVersions.join(', ') || '-', f.summary ?? ''].map(cell));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[], sev?: Severity): string =>
      r
        .map((c, i) => {
          const padded = i === r.length - 1 ? c : c.padEnd(widths[i]!);
          return i === 3 && sev ? paint(sev, padded) : padded;
        })
        .join('  ')
        .trimEnd();
    lines.push(fmt(header));
    for (const [i, r] of rows.entries()) lines.push(fmt(r, list[i]!.severity));
  }
  if (active.length === 0) lines.push('', 'No vulnerabilities found.');
  for (const w of input.catalog.warnings) lines.push(`warning: ${w}`);
  if (input.notMatched) for (const n of notMatchedNotes(input.notMatched)) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

export const tableFormat: Format = {
  name: 'table',
  description: 'a table for people, grouped by file and coloured by severity on a terminal',
  produces: 'findings',
  mediaType: 'text/plain',
  render: renderTable,
};
