/**
 * The assessment model: what a period of evidence says about one framework's controls,
 * and the vulnerability, policy, alert and freshness views reports and OSCAL
 * assessment results are drawn from. Plain JSON-able values (no Maps, no Dates), so a
 * model can be printed with `--json`, compared in tests and rendered by any writer.
 */
import type { EvidenceKind, EvidenceRecord, EvidenceSeverity, Outcome } from '../types.ts';

/** The verdict on one control for the period. See `controls.ts` for the rule. */
export type ControlStatus = 'satisfied' | 'not-satisfied' | 'not-assessed';
export const CONTROL_STATUSES: readonly ControlStatus[] = ['satisfied', 'not-satisfied', 'not-assessed'];

/** What an assessment needs of a framework: its identity and its control index. */
export interface FrameworkControls {
  id: string;
  name: string;
  version: string;
  controls: readonly { id: string; family: string; title: string }[];
}

/** Inclusive bounds on `observedAt` (ISO 8601); either may be absent. */
export interface Period {
  from?: string;
  to?: string;
}

/** Points to one stored record: where it sits in the chain and the hash that pins it. */
export interface EvidenceRef {
  seq: number;
  id: string;
  recordHash: string;
}

/** A referenced record as the appendix lists it. */
export interface EvidenceSummary extends EvidenceRef, Pick<EvidenceRecord, 'kind' | 'source' | 'subject' | 'observedAt' | 'outcome' | 'severity' | 'title'> {}

export type SeverityCounts = Record<EvidenceSeverity, number>;

export type ControlReasonCode =
  /** The latest result of at least one policy check on a resource is fail or warn. */
  | 'failing-policy-checks'
  /** The latest scan of at least one subject has open (not suppressed) high or critical findings. */
  | 'open-vulnerabilities'
  /** Alerts at or above the alert threshold; the store holds no record of their resolution. */
  | 'unresolved-alerts'
  /** Passing policy checks, clean latest scans, or alerts below the threshold (monitoring at work). */
  | 'passing-evidence'
  /** Only results that decide nothing (policy error or skip). */
  | 'inconclusive-only'
  /** No evidence in the period. */
  | 'no-evidence';

export interface ControlReason {
  code: ControlReasonCode;
  /** Statements of that kind (policy checks, subjects, alerts). */
  count: number;
}

/**
 * A statement is one thing an auditor can weigh: the latest result of a policy check
 * (source, policy, rule, resource), the latest scan of a subject, or one alert.
 */
export interface ControlCounts {
  /** Records in the period that name the control. */
  records: number;
  byKind: Record<EvidenceKind, number>;
  passing: number;
  failing: number;
  inconclusive: number;
}

export interface ControlAssessment {
  id: string;
  family: string;
  title: string;
  status: ControlStatus;
  /** Why: failing reasons for `not-satisfied`, `passing-evidence` for `satisfied`, else why not assessed. */
  reasons: ControlReason[];
  counts: ControlCounts;
  /**
   * The records the verdict rests on, newest first: the failing ones when not satisfied,
   * the passing ones when satisfied; at most `maxEvidencePerItem`.
   */
  evidence: EvidenceRef[];
  /** How many records support the verdict before the cap. */
  evidenceTotal: number;
}

export interface FamilyAssessment {
  family: string;
  controls: number;
  satisfied: number;
  notSatisfied: number;
  notAssessed: number;
}

export interface OpenFinding {
  /** The vulnerability id (CVE when the scanner says so). */
  id: string;
  aliases: string[];
  package: { name: string; version: string; type?: string; purl?: string };
  severity: EvidenceSeverity;
  cvssScore?: number;
  fixedVersions: string[];
  fixAvailable: boolean;
  /** Fix state as the scanner names it (fixed, unfixed, affected, ...), when it says. */
  status?: string;
  /** The subjects whose latest scan shows it, sorted. */
  subjects: string[];
  /** The earliest observation of this finding on any of those subjects in the period. */
  firstSeen: string;
  /** Whole days from firstSeen to the assessment's `asOf`. */
  ageDays: number;
  /** The latest scans that show it, one per subject (capped). */
  evidence: EvidenceRef[];
}

export interface SubjectScan {
  subject: string;
  scanner: string;
  scannedAt: string;
  target: string;
  /** The DB the scan used, when the report says. */
  dbBuiltAt: string | null;
  /** Open findings by severity (as the scan's summary counts them: all of them, also those left out of the payload). */
  open: SeverityCounts;
  suppressed: number;
  /** Findings the payload left out (the worst are kept). */
  truncated: number;
  evidence: EvidenceRef;
}

export interface VulnerabilityAssessment {
  /** Scan records in the period. */
  scans: number;
  /** The latest scan of each subject, by subject. */
  subjects: SubjectScan[];
  /** Open findings of the latest scans, merged across subjects, worst first. */
  findings: OpenFinding[];
  /** Open findings (merged) by severity. */
  bySeverity: SeverityCounts;
  fixAvailable: number;
  /** Suppressed findings in the latest scans (merged). */
  suppressed: number;
  /** (subject, finding) pairs seen in an earlier scan of the period and absent from the subject's latest. */
  resolved: number;
  /** Latest scans whose payload left findings out: their counts are complete, their lists are not. */
  truncatedScans: number;
  /** The open finding first seen earliest, if any. */
  oldestOpen: { id: string; package: string; firstSeen: string; ageDays: number } | null;
}

export type OutcomeCounts = Record<Outcome, number>;

export interface PolicyCheck {
  source: string;
  policy: string;
  rule?: string;
  subject: string;
  outcome: Outcome;
  severity: EvidenceSeverity;
  message: string;
  category?: string;
  observedAt: string;
  /** This framework's controls the check supports. */
  controls: string[];
  evidence: EvidenceRef;
}

export interface PolicySummary {
  policy: string;
  /** Every result in the period. */
  results: OutcomeCounts;
  /** The latest result of each check (rule on resource). */
  current: OutcomeCounts;
  /** Resources whose latest result of some rule is fail or warn. */
  failingResources: number;
  severity: EvidenceSeverity;
  controls: string[];
}

export interface FamilyPolicyCounts {
  family: string;
  /** Latest results of the checks supporting a control of the family. */
  current: OutcomeCounts;
}

export interface PolicyAssessment {
  results: number;
  byOutcome: OutcomeCounts;
  policies: PolicySummary[];
  byFamily: FamilyPolicyCounts[];
  /** Checks whose latest result is fail or warn, worst first. */
  failing: PolicyCheck[];
  checks: number;
}

export interface AlertRule {
  source: string;
  /** The rule as the source names it (Falco rule name, Wazuh rule id). */
  rule: string;
  description: string;
  count: number;
  bySeverity: SeverityCounts;
  severity: EvidenceSeverity;
  firstSeen: string;
  lastSeen: string;
  subjects: number;
  /** A few of the subjects, sorted. */
  subjectSample: string[];
  /** The newest alerts of the rule (capped). */
  evidence: EvidenceRef[];
}

export interface AlertDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  total: number;
  bySeverity: SeverityCounts;
}

export interface AlertItem {
  source: string;
  rule: string;
  subject: string;
  severity: EvidenceSeverity;
  observedAt: string;
  title: string;
  evidence: EvidenceRef;
}

export interface AlertAssessment {
  total: number;
  byKind: { 'runtime-alert': number; 'host-alert': number };
  bySeverity: SeverityCounts;
  rules: AlertRule[];
  /** One entry per UTC day from the first to the last alert, days without alerts included (only days with alerts when they span more than ten years). */
  perDay: AlertDay[];
  /** Alerts at or above the threshold, newest first (capped at maxListed). */
  unresolved: AlertItem[];
  unresolvedTotal: number;
  threshold: EvidenceSeverity | 'none';
}

export interface SourceFreshness {
  source: string;
  kinds: EvidenceKind[];
  records: number;
  firstObservedAt: string;
  lastObservedAt: string;
  lastCollectedAt: string;
}

export interface Freshness {
  /** The time ages are measured to. */
  asOf: string;
  vulnerabilityDb: {
    /** The newest DB build any scan of the period used. */
    latestBuiltAt: string | null;
    /** asOf - latestBuiltAt, in seconds. */
    ageSeconds: number | null;
    /** The oldest DB among the latest scans of each subject. */
    oldestInUseBuiltAt: string | null;
    oldestInUseAgeSeconds: number | null;
    /** Latest scans whose DB is older than the threshold at asOf. */
    staleSubjects: number;
    /** Latest scans whose report does not date its DB. */
    undatedSubjects: number;
    staleAfterSeconds: number;
    /** No dated DB, or the newest is older than the threshold. */
    stale: boolean;
  };
  sources: SourceFreshness[];
  firstObservedAt: string | null;
  lastObservedAt: string | null;
}

export interface Assessment {
  framework: { id: string; name: string; version: string };
  period: Period;
  asOf: string;
  /** Records given, and those used (inside the period). */
  records: { seen: number; inPeriod: number; byKind: Record<EvidenceKind, number>; malformedPayloads: number };
  controls: ControlAssessment[];
  families: FamilyAssessment[];
  totals: Record<ControlStatus, number>;
  vulnerabilities: VulnerabilityAssessment;
  policy: PolicyAssessment;
  alerts: AlertAssessment;
  freshness: Freshness;
  /** Every record referenced anywhere in the model, by seq. */
  evidence: EvidenceSummary[];
}

export interface AssessmentOptions {
  framework: FrameworkControls;
  period?: Period;
  /** The time ages are measured to (ISO 8601): the report's generation time. */
  asOf: string;
  /** Alerts at or above this severity count against the controls they support (default high). */
  alertThreshold?: EvidenceSeverity | 'none';
  /** A vulnerability DB older than this at asOf is stale (default 7 days). */
  staleDbAfterSeconds?: number;
  /** Cap on evidence refs per control, finding and alert rule (default 25). */
  maxEvidencePerItem?: number;
  /** Cap on listed unresolved alerts (default 500). */
  maxListedAlerts?: number;
}
