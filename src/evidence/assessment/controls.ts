/**
 * The verdict on each control of a framework for a period.
 *
 * Statements supporting a control (a record supports the controls it lists):
 *   - a policy check: the latest result (by observedAt, then seq) of one rule of one
 *     policy from one source on one resource. pass is passing; fail and warn are
 *     failing; error and skip are inconclusive;
 *   - a subject's latest vulnerability scan: failing when it has open (not suppressed)
 *     high or critical findings, else passing;
 *   - an alert (Falco, Wazuh): failing at or above the alert threshold (default high),
 *     since the store holds no record of an alert's resolution; below it, passing (the
 *     monitoring the control asks for is at work).
 *
 * Status:
 *   - not-satisfied: at least one failing statement;
 *   - satisfied: at least one passing statement and no failing one;
 *   - not-assessed: no statement, or only inconclusive ones.
 *
 * The evidence of a verdict is the records of the failing statements (not-satisfied)
 * or of the passing ones (satisfied), newest first, capped; `evidenceTotal` counts all.
 */
import { alertFails } from './alerts.ts';
import { policyVerdict, type LatestCheck } from './policies.ts';
import type { ControlAssessment, ControlReason, ControlStatus, EvidenceSummary, FamilyAssessment, FrameworkControls } from './types.ts';
import { scanFails, type LatestScan } from './vulnerabilities.ts';
import { kindCounts, NewestList, type Referencer } from './values.ts';
import type { EvidenceKind, EvidenceSeverity } from '../types.ts';

interface Acc {
  records: number;
  byKind: Record<EvidenceKind, number>;
  failingChecks: number;
  failingScans: number;
  failingAlerts: number;
  passing: number;
  inconclusive: number;
  failEvidence: NewestList<EvidenceSummary>;
  passEvidence: NewestList<EvidenceSummary>;
}

export class ControlTracker {
  readonly #acc = new Map<string, Acc>();
  readonly #cap: number;
  readonly #threshold: EvidenceSeverity | 'none';
  readonly #framework: FrameworkControls;

  constructor(framework: FrameworkControls, threshold: EvidenceSeverity | 'none', cap: number) {
    this.#framework = framework;
    this.#threshold = threshold;
    this.#cap = cap;
    for (const c of framework.controls) this.#acc.set(c.id, this.#new());
  }

  #new(): Acc {
    return {
      records: 0,
      byKind: kindCounts(),
      failingChecks: 0,
      failingScans: 0,
      failingAlerts: 0,
      passing: 0,
      inconclusive: 0,
      failEvidence: new NewestList(this.#cap),
      passEvidence: new NewestList(this.#cap),
    };
  }

  /** The framework's control ids among a record's refs (`fw:id`), in the order given. */
  controlsOf(refs: readonly string[]): string[] {
    const prefix = `${this.#framework.id}:`;
    const out: string[] = [];
    for (const r of refs) if (r.startsWith(prefix) && this.#acc.has(r.slice(prefix.length))) out.push(r.slice(prefix.length));
    return out;
  }

  /** Every record in the period that names controls. */
  count(kind: EvidenceKind, controls: readonly string[]): void {
    for (const c of controls) {
      const a = this.#acc.get(c)!;
      a.records++;
      a.byKind[kind]++;
    }
  }

  alert(summary: EvidenceSummary, controls: readonly string[]): void {
    const fails = alertFails(summary.severity, this.#threshold);
    for (const c of controls) {
      const a = this.#acc.get(c)!;
      if (fails) {
        a.failingAlerts++;
        a.failEvidence.add(summary);
      } else {
        a.passing++;
        a.passEvidence.add(summary);
      }
    }
  }

  finish(checks: Iterable<LatestCheck>, scans: Iterable<LatestScan>, r: Referencer): { controls: ControlAssessment[]; families: FamilyAssessment[] } {
    for (const c of checks) {
      const v = policyVerdict(c.summary.outcome);
      for (const id of c.controls) {
        const a = this.#acc.get(id)!;
        if (v === 'failing') {
          a.failingChecks++;
          a.failEvidence.add(c.summary);
        } else if (v === 'passing') {
          a.passing++;
          a.passEvidence.add(c.summary);
        } else a.inconclusive++;
      }
    }
    for (const s of scans) {
      const fails = scanFails(s);
      for (const id of s.controls) {
        const a = this.#acc.get(id)!;
        if (fails) {
          a.failingScans++;
          a.failEvidence.add(s.summary);
        } else {
          a.passing++;
          a.passEvidence.add(s.summary);
        }
      }
    }
    const controls = this.#framework.controls.map((c): ControlAssessment => {
      const a = this.#acc.get(c.id)!;
      const failing = a.failingChecks + a.failingScans + a.failingAlerts;
      const status: ControlStatus = failing > 0 ? 'not-satisfied' : a.passing > 0 ? 'satisfied' : 'not-assessed';
      const reasons: ControlReason[] = [];
      if (a.failingChecks > 0) reasons.push({ code: 'failing-policy-checks', count: a.failingChecks });
      if (a.failingScans > 0) reasons.push({ code: 'open-vulnerabilities', count: a.failingScans });
      if (a.failingAlerts > 0) reasons.push({ code: 'unresolved-alerts', count: a.failingAlerts });
      if (status === 'satisfied') reasons.push({ code: 'passing-evidence', count: a.passing });
      if (status === 'not-assessed') reasons.push(a.inconclusive > 0 ? { code: 'inconclusive-only', count: a.inconclusive } : { code: 'no-evidence', count: 0 });
      const list = status === 'not-satisfied' ? a.failEvidence : status === 'satisfied' ? a.passEvidence : undefined;
      return {
        id: c.id,
        family: c.family,
        title: c.title,
        status,
        reasons,
        counts: { records: a.records, byKind: a.byKind, passing: a.passing, failing, inconclusive: a.inconclusive },
        evidence: list ? r.refs(list.items()) : [],
        evidenceTotal: list ? list.total : 0,
      };
    });
    const fam = new Map<string, FamilyAssessment>();
    for (const c of controls) {
      let f = fam.get(c.family);
      if (!f) fam.set(c.family, (f = { family: c.family, controls: 0, satisfied: 0, notSatisfied: 0, notAssessed: 0 }));
      f.controls++;
      if (c.status === 'satisfied') f.satisfied++;
      else if (c.status === 'not-satisfied') f.notSatisfied++;
      else f.notAssessed++;
    }
    // Families in the order the framework's index lists them.
    return { controls, families: [...fam.values()] };
  }
}
