/**
 * The evidence model shared by the store, the importers, the server, OSCAL export and
 * the reports.
 *
 * An importer turns what a source produced (a scan report, a policy result, a Falco
 * event, a Wazuh alert) into `EvidenceDraft`s: pure values, no I/O. The store adds the
 * id, the collection time, the content hash, the chain link and the encryption, and
 * gives back `EvidenceRecord`s. Only the fields of `EvidenceHeader` are stored in clear
 * (they are what lists, filters and reports select on); the payload, the title and
 * everything else a source said is encrypted at rest.
 */

/** What a record is evidence of. */
export const EVIDENCE_KINDS = [
  /** One vulnerability scan of one subject; the payload holds the findings. */
  'vulnerability-scan',
  /** One policy rule evaluated on one resource (Kyverno, airlock policy audit). */
  'policy-result',
  /** One runtime security event (Falco). */
  'runtime-alert',
  /** One host intrusion-detection alert (Wazuh). */
  'host-alert',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** The result a record states, in the PolicyReport vocabulary plus `alert` and `info`. */
export const OUTCOMES = ['pass', 'fail', 'warn', 'error', 'skip', 'alert', 'info'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const EVIDENCE_SEVERITIES = ['unknown', 'info', 'low', 'medium', 'high', 'critical'] as const;
export type EvidenceSeverity = (typeof EVIDENCE_SEVERITIES)[number];

/**
 * A control reference: `<framework id>:<control id>` with ids as in content/frameworks
 * (`nist-800-53-r5:ra-5`, `pci-dss-4.0:11.3.1`).
 */
export type ControlRef = string;

/** What an importer produces: a source's statement, before the store takes it. */
export interface EvidenceDraft {
  kind: EvidenceKind;
  /** The producing tool: `airlock-scan`, `airlock-policy`, `trivy`, `grype`, `kyverno`, `falco`, `wazuh`. */
  source: string;
  /**
   * What the statement is about, as `<type>:<id>`: `image:<ref>@sha256:...`,
   * `k8s:<namespace>/<Kind>/<name>`, `host:<name>`, `container:<id>`, `path:<path>`.
   * At most 1024 characters.
   */
  subject: string;
  /** When the source observed it (ISO 8601, UTC). */
  observedAt: string;
  outcome: Outcome;
  severity: EvidenceSeverity;
  /** Controls this record supports, sorted and unique. */
  controls: ControlRef[];
  /** One line for lists and reports (encrypted at rest). */
  title: string;
  /**
   * What the source said, normalised by the importer (JSON value). Encrypted at rest.
   * Importers keep the source's own fields that an auditor needs and drop bulk they
   * do not (for example a scan's full package list is summarised by counts).
   */
  payload: unknown;
}

/** The part of a record stored in clear. */
export interface EvidenceHeader {
  /** Position in the chain, from 1, without gaps. */
  seq: number;
  /** UUID v4. */
  id: string;
  kind: EvidenceKind;
  source: string;
  subject: string;
  /** When the store accepted it (ISO 8601, UTC, millisecond precision). */
  collectedAt: string;
  observedAt: string;
  outcome: Outcome;
  severity: EvidenceSeverity;
  controls: ControlRef[];
  /** sha256:<hex> of the canonical JSON of { title, payload } (the plaintext). */
  contentHash: string;
  /** sha256:<hex> of the previous record's `recordHash`; sha256 of nothing for seq 1. */
  prevHash: string;
  /** sha256:<hex> over the canonical header fields, the ciphertext digest and prevHash. */
  recordHash: string;
}

/** A record read back and decrypted. */
export interface EvidenceRecord extends EvidenceHeader {
  title: string;
  payload: unknown;
}

/** Filters for listing and exporting. All optional; times are inclusive ISO strings. */
export interface EvidenceQuery {
  kind?: EvidenceKind | EvidenceKind[];
  source?: string;
  subject?: string;
  outcome?: Outcome | Outcome[];
  /** Records that support this control (`fw:id`) or any control of this framework (`fw`). */
  control?: string;
  from?: string;
  to?: string;
  afterSeq?: number;
  limit?: number;
}
