/**
 * What each report says: an Assessment and the store's identity → a ReportDocument.
 *
 * Every report has the cover (what, for whom, which framework and period, when, how
 * fresh the data is, which store and chain head it was drawn from), an executive
 * summary with charts, its detailed tables, and an appendix that traces every
 * statement made in the report (a control's verdict, a finding, a failing check, an
 * alert rule) to the evidence records behind it, by sequence number, UUID and record
 * hash, so an auditor can look each one up (`airlock evidence show SEQ`) and check it
 * against the verified chain (`airlock evidence verify`).
 */
import type { Assessment, ControlAssessment, ControlReason, EvidenceRef, EvidenceSummary } from '../evidence/assessment/index.ts';
import { SEVERITIES_WORST_FIRST } from '../evidence/assessment/index.ts';
import type { Block, Cell, ReportDocument, Section, Tone } from './document.ts';
import { SEVERITY_COLORS, STATUS_COLORS } from './document.ts';
import { clean, count, date, dateTime, duration, percent, plural } from './text.ts';

export const REPORT_KINDS = ['summary', 'vulnerabilities', 'policy', 'runtime'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface StoreIdentity {
  id: string;
  headSeq: number;
  headHash: string;
  lastCheckpoint: { seq: number; createdAt: string; keyId: string } | null;
}

export interface ReportMeta {
  kind: ReportKind;
  /** Defaults to the kind's title. */
  title?: string;
  organization?: string;
  generatedAt: string;
  store: StoreIdentity;
}

const KIND_TITLES: Record<ReportKind, string> = {
  summary: 'Compliance summary',
  vulnerabilities: 'Vulnerability report',
  policy: 'Policy compliance report',
  runtime: 'Runtime and host alert report',
};

/** Rows shown in detail tables before "N more" (the appendix still traces all shown rows). */
const LIMITS = { summaryFindings: 25, summaryRules: 25, summaryChecks: 25, findings: 5000, checks: 5000, rules: 2000, alerts: 500, subjects: 5000 };

const STATUS_TEXT = { satisfied: 'Satisfied', 'not-satisfied': 'Not satisfied', 'not-assessed': 'Not assessed' } as const;
const STATUS_TONE: Record<ControlAssessment['status'], Tone> = { satisfied: 'good', 'not-satisfied': 'bad', 'not-assessed': 'muted' };
const SEV_TONE: Record<string, Tone> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'normal', unknown: 'muted', info: 'muted' };

const REASON_TEXT: Record<ControlReason['code'], (n: number) => string> = {
  'failing-policy-checks': (n) => `${plural(n, 'failing policy check')}`,
  'open-vulnerabilities': (n) => `${plural(n, 'subject')} with open high/critical findings`,
  'unresolved-alerts': (n) => `${plural(n, 'high/critical alert')}`,
  'passing-evidence': (n) => `${plural(n, 'passing statement')}`,
  'inconclusive-only': (n) => `only inconclusive results (${count(n)})`,
  'no-evidence': () => 'no evidence in the period',
};

/** A subject with its digest shortened, for tables where the full subject is listed elsewhere. */
const short = (subject: string, max = 120): string => clean(subject.replace(/@sha256:([0-9a-f]{12})[0-9a-f]{52}/g, '@sha256:$1…'), max);

const sevCell = (s: string): Cell => ({ text: s, tone: SEV_TONE[s] ?? 'normal', swatch: SEVERITY_COLORS[s] });
const seqs = (refs: readonly EvidenceRef[], total = refs.length, max = 6): string => {
  if (refs.length === 0) return '—';
  const shown = refs.slice(0, max).map((r) => `#${r.seq}`).join(' ');
  return total > Math.min(max, refs.length) ? `${shown} +${count(total - Math.min(max, refs.length))}` : shown;
};

/**
 * Collects the statements the report makes and the records behind them. Every record
 * goes to Appendix B (UUID and hash); a statement goes to Appendix A only when its row
 * in the report could not show all of its evidence (`inline` refs are shown there).
 */
class Trace {
  readonly rows: Cell[][] = [];
  readonly seqs = new Set<number>();

  add(statement: string, refs: readonly EvidenceRef[], total = refs.length, inline = Infinity): void {
    if (refs.length === 0) return;
    for (const r of refs) this.seqs.add(r.seq);
    if (total > inline) this.rows.push([clean(statement, 200), { text: seqs(refs, total, 40), mono: true }]);
  }
}

function periodText(a: Assessment): string {
  const { from, to } = a.period;
  if (!from && !to) {
    const span = a.freshness.firstObservedAt ? ` (observed ${date(a.freshness.firstObservedAt)} to ${date(a.freshness.lastObservedAt)})` : '';
    return `All evidence in the store${span}`;
  }
  return `${from ? dateTime(from) : 'the first record'} to ${to ? dateTime(to) : 'the last record'}`;
}

function dbWarning(a: Assessment): string | undefined {
  const db = a.freshness.vulnerabilityDb;
  const days = Math.floor(db.staleAfterSeconds / 86_400);
  if (db.latestBuiltAt === null) {
    return a.vulnerabilities.scans === 0
      ? `NO VULNERABILITY SCANS in the period: this report cannot show whether known vulnerabilities are present.`
      : `VULNERABILITY DATABASE AGE UNKNOWN: no scan in the period dates the database it used. Findings may miss vulnerabilities published recently.`;
  }
  if (db.stale) {
    return `STALE VULNERABILITY DATABASE: the newest database any scan used was built ${dateTime(db.latestBuiltAt)}, ${duration(db.ageSeconds)} before this report (limit: ${days} days). Vulnerabilities published since are not in these findings. Apply a current database bundle and rescan.`;
  }
  if (db.staleSubjects > 0) {
    return `${plural(db.staleSubjects, 'subject')} were last scanned with a vulnerability database older than ${days} days (oldest built ${dateTime(db.oldestInUseBuiltAt)}). Rescan them with the current database.`;
  }
  return undefined;
}

function cover(a: Assessment, m: ReportMeta): ReportDocument['cover'] {
  const db = a.freshness.vulnerabilityDb;
  const r = a.records;
  const scope = `${plural(r.inPeriod, 'evidence record')} in the period supporting ${clean(a.framework.name, 120)} (${count(r.byKind['vulnerability-scan'])} scans, ${count(r.byKind['policy-result'])} policy results, ${count(r.byKind['runtime-alert'])} runtime and ${count(r.byKind['host-alert'])} host alerts); ${plural(a.controls.length, 'control')} assessed`;
  const cp = m.store.lastCheckpoint;
  const fields = [
    { label: 'Organization', value: clean(m.organization ?? '—', 200) },
    { label: 'Framework', value: `${clean(a.framework.name, 160)} ${clean(a.framework.version, 40)} (${clean(a.framework.id, 64)})` },
    { label: 'Scope', value: clean(scope, 600) },
    { label: 'Period', value: periodText(a) },
    { label: 'Generated', value: dateTime(m.generatedAt) },
    { label: 'Evidence store', value: clean(m.store.id, 64), mono: true },
    { label: 'Chain head', value: `record #${m.store.headSeq}  ${clean(m.store.headHash, 80)}`, mono: true },
    { label: 'Last signed checkpoint', value: cp ? `record #${cp.seq}, ${dateTime(cp.createdAt)}, key ${clean(cp.keyId, 80)}` : 'none yet' },
  ];
  const blocks: Block[] = [];
  const warning = dbWarning(a);
  const showsVulns = m.kind === 'summary' || m.kind === 'vulnerabilities' || a.vulnerabilities.scans > 0;
  if (warning && showsVulns) blocks.push({ type: 'warning', text: warning });
  blocks.push({ type: 'heading', text: 'Data freshness' });
  blocks.push({
    type: 'fields',
    rows: [
      { label: 'Vulnerability DB (newest used)', value: db.latestBuiltAt ? `built ${dateTime(db.latestBuiltAt)}, ${duration(db.ageSeconds)} old` : 'unknown' },
      { label: 'Vulnerability DB (oldest in use)', value: db.oldestInUseBuiltAt ? `built ${dateTime(db.oldestInUseBuiltAt)}, ${duration(db.oldestInUseAgeSeconds)} old` : 'unknown' },
      { label: 'Ages measured to', value: dateTime(a.asOf) },
    ],
  });
  blocks.push({
    type: 'table',
    columns: [
      { header: 'Source', width: 2 },
      { header: 'Kinds', width: 3 },
      { header: 'Records', width: 1.2, align: 'right' },
      { header: 'Latest observed', width: 2.4 },
      { header: 'Latest collected', width: 2.4 },
    ],
    rows: a.freshness.sources.map((s) => [clean(s.source, 64), s.kinds.join(', '), count(s.records), dateTime(s.lastObservedAt), dateTime(s.lastCollectedAt)]),
    empty: 'No evidence in the period.',
  });
  return { title: clean(m.title ?? KIND_TITLES[m.kind], 200), subtitle: `${KIND_TITLES[m.kind]} · ${clean(a.framework.name, 160)}`, organization: clean(m.organization ?? '', 200), fields, blocks };
}

// ---- charts ---------------------------------------------------------------

function severityChart(title: string, counts: Record<string, number>): Block {
  return { type: 'bar-chart', title, bars: SEVERITIES_WORST_FIRST.map((s) => ({ label: s, value: counts[s] ?? 0, color: SEVERITY_COLORS[s]! })) };
}

function familyChart(a: Assessment): Block {
  return {
    type: 'stacked-bars',
    title: `Controls per family (${clean(a.framework.id, 64)})`,
    series: [
      { name: 'satisfied', color: STATUS_COLORS.satisfied },
      { name: 'not satisfied', color: STATUS_COLORS['not-satisfied'] },
      { name: 'not assessed', color: STATUS_COLORS['not-assessed'] },
    ],
    rows: a.families.map((f) => ({ label: clean(f.family, 60), values: [f.satisfied, f.notSatisfied, f.notAssessed] })),
  };
}

function alertTrend(a: Assessment): Block {
  const days = a.alerts.perDay;
  return {
    type: 'line-chart',
    title: 'Alerts per day (UTC)',
    labels: days.map((d) => d.day),
    series: [
      { name: 'all alerts', color: '#2563eb', values: days.map((d) => d.total) },
      { name: 'high and critical', color: SEVERITY_COLORS.high!, values: days.map((d) => d.bySeverity.high + d.bySeverity.critical) },
    ],
  };
}

// ---- sections -------------------------------------------------------------

function figures(a: Assessment, kind: ReportKind): Block {
  const t = a.totals;
  const v = a.vulnerabilities;
  const items: { label: string; value: string; tone?: Tone }[] = [
    { label: 'controls satisfied', value: `${count(t.satisfied)} / ${count(a.controls.length)}`, tone: 'good' },
    { label: 'not satisfied', value: count(t['not-satisfied']), tone: t['not-satisfied'] > 0 ? 'bad' : 'good' },
    { label: 'not assessed', value: count(t['not-assessed']), tone: 'muted' },
  ];
  if (kind === 'summary' || kind === 'vulnerabilities') {
    items.push({ label: 'open critical / high', value: `${count(v.bySeverity.critical)} / ${count(v.bySeverity.high)}`, tone: v.bySeverity.critical + v.bySeverity.high > 0 ? 'bad' : 'good' });
  }
  if (kind === 'summary' || kind === 'policy') items.push({ label: 'failing policy checks', value: count(a.policy.failing.length), tone: a.policy.failing.length > 0 ? 'bad' : 'good' });
  if (kind === 'summary' || kind === 'runtime') items.push({ label: 'high/critical alerts', value: count(a.alerts.unresolvedTotal), tone: a.alerts.unresolvedTotal > 0 ? 'bad' : 'good' });
  return { type: 'figures', items };
}

function summaryText(a: Assessment, kind: ReportKind): string[] {
  const t = a.totals;
  const out = [
    `Of the ${count(a.controls.length)} controls of ${clean(a.framework.name, 160)}, ${count(t.satisfied)} (${percent(t.satisfied, a.controls.length)}) are satisfied by the evidence of the period, ${count(t['not-satisfied'])} are not satisfied and ${count(t['not-assessed'])} have no conclusive evidence.`,
  ];
  const v = a.vulnerabilities;
  if (kind === 'summary' || kind === 'vulnerabilities') {
    out.push(
      `${plural(v.subjects.length, 'subject')} scanned (${plural(v.scans, 'scan')} in the period). Their latest scans show ${plural(v.findings.length, 'open finding')} (${count(v.bySeverity.critical)} critical, ${count(v.bySeverity.high)} high); a fix is available for ${count(v.fixAvailable)}. ${count(v.resolved)} findings seen earlier in the period are gone from the latest scans; ${count(v.suppressed)} are suppressed.` +
        (v.oldestOpen ? ` The oldest open finding, ${clean(v.oldestOpen.id, 80)} in ${clean(v.oldestOpen.package, 120)}, was first seen ${date(v.oldestOpen.firstSeen)} (${plural(v.oldestOpen.ageDays, 'day')} ago).` : ''),
    );
    if (v.truncatedScans > 0) out.push(`${plural(v.truncatedScans, 'scan')} held more findings than a record keeps; their counts are complete, their lists hold the worst findings only.`);
  }
  if (kind === 'summary' || kind === 'policy') {
    out.push(`${plural(a.policy.results, 'policy result')} in the period cover ${plural(a.policy.checks, 'check')} (a rule of a policy on a resource); the latest result of ${count(a.policy.failing.length)} of them is fail or warn.`);
  }
  if (kind === 'summary' || kind === 'runtime') {
    out.push(
      `${plural(a.alerts.total, 'alert')} (${count(a.alerts.byKind['runtime-alert'])} runtime, ${count(a.alerts.byKind['host-alert'])} host) from ${plural(a.alerts.rules.length, 'rule')}; ${count(a.alerts.unresolvedTotal)} at or above ${a.alerts.threshold === 'none' ? 'no threshold' : a.alerts.threshold} severity count against the controls they support until their handling is recorded.`,
    );
  }
  if (a.records.malformedPayloads > 0) out.push(`${plural(a.records.malformedPayloads, 'record')} had payloads this version cannot read; they count by their header fields only.`);
  return out;
}

const RULE_TEXT =
  'How a verdict is reached: a control is not satisfied when any statement supporting it fails (the latest result of a policy check is fail or warn; the latest scan of a subject has open high or critical findings; an alert at or above the threshold, whose handling the store does not record); satisfied when it has passing statements and no failing one; not assessed without evidence, or with only errors and skipped results.';

function controlsSection(a: Assessment, trace: Trace, filter: (c: ControlAssessment) => boolean, title: string): Section {
  const controls = a.controls.filter(filter);
  for (const c of controls) trace.add(`Control ${c.id}: ${STATUS_TEXT[c.status].toLowerCase()}`, c.evidence, c.evidenceTotal, 4);
  return {
    title,
    blocks: [
      { type: 'paragraph', text: RULE_TEXT, tone: 'muted' },
      {
        type: 'table',
        columns: [
          { header: 'Control', width: 1.4 },
          { header: 'Title', width: 3.6 },
          { header: 'Status', width: 1.6 },
          { header: 'Why', width: 3 },
          { header: 'Records', width: 1, align: 'right' },
          { header: 'Evidence', width: 2.2, mono: true },
        ],
        rows: controls.map((c) => [
          { text: clean(c.id, 64), mono: true },
          `${clean(c.title, 200)} (${clean(c.family, 100)})`,
          { text: STATUS_TEXT[c.status], tone: STATUS_TONE[c.status], swatch: STATUS_COLORS[c.status] },
          c.reasons.map((r) => REASON_TEXT[r.code](r.count)).join('; '),
          count(c.counts.records),
          { text: seqs(c.evidence, c.evidenceTotal, 4), mono: true },
        ]),
        empty: 'No controls.',
      },
    ],
  };
}

function findingsTable(a: Assessment, trace: Trace, limit: number): Block[] {
  const v = a.vulnerabilities;
  const shown = v.findings.slice(0, limit);
  for (const f of shown) trace.add(`${f.id} in ${f.package.name}@${f.package.version}: open (${f.severity})`, f.evidence, f.evidence.length, 2);
  const blocks: Block[] = [
    {
      type: 'table',
      columns: [
        { header: 'Vulnerability', width: 2.1, mono: true },
        { header: 'Severity', width: 1.2 },
        { header: 'CVSS', width: 0.9, align: 'right' },
        { header: 'Package', width: 2.6 },
        { header: 'Fixed in', width: 1.4 },
        { header: 'Subjects', width: 3.8 },
        { header: 'First seen', width: 1.4 },
        { header: 'Evidence', width: 1.4, mono: true },
      ],
      rows: shown.map((f) => [
        { text: clean(f.id, 80), mono: true },
        sevCell(f.severity),
        f.cvssScore !== undefined ? f.cvssScore.toFixed(1) : '—',
        `${clean(f.package.name, 120)} ${clean(f.package.version, 60)}${f.package.type ? ` (${clean(f.package.type, 20)})` : ''}`,
        f.fixedVersions.length > 0 ? clean(f.fixedVersions.slice(0, 3).join(', '), 80) : { text: 'no fix', tone: 'muted' },
        f.subjects.length === 1 ? short(f.subjects[0]!, 90) : `${count(f.subjects.length)} subjects: ${short(f.subjects[0]!, 70)}, …`,
        `${date(f.firstSeen)} (${f.ageDays} d)`,
        { text: seqs(f.evidence, f.evidence.length, 2), mono: true },
      ]),
      empty: 'No open findings in the latest scans.',
    },
  ];
  if (v.findings.length > shown.length) blocks.push({ type: 'paragraph', text: `${plural(v.findings.length - shown.length, 'more finding')} not listed here (the vulnerabilities report lists them all).`, tone: 'muted' });
  return blocks;
}

function subjectsTable(a: Assessment, trace: Trace): Block {
  const subjects = a.vulnerabilities.subjects.slice(0, LIMITS.subjects);
  for (const s of subjects) trace.add(`Latest scan of ${s.subject}`, [s.evidence]);
  return {
    type: 'table',
    columns: [
      { header: 'Subject', width: 4 },
      { header: 'Scanner', width: 1.3 },
      { header: 'Scanned', width: 2 },
      { header: 'DB built', width: 1.5 },
      { header: 'C / H / M / L', width: 1.8, align: 'right' },
      { header: 'Suppr.', width: 0.9, align: 'right' },
      { header: 'Evidence', width: 1.1, mono: true },
    ],
    rows: subjects.map((s) => [
      clean(s.subject, 200),
      clean(s.scanner, 40),
      dateTime(s.scannedAt),
      s.dbBuiltAt ? date(s.dbBuiltAt) : { text: 'unknown', tone: 'warn' },
      { text: `${s.open.critical} / ${s.open.high} / ${s.open.medium} / ${s.open.low}`, tone: s.open.critical + s.open.high > 0 ? 'bad' : 'normal' },
      count(s.suppressed) + (s.truncated > 0 ? ` (+${count(s.truncated)} cut)` : ''),
      { text: `#${s.evidence.seq}`, mono: true },
    ]),
    empty: 'No scans in the period.',
  };
}

function policiesTable(a: Assessment, limit: number): Block {
  return {
    type: 'table',
    columns: [
      { header: 'Policy', width: 3 },
      { header: 'Pass', width: 0.9, align: 'right' },
      { header: 'Fail', width: 0.9, align: 'right' },
      { header: 'Warn', width: 0.9, align: 'right' },
      { header: 'Error / skip', width: 1.3, align: 'right' },
      { header: 'Failing resources', width: 1.5, align: 'right' },
      { header: 'Results in period', width: 1.5, align: 'right' },
      { header: 'Controls', width: 3 },
    ],
    rows: a.policy.policies.slice(0, limit).map((p) => [
      clean(p.policy, 120),
      count(p.current.pass),
      { text: count(p.current.fail), tone: p.current.fail > 0 ? 'bad' : 'normal' },
      { text: count(p.current.warn), tone: p.current.warn > 0 ? 'warn' : 'normal' },
      `${count(p.current.error)} / ${count(p.current.skip)}`,
      count(p.failingResources),
      count(Object.values(p.results).reduce((n, x) => n + x, 0)),
      { text: clean(p.controls.join(', ') || '—', 200), mono: true },
    ]),
    empty: 'No policy results in the period.',
  };
}

function failingChecksTable(a: Assessment, trace: Trace, limit: number): Block[] {
  const shown = a.policy.failing.slice(0, limit);
  for (const c of shown) trace.add(`${c.policy}${c.rule ? `/${c.rule}` : ''} ${c.outcome} on ${c.subject}`, [c.evidence]);
  const blocks: Block[] = [
    {
      type: 'table',
      columns: [
        { header: 'Policy / rule', width: 2.6 },
        { header: 'Resource', width: 2.6 },
        { header: 'Result', width: 0.9 },
        { header: 'Severity', width: 1.2 },
        { header: 'Message', width: 4 },
        { header: 'Observed', width: 1.4 },
        { header: 'Evidence', width: 1, mono: true },
      ],
      rows: shown.map((c) => [
        clean(`${c.policy}${c.rule ? ` / ${c.rule}` : ''}`, 160),
        clean(c.subject, 200),
        { text: c.outcome, tone: c.outcome === 'fail' ? 'bad' : 'warn' },
        sevCell(c.severity),
        clean(c.message || '—', 400),
        date(c.observedAt),
        { text: `#${c.evidence.seq}`, mono: true },
      ]),
      empty: 'No failing checks: the latest result of every check is pass, error or skip.',
    },
  ];
  if (a.policy.failing.length > shown.length) blocks.push({ type: 'paragraph', text: `${plural(a.policy.failing.length - shown.length, 'more failing check')} not listed here (the policy report lists them all).`, tone: 'muted' });
  return blocks;
}

function rulesTable(a: Assessment, trace: Trace, limit: number): Block[] {
  const shown = a.alerts.rules.slice(0, limit);
  for (const r of shown) trace.add(`Alert rule ${r.source} ${r.rule}: ${r.count} alerts`, r.evidence, r.count, 2);
  const blocks: Block[] = [
    {
      type: 'table',
      columns: [
        { header: 'Source', width: 1 },
        { header: 'Rule', width: 4 },
        { header: 'Alerts', width: 1, align: 'right' },
        { header: 'Worst', width: 1.2 },
        { header: 'First / last', width: 2 },
        { header: 'Subjects', width: 2.6 },
        { header: 'Evidence', width: 1.5, mono: true },
      ],
      rows: shown.map((r) => [
        clean(r.source, 40),
        r.description && r.description !== r.rule ? `${clean(r.rule, 60)}: ${clean(r.description, 200)}` : clean(r.rule, 200),
        count(r.count),
        sevCell(r.severity),
        `${date(r.firstSeen)} / ${date(r.lastSeen)}`,
        `${count(r.subjects)}: ${short(r.subjectSample.slice(0, 2).join(', '), 160)}${r.subjects > 2 ? ', …' : ''}`,
        { text: seqs(r.evidence, r.count, 2), mono: true },
      ]),
      empty: 'No alerts in the period.',
    },
  ];
  if (a.alerts.rules.length > shown.length) blocks.push({ type: 'paragraph', text: `${plural(a.alerts.rules.length - shown.length, 'more rule')} not listed here (the runtime report lists them all).`, tone: 'muted' });
  return blocks;
}

function unresolvedTable(a: Assessment, trace: Trace): Block[] {
  const shown = a.alerts.unresolved.slice(0, LIMITS.alerts);
  for (const u of shown) trace.add(`${u.severity} alert ${u.source} ${u.rule} on ${u.subject}`, [u.evidence]);
  const blocks: Block[] = [
    {
      type: 'table',
      columns: [
        { header: 'Observed', width: 1.8 },
        { header: 'Severity', width: 1.2 },
        { header: 'Alert', width: 5 },
        { header: 'Subject', width: 3 },
        { header: 'Evidence', width: 1, mono: true },
      ],
      rows: shown.map((u) => [dateTime(u.observedAt), sevCell(u.severity), clean(u.title, 300), short(u.subject, 200), { text: `#${u.evidence.seq}`, mono: true }]),
      empty: 'No alerts at or above the threshold.',
    },
  ];
  if (a.alerts.unresolvedTotal > shown.length) blocks.push({ type: 'paragraph', text: `Newest ${count(shown.length)} of ${count(a.alerts.unresolvedTotal)} listed.`, tone: 'muted' });
  return blocks;
}

function appendix(a: Assessment, trace: Trace): Section[] {
  const bySeq = new Map<number, EvidenceSummary>(a.evidence.map((e) => [e.seq, e]));
  const records = [...trace.seqs].sort((x, y) => x - y).map((s) => bySeq.get(s)).filter((e): e is EvidenceSummary => e !== undefined);
  return [
    {
      title: 'Appendix A: statements and their evidence',
      blocks: [
        {
          type: 'paragraph',
          text: 'Every row of the tables above names the evidence records it rests on by their sequence number in the store\'s hash chain (column "Evidence", newest first). Where a row shows only some of them, the statement is listed here with more (up to 40; "+N" counts the records of the same kind not listed). Appendix B gives each record\'s UUID and record hash.',
          tone: 'muted',
        },
        { type: 'table', columns: [{ header: 'Statement', width: 5 }, { header: 'Evidence records', width: 5, mono: true }], rows: trace.rows, empty: 'Every statement shows all of its evidence records in its own row.' },
      ],
    },
    {
      title: 'Appendix B: evidence records',
      blocks: [
        {
          type: 'paragraph',
          text: `Every record referenced above. Look one up with \`airlock evidence show SEQ\`; \`airlock evidence verify\` checks that each record hash is in the chain that ends at the head named on the cover.`,
          tone: 'muted',
        },
        {
          type: 'table',
          columns: [
            { header: 'Seq', width: 0.7, align: 'right', mono: true },
            { header: 'UUID / record hash', width: 6.3, mono: true },
            { header: 'Kind / source', width: 1.6 },
            { header: 'Observed / outcome', width: 1.9 },
          ],
          rows: records.map((e) => [
            { text: String(e.seq), mono: true },
            { text: `${e.id}\n${clean(e.recordHash, 80)}`, mono: true },
            `${e.kind}\n${clean(e.source, 40)}`,
            `${dateTime(e.observedAt)}\n${e.outcome}, ${e.severity}`,
          ]),
          empty: 'No records referenced.',
        },
      ],
    },
  ];
}

export function buildReport(a: Assessment, m: ReportMeta): ReportDocument {
  const trace = new Trace();
  const sections: Section[] = [];
  const summary: Block[] = [figures(a, m.kind), ...summaryText(a, m.kind).map((text): Block => ({ type: 'paragraph', text }))];
  const k = m.kind;
  if (k === 'summary' || k === 'vulnerabilities') summary.push(severityChart('Open findings by severity (latest scan per subject)', a.vulnerabilities.bySeverity));
  summary.push(familyChart(a));
  if (k === 'runtime') summary.push(severityChart('Alerts by severity', a.alerts.bySeverity));
  if (k === 'summary' || k === 'runtime') summary.push(alertTrend(a));
  sections.push({ title: 'Executive summary', blocks: summary });

  const touches = (kinds: ('vulnerability-scan' | 'policy-result' | 'runtime-alert' | 'host-alert')[]) => (c: ControlAssessment) => kinds.some((x) => c.counts.byKind[x] > 0);
  if (k === 'summary') {
    sections.push(controlsSection(a, trace, () => true, 'Controls'));
    sections.push({ title: `Open vulnerabilities (worst ${LIMITS.summaryFindings})`, blocks: findingsTable(a, trace, LIMITS.summaryFindings) });
    sections.push({ title: 'Policy results', blocks: [policiesTable(a, 200), { type: 'heading', text: `Failing checks (worst ${LIMITS.summaryChecks})` }, ...failingChecksTable(a, trace, LIMITS.summaryChecks)] });
    sections.push({ title: `Alert rules (top ${LIMITS.summaryRules})`, blocks: rulesTable(a, trace, LIMITS.summaryRules) });
  } else if (k === 'vulnerabilities') {
    sections.push({ title: 'Open findings', blocks: findingsTable(a, trace, LIMITS.findings) });
    sections.push({ title: 'Subjects and their latest scans', blocks: [subjectsTable(a, trace)] });
    sections.push(controlsSection(a, trace, touches(['vulnerability-scan']), 'Controls supported by scans'));
  } else if (k === 'policy') {
    sections.push({ title: 'Policies', blocks: [policiesTable(a, LIMITS.checks)] });
    sections.push({ title: 'Failing checks', blocks: failingChecksTable(a, trace, LIMITS.checks) });
    sections.push(controlsSection(a, trace, touches(['policy-result']), 'Controls supported by policy results'));
  } else {
    sections.push({ title: 'Alert rules', blocks: rulesTable(a, trace, LIMITS.rules) });
    sections.push({ title: `Alerts at or above ${a.alerts.threshold} severity`, blocks: unresolvedTable(a, trace) });
    sections.push(controlsSection(a, trace, touches(['runtime-alert', 'host-alert']), 'Controls supported by alerts'));
  }
  sections.push(...appendix(a, trace));

  const c = cover(a, m);
  return {
    info: {
      title: c.title,
      author: clean(m.organization ?? 'Airlock', 200),
      subject: `${KIND_TITLES[k]}: ${clean(a.framework.name, 160)}`,
      keywords: `${clean(a.framework.id, 64)}, evidence store ${clean(m.store.id, 64)}`,
      creationDate: m.generatedAt,
    },
    cover: c,
    sections,
    footer: `${KIND_TITLES[k]} · ${clean(a.framework.id, 64)} · evidence store ${clean(m.store.id, 64)} · head #${m.store.headSeq}`,
  };
}
