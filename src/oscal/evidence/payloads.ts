/**
 * The parts of evidence payloads the OSCAL documents show that the assessment does not
 * read (src/evidence/assessment/payloads.ts reads findings, policies and alert rules):
 * what a scan scanned (kind, digest, image id, OS, package count, scanner version) for
 * the SSP's inventory, and an alert's own line (Falco's output, Wazuh's full_log) for
 * the observation's remarks. Defensive like the assessment's readers: anything
 * unexpected gives undefined, and the document shows less detail.
 */
import type { EvidenceRecord } from '../../evidence/types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 1024): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.slice(0, max) : undefined);

export interface ScanTarget {
  scanner: string;
  scannerVersion?: string;
  kind: string;
  name: string;
  digest?: string;
  imageId?: string;
  os?: string;
  /** Packages found, when the report says (Trivy without --list-all-pkgs and Grype do not). */
  packages: number | null;
}

/** What a `vulnerability-scan` record scanned. */
export function scanTarget(r: EvidenceRecord): ScanTarget | undefined {
  const p = r.payload;
  if (r.kind !== 'vulnerability-scan' || !isObj(p) || !isObj(p.target) || !isObj(p.scanner)) return undefined;
  const name = str(p.target.name);
  if (!name) return undefined;
  const packages = isObj(p.summary) && typeof p.summary.packages === 'number' && Number.isInteger(p.summary.packages) && p.summary.packages >= 0 ? p.summary.packages : null;
  const os = isObj(p.os) ? str(p.os.name, 64) : undefined;
  const osVersion = isObj(p.os) ? str(p.os.version, 64) : undefined;
  const t: ScanTarget = { scanner: str(p.scanner.name, 128) ?? r.source, kind: str(p.target.kind, 64) ?? 'unknown', name, packages };
  const version = str(p.scanner.version, 64);
  if (version) t.scannerVersion = version;
  const digest = str(p.target.digest, 128);
  if (digest) t.digest = digest;
  const imageId = str(p.target.imageId, 128);
  if (imageId) t.imageId = imageId;
  if (os) t.os = osVersion ? `${os} ${osVersion}` : os;
  return t;
}

/** An alert's own line: Falco's `output`, Wazuh's `full_log`. */
export function alertDetail(r: EvidenceRecord): string | undefined {
  const p = r.payload;
  if (!isObj(p)) return undefined;
  if (r.kind === 'runtime-alert') return str(p.output, 8192);
  if (r.kind === 'host-alert') return str(p.fullLog, 8192);
  return undefined;
}
