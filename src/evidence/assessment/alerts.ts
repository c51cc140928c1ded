/**
 * Runtime (Falco) and host (Wazuh) alerts in one pass: per rule, per UTC day, by
 * severity, and the alerts at or above the threshold. Memory grows with rules, days and
 * subjects per rule, and the capped lists, not with alerts.
 */
import type { EvidenceSeverity } from '../types.ts';
import type { AlertView } from './payloads.ts';
import type { AlertAssessment, AlertDay, AlertItem, AlertRule, EvidenceSummary, SeverityCounts } from './types.ts';
import { byString, maxSeverity, ms, NewestList, severityCounts, severityRank, type Referencer } from './values.ts';

interface RuleAcc {
  source: string;
  rule: string;
  description: string;
  /** The description is the newest record's (by seq), so the order records come in does not matter. */
  descriptionSeq: number;
  count: number;
  bySeverity: SeverityCounts;
  severity: EvidenceSeverity;
  firstSeen: string;
  lastSeen: string;
  subjects: Set<string>;
  newest: NewestList<EvidenceSummary>;
}

const DAY = 86_400_000;
const SUBJECT_SAMPLE = 5;
/** Days without alerts are filled in between the first and last alert up to this span. */
const MAX_FILLED_DAYS = 3700;

/** Does an alert of this severity count against its controls? */
export function alertFails(severity: EvidenceSeverity, threshold: EvidenceSeverity | 'none'): boolean {
  return threshold !== 'none' && severityRank(severity) >= severityRank(threshold);
}

type PendingItem = Omit<AlertItem, 'evidence'> & { seq: number; summary: EvidenceSummary };

export class AlertTracker {
  total = 0;
  readonly byKind = { 'runtime-alert': 0, 'host-alert': 0 };
  readonly bySeverity = severityCounts();
  readonly #rules = new Map<string, RuleAcc>();
  readonly #days = new Map<string, SeverityCounts>();
  readonly #unresolved: NewestList<PendingItem>;
  readonly #cap: number;
  readonly #threshold: EvidenceSeverity | 'none';

  constructor(threshold: EvidenceSeverity | 'none', cap: number, maxListed: number) {
    this.#threshold = threshold;
    this.#cap = cap;
    this.#unresolved = new NewestList(maxListed);
  }

  add(summary: EvidenceSummary, kind: 'runtime-alert' | 'host-alert', view: AlertView | undefined): void {
    this.total++;
    this.byKind[kind]++;
    this.bySeverity[summary.severity]++;
    const rule = view?.rule ?? summary.title;
    const key = `${summary.source}\u0000${rule}`;
    let a = this.#rules.get(key);
    if (!a) {
      a = {
        source: summary.source,
        rule,
        description: view?.description ?? summary.title,
        descriptionSeq: summary.seq,
        count: 0,
        bySeverity: severityCounts(),
        severity: 'info',
        firstSeen: summary.observedAt,
        lastSeen: summary.observedAt,
        subjects: new Set(),
        newest: new NewestList(this.#cap),
      };
      this.#rules.set(key, a);
    }
    a.count++;
    if (summary.seq > a.descriptionSeq) {
      a.description = view?.description ?? summary.title;
      a.descriptionSeq = summary.seq;
    }
    a.bySeverity[summary.severity]++;
    a.severity = maxSeverity(a.severity, summary.severity);
    if (ms(summary.observedAt) < ms(a.firstSeen)) a.firstSeen = summary.observedAt;
    if (ms(summary.observedAt) > ms(a.lastSeen)) a.lastSeen = summary.observedAt;
    a.subjects.add(summary.subject);
    a.newest.add(summary);
    const day = new Date(ms(summary.observedAt)).toISOString().slice(0, 10);
    let d = this.#days.get(day);
    if (!d) this.#days.set(day, (d = severityCounts()));
    d[summary.severity]++;
    if (alertFails(summary.severity, this.#threshold)) {
      this.#unresolved.add({ seq: summary.seq, summary, source: summary.source, rule, subject: summary.subject, severity: summary.severity, observedAt: summary.observedAt, title: summary.title });
    }
  }

  finish(r: Referencer): AlertAssessment {
    const rules: AlertRule[] = [...this.#rules.values()]
      .map((a) => ({
        source: a.source,
        rule: a.rule,
        description: a.description,
        count: a.count,
        bySeverity: a.bySeverity,
        severity: a.severity,
        firstSeen: a.firstSeen,
        lastSeen: a.lastSeen,
        subjects: a.subjects.size,
        subjectSample: [...a.subjects].sort(byString).slice(0, SUBJECT_SAMPLE),
        evidence: r.refs(a.newest.items()),
      }))
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || byString(a.source, b.source) || byString(a.rule, b.rule));
    const perDay: AlertDay[] = [];
    const days = [...this.#days.keys()].sort(byString);
    const total = (c: SeverityCounts): number => Object.values(c).reduce((n, x) => n + x, 0);
    const first = days.length > 0 ? ms(`${days[0]!}T00:00:00Z`) : 0;
    const last = days.length > 0 ? ms(`${days[days.length - 1]!}T00:00:00Z`) : 0;
    if (days.length > 0 && (last - first) / DAY <= MAX_FILLED_DAYS) {
      for (let t = first; t <= last; t += DAY) {
        const day = new Date(t).toISOString().slice(0, 10);
        const c = this.#days.get(day) ?? severityCounts();
        perDay.push({ day, total: total(c), bySeverity: c });
      }
    } else {
      // Alerts years apart: the days that have alerts only, not every day between.
      for (const day of days) perDay.push({ day, total: total(this.#days.get(day)!), bySeverity: this.#days.get(day)! });
    }
    const unresolved: AlertItem[] = this.#unresolved.items().map((u) => ({
      source: u.source,
      rule: u.rule,
      subject: u.subject,
      severity: u.severity,
      observedAt: u.observedAt,
      title: u.title,
      evidence: r.ref(u.summary),
    }));
    return {
      total: this.total,
      byKind: { ...this.byKind },
      bySeverity: { ...this.bySeverity },
      rules,
      perDay,
      unresolved,
      unresolvedTotal: this.#unresolved.total,
      threshold: this.#threshold,
    };
  }
}
