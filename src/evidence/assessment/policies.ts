/**
 * Policy results in one pass. A check is one rule of one policy from one source on one
 * resource; its latest result in the period (by observedAt, then seq) is its current
 * state. Every result is counted per policy; only current states decide controls and
 * fill the failing list, so memory grows with distinct checks, not with results.
 *
 * Outcomes: pass is passing; fail and warn are failing (a warning is a violation the
 * policy reports without blocking it); error and skip decide nothing (inconclusive).
 */
import type { Outcome } from '../types.ts';
import type { PolicyView } from './payloads.ts';
import type { EvidenceSummary, FamilyPolicyCounts, OutcomeCounts, PolicyAssessment, PolicyCheck, PolicySummary } from './types.ts';
import { byString, maxSeverity, newer, outcomeCounts, severityRank, type Referencer } from './values.ts';

export type Verdict = 'passing' | 'failing' | 'inconclusive';

export function policyVerdict(o: Outcome): Verdict {
  if (o === 'pass') return 'passing';
  if (o === 'fail' || o === 'warn') return 'failing';
  return 'inconclusive';
}

export interface LatestCheck {
  summary: EvidenceSummary;
  policy: string;
  rule: string | undefined;
  message: string;
  category: string | undefined;
  controls: readonly string[];
}

interface PolicyAcc {
  results: OutcomeCounts;
  severity: PolicySummary['severity'];
  controls: Set<string>;
}

/** A record whose payload does not name its policy is filed under this name. */
export const UNREADABLE_POLICY = '(payload not readable)';

export class PolicyTracker {
  results = 0;
  readonly byOutcome = outcomeCounts();
  readonly #checks = new Map<string, LatestCheck>();
  readonly #policies = new Map<string, PolicyAcc>();

  add(summary: EvidenceSummary, view: PolicyView | undefined, controls: readonly string[]): void {
    this.results++;
    this.byOutcome[summary.outcome]++;
    const policy = view?.policy ?? UNREADABLE_POLICY;
    let p = this.#policies.get(policy);
    if (!p) this.#policies.set(policy, (p = { results: outcomeCounts(), severity: 'info', controls: new Set() }));
    p.results[summary.outcome]++;
    p.severity = maxSeverity(p.severity, summary.severity);
    for (const c of controls) p.controls.add(c);
    const key = `${summary.source}\u0000${policy}\u0000${view?.rule ?? ''}\u0000${summary.subject}`;
    const cur = this.#checks.get(key);
    if (!cur || newer(summary, cur.summary)) {
      this.#checks.set(key, { summary, policy, rule: view?.rule, message: view?.message ?? '', category: view?.category, controls });
    }
  }

  checks(): IterableIterator<LatestCheck> {
    return this.#checks.values();
  }

  finish(familyOf: ReadonlyMap<string, string>, r: Referencer): PolicyAssessment {
    const current = new Map<string, OutcomeCounts>();
    const failingResources = new Map<string, Set<string>>();
    const families = new Map<string, OutcomeCounts>();
    const failing: PolicyCheck[] = [];
    for (const c of this.#checks.values()) {
      const o = c.summary.outcome;
      let cur = current.get(c.policy);
      if (!cur) current.set(c.policy, (cur = outcomeCounts()));
      cur[o]++;
      const fams = new Set<string>();
      for (const id of c.controls) {
        const f = familyOf.get(id);
        if (f !== undefined) fams.add(f);
      }
      for (const f of fams) {
        let fc = families.get(f);
        if (!fc) families.set(f, (fc = outcomeCounts()));
        fc[o]++;
      }
      if (policyVerdict(o) !== 'failing') continue;
      let res = failingResources.get(c.policy);
      if (!res) failingResources.set(c.policy, (res = new Set()));
      res.add(c.summary.subject);
      failing.push({
        source: c.summary.source,
        policy: c.policy,
        ...(c.rule ? { rule: c.rule } : {}),
        subject: c.summary.subject,
        outcome: o,
        severity: c.summary.severity,
        message: c.message,
        ...(c.category ? { category: c.category } : {}),
        observedAt: c.summary.observedAt,
        controls: [...c.controls],
        evidence: r.ref(c.summary),
      });
    }
    failing.sort(
      (a, b) =>
        severityRank(b.severity) - severityRank(a.severity) ||
        (a.outcome === b.outcome ? 0 : a.outcome === 'fail' ? -1 : 1) ||
        byString(a.policy, b.policy) ||
        byString(a.rule ?? '', b.rule ?? '') ||
        byString(a.subject, b.subject) ||
        byString(a.source, b.source),
    );
    const policies: PolicySummary[] = [...this.#policies.entries()]
      .sort(([a], [b]) => byString(a, b))
      .map(([policy, p]) => ({
        policy,
        results: p.results,
        current: current.get(policy) ?? outcomeCounts(),
        failingResources: failingResources.get(policy)?.size ?? 0,
        severity: p.severity,
        controls: [...p.controls].sort(byString),
      }));
    const byFamily: FamilyPolicyCounts[] = [...families.entries()].sort(([a], [b]) => byString(a, b)).map(([family, c]) => ({ family, current: c }));
    return { results: this.results, byOutcome: { ...this.byOutcome }, policies, byFamily, failing, checks: this.#checks.size };
  }
}
