import type { Command } from 'commander';
import { promises as fsp } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { AirlockError, errnoCode } from '../common/errors.ts';
import { writeFileAtomic } from '../common/fsx.ts';
import { normalisePeriod } from '../evidence/assessment/index.ts';
import { EVIDENCE_SEVERITIES, type EvidenceSeverity } from '../evidence/types.ts';
import { defaultContentDir, getFramework, loadContent } from '../frameworks/index.ts';
import { assessForReport, finishReport, fontsIn, renderReport, REPORT_FORMATS, REPORT_KINDS, type ReportFormat, type ReportKind } from '../report/index.ts';
import { addStoreOptions, withStore, type StoreCliOptions } from './evidence-options.ts';
import { printJson, printLines } from './output.ts';

interface ReportCliOptions extends StoreCliOptions {
  framework?: string;
  out?: string;
  format?: string;
  from?: string;
  to?: string;
  title?: string;
  organization?: string;
  generatedAt?: string;
  alertThreshold?: string;
  content?: string;
  json?: boolean;
}

const DESCRIPTIONS: Record<ReportKind, string> = {
  summary: 'compliance summary: control verdicts, worst findings, policy results, alert rules',
  vulnerabilities: 'every open vulnerability finding (latest scan per subject), the subjects and their scans',
  policy: 'policy results: every policy, every failing check, the controls they support',
  runtime: 'runtime (Falco) and host (Wazuh) alerts: rules, daily trend, high and critical alerts',
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function time(v: string | undefined, flag: string, endOfDay = false): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw new AirlockError('USAGE', `${flag}: ${JSON.stringify(v)} is not a date (YYYY-MM-DD) or an ISO 8601 time`);
  // A date alone as the end of the period means the whole of that day.
  return new Date(endOfDay && DATE_ONLY.test(v) ? t + 86_400_000 - 1 : t).toISOString();
}

function formatOf(o: ReportCliOptions, out: string): ReportFormat {
  if (o.format !== undefined) {
    if (!(REPORT_FORMATS as readonly string[]).includes(o.format)) throw new AirlockError('USAGE', `--format: ${JSON.stringify(o.format)} is not one of ${REPORT_FORMATS.join(', ')}`);
    return o.format as ReportFormat;
  }
  return /^\.html?$/i.test(extname(out)) ? 'html' : 'pdf';
}

function bounded(v: string | undefined, flag: string): string | undefined {
  if (v !== undefined && v.length > 200) throw new AirlockError('USAGE', `${flag}: at most 200 characters`);
  return v;
}

/** The output path: its folder must exist, and it must not be a folder itself. */
async function checkOut(out: string): Promise<void> {
  try {
    if ((await fsp.stat(out)).isDirectory()) throw new AirlockError('USAGE', `--out: ${out} is a folder; name the report file`);
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    if (errnoCode(e) !== 'ENOENT') throw new AirlockError('USAGE', `--out: ${out}: ${(e as Error).message}`);
  }
  try {
    if (!(await fsp.stat(dirname(out))).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new AirlockError('USAGE', `--out: the folder ${dirname(out)} does not exist`);
  }
}

async function run(kind: ReportKind, o: ReportCliOptions): Promise<void> {
  // Every option is checked before the store is opened (and before its passphrase is used).
  if (!o.framework) throw new AirlockError('USAGE', '--framework: say which framework the report is for (see airlock frameworks list)');
  if (!o.out) throw new AirlockError('USAGE', '--out: say where to write the report');
  const out = resolve(o.out);
  const format = formatOf(o, out);
  const period = normalisePeriod({ from: time(o.from, '--from'), to: time(o.to, '--to', true) });
  const generatedAt = time(o.generatedAt, '--generated-at') ?? new Date().toISOString();
  let alertThreshold: EvidenceSeverity | 'none' | undefined;
  if (o.alertThreshold !== undefined) {
    if (o.alertThreshold !== 'none' && !(EVIDENCE_SEVERITIES as readonly string[]).includes(o.alertThreshold)) {
      throw new AirlockError('USAGE', `--alert-threshold: ${JSON.stringify(o.alertThreshold)} is not one of ${[...EVIDENCE_SEVERITIES, 'none'].join(', ')}`);
    }
    alertThreshold = o.alertThreshold as EvidenceSeverity | 'none';
  }
  const title = bounded(o.title, '--title');
  const organization = bounded(o.organization, '--organization');
  await checkOut(out);
  const contentDir = o.content ? resolve(o.content) : defaultContentDir();
  const framework = getFramework(await loadContent(contentDir), o.framework);
  const fonts = format === 'pdf' ? fontsIn(contentDir) : undefined;

  const assessed = await withStore(o, 'required', (store) =>
    assessForReport(store, {
      kind,
      framework,
      period,
      generatedAt,
      ...(title !== undefined ? { title } : {}),
      ...(organization !== undefined ? { organization } : {}),
      ...(alertThreshold ? { alertThreshold } : {}),
    }),
  );
  // Rendered once the store is closed: the embedded database's memory is released first.
  const report = finishReport(assessed, await renderReport(assessed.document, format, fonts));
  await writeFileAtomic(out, report.bytes);
  const a = report.assessment;
  if (o.json) {
    printJson({
      path: out,
      kind,
      format,
      bytes: report.bytes.length,
      sha256: report.sha256,
      pages: report.pages,
      framework: a.framework,
      period: a.period,
      generatedAt,
      headSeq: report.headSeq,
      records: a.records,
      controls: a.totals,
      openFindings: a.vulnerabilities.bySeverity,
      failingPolicyChecks: a.policy.failing.length,
      alerts: { total: a.alerts.total, atOrAboveThreshold: a.alerts.unresolvedTotal },
      vulnerabilityDb: a.freshness.vulnerabilityDb,
    });
    return;
  }
  const t = a.totals;
  const lines = [
    `wrote ${out} (${format}${report.pages !== null ? `, ${report.pages} pages` : ''}, ${report.bytes.length} bytes, sha256 ${report.sha256})`,
    `  ${a.framework.name}: ${t.satisfied} controls satisfied, ${t['not-satisfied']} not satisfied, ${t['not-assessed']} not assessed; ${a.records.inPeriod} records up to #${report.headSeq}`,
  ];
  const db = a.freshness.vulnerabilityDb;
  if ((kind === 'summary' || kind === 'vulnerabilities') && db.stale) {
    lines.push(`  warning: the vulnerability database is ${db.ageSeconds === null ? 'of unknown age' : `${Math.floor(db.ageSeconds / 86_400)} days old`} (the report says so on its cover)`);
  }
  printLines(lines);
}

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('PDF and HTML reports for auditors, drawn from the evidence store');
  for (const kind of REPORT_KINDS) {
    addStoreOptions(report.command(kind).description(DESCRIPTIONS[kind]))
      .option('--framework <id>', 'framework whose controls the report assesses (see airlock frameworks list)')
      .option('--out <file>', 'report file to write (written whole or not at all)')
      .option('--format <format>', `${REPORT_FORMATS.join(' or ')} (default: from the file name, else pdf)`)
      .option('--from <date>', 'period start (YYYY-MM-DD or ISO 8601 time; default: the first record)')
      .option('--to <date>', 'period end, inclusive (a date alone includes that whole day; default: the last record)')
      .option('--title <text>', 'title on the cover')
      .option('--organization <text>', 'organization named on the cover')
      .option('--generated-at <time>', 'generation time printed and embedded (default now); the same data and time give identical bytes')
      .option('--alert-threshold <severity>', 'alerts at or above this severity count against their controls (default high; none to count none)')
      .option('--content <dir>', 'content folder (default: $AIRLOCK_CONTENT_DIR or the bundled content/)')
      .option('--json', 'machine-readable summary of what was written')
      .action((o: ReportCliOptions) => run(kind, o));
  }
}
