/**
 * One pass over evidence records → an `Assessment` of one framework for one period.
 *
 * Pure: records in, a plain value out; no clock (ages are measured to `asOf`), no I/O.
 * Streaming: each record is looked at once and dropped; what is kept is bounded by
 * distinct subjects, findings, policy checks, alert rules, days and the framework's
 * controls, plus capped evidence lists, never by the number of records.
 *
 * Records may come in any order (the store gives chain order); "latest" is by
 * observedAt, then seq. Records outside the period are skipped. The vulnerability,
 * policy and alert views cover every record given; the control verdicts only the
 * controls of the framework (see controls.ts for the rule).
 */
import { AirlockError } from '../../common/errors.ts';
import type { EvidenceRecord } from '../types.ts';
import { AlertTracker } from './alerts.ts';
import { ControlTracker } from './controls.ts';
import { DEFAULT_STALE_DB_SECONDS, FreshnessTracker } from './freshness.ts';
import { readAlert, readPolicy, readScan } from './payloads.ts';
import { PolicyTracker } from './policies.ts';
import type { Assessment, AssessmentOptions, ControlStatus, EvidenceSummary, Period } from './types.ts';
import { VulnerabilityTracker } from './vulnerabilities.ts';
import { kindCounts, ms, Referencer } from './values.ts';

const TITLE_MAX = 300;

function iso(v: string, what: string): string {
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new AirlockError('USAGE', `${what}: ${JSON.stringify(v)} is not a date or time (ISO 8601)`);
  return new Date(t).toISOString();
}

/** Checks and normalises a period (ISO strings in UTC; from ≤ to). */
export function normalisePeriod(p: Period = {}): Period {
  const from = p.from !== undefined ? iso(p.from, 'period start') : undefined;
  const to = p.to !== undefined ? iso(p.to, 'period end') : undefined;
  if (from !== undefined && to !== undefined && ms(from) > ms(to)) throw new AirlockError('USAGE', `period: the start ${from} is after the end ${to}`);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function summaryOf(r: EvidenceRecord): EvidenceSummary {
  return {
    seq: r.seq,
    id: r.id,
    recordHash: r.recordHash,
    kind: r.kind,
    source: r.source,
    subject: r.subject,
    observedAt: r.observedAt,
    outcome: r.outcome,
    severity: r.severity,
    title: r.title.length > TITLE_MAX ? r.title.slice(0, TITLE_MAX) : r.title,
  };
}

/** Feeds records one at a time; `finish` once. For a synchronous source, or to share a pass. */
export class Assessor {
  readonly #o: Required<Omit<AssessmentOptions, 'period' | 'asOf'>> & { period: Period; asOf: string | undefined };
  readonly #from: number;
  readonly #to: number;
  readonly #controls: ControlTracker;
  readonly #vulns = new VulnerabilityTracker();
  readonly #policy = new PolicyTracker();
  readonly #alerts: AlertTracker;
  readonly #fresh = new FreshnessTracker();
  #seen = 0;
  #inPeriod = 0;
  #malformed = 0;
  readonly #byKind = kindCounts();
  #finished = false;

  /** `asOf` may be left to `finish` (when it is the newest record's time, known after the last). */
  constructor(o: Omit<AssessmentOptions, 'asOf'> & { asOf?: string }) {
    const period = normalisePeriod(o.period);
    this.#o = {
      framework: o.framework,
      period,
      asOf: o.asOf !== undefined ? iso(o.asOf, 'assessment time') : undefined,
      alertThreshold: o.alertThreshold ?? 'high',
      staleDbAfterSeconds: o.staleDbAfterSeconds ?? DEFAULT_STALE_DB_SECONDS,
      maxEvidencePerItem: Math.max(0, Math.trunc(o.maxEvidencePerItem ?? 25)),
      maxListedAlerts: Math.max(0, Math.trunc(o.maxListedAlerts ?? 500)),
    };
    this.#from = period.from !== undefined ? ms(period.from) : -Infinity;
    this.#to = period.to !== undefined ? ms(period.to) : Infinity;
    this.#controls = new ControlTracker(o.framework, this.#o.alertThreshold, this.#o.maxEvidencePerItem);
    this.#alerts = new AlertTracker(this.#o.alertThreshold, this.#o.maxEvidencePerItem, this.#o.maxListedAlerts);
  }

  add(r: EvidenceRecord): void {
    if (this.#finished) throw new AirlockError('USAGE', 'assessment: a record was added after finish()');
    this.#seen++;
    const t = ms(r.observedAt);
    if (!(t >= this.#from && t <= this.#to)) return;
    this.#inPeriod++;
    this.#byKind[r.kind]++;
    const s = summaryOf(r);
    const controls = this.#controls.controlsOf(r.controls);
    this.#controls.count(r.kind, controls);
    this.#fresh.add(s, r.collectedAt);
    switch (r.kind) {
      case 'vulnerability-scan': {
        const v = readScan(r.payload);
        if (!v) this.#malformed++;
        this.#vulns.add(s, v, controls);
        break;
      }
      case 'policy-result': {
        const v = readPolicy(r.payload);
        if (!v) this.#malformed++;
        this.#policy.add(s, v, controls);
        break;
      }
      case 'runtime-alert':
      case 'host-alert': {
        const v = readAlert(r.kind, r.payload);
        if (!v) this.#malformed++;
        this.#alerts.add(s, r.kind, v);
        this.#controls.alert(s, controls);
        break;
      }
    }
  }

  finish(asOf?: string): Assessment {
    if (this.#finished) throw new AirlockError('USAGE', 'assessment: finish() called twice');
    const at = asOf !== undefined ? iso(asOf, 'assessment time') : this.#o.asOf;
    if (at === undefined) throw new AirlockError('USAGE', 'assessment: no assessment time (asOf)');
    this.#finished = true;
    const o = { ...this.#o, asOf: at };
    const r = new Referencer();
    const { controls, families } = this.#controls.finish(this.#policy.checks(), this.#vulns.latest(), r);
    const familyOf = new Map(o.framework.controls.map((c) => [c.id, c.family]));
    const familyIndex = new Map(families.map((f, i) => [f.family, i]));
    const policy = this.#policy.finish(familyOf, r);
    policy.byFamily.sort((a, b) => (familyIndex.get(a.family) ?? 0) - (familyIndex.get(b.family) ?? 0));
    const vulnerabilities = this.#vulns.finish(o.asOf, o.maxEvidencePerItem, r);
    const alerts = this.#alerts.finish(r);
    const freshness = this.#fresh.finish(o.asOf, this.#vulns.latestDbBuiltAt, this.#vulns.latest(), o.staleDbAfterSeconds);
    const totals: Record<ControlStatus, number> = { satisfied: 0, 'not-satisfied': 0, 'not-assessed': 0 };
    for (const c of controls) totals[c.status]++;
    return {
      framework: { id: o.framework.id, name: o.framework.name, version: o.framework.version },
      period: o.period,
      asOf: o.asOf,
      records: { seen: this.#seen, inPeriod: this.#inPeriod, byKind: { ...this.#byKind }, malformedPayloads: this.#malformed },
      controls,
      families,
      totals,
      vulnerabilities,
      policy,
      alerts,
      freshness,
      evidence: r.all(),
    };
  }
}

/** Assesses records from any (async) iterable in one pass. */
export async function assess(records: AsyncIterable<EvidenceRecord> | Iterable<EvidenceRecord>, o: AssessmentOptions): Promise<Assessment> {
  const a = new Assessor(o);
  for await (const r of records) a.add(r);
  return a.finish();
}
