/**
 * Reads the parts of decrypted payloads the assessment needs, defensively: payloads
 * were checked when imported, but a store outlives importer versions, so anything
 * unexpected yields `undefined` (the record then counts by its header alone) rather
 * than an exception. Shapes: `importers/scan-payload.ts` (vulnerability-scan),
 * `importers/policy-report.ts` (policy-result), `importers/falco.ts` (runtime-alert),
 * `importers/wazuh.ts` (host-alert).
 */
import type { EvidenceSeverity } from '../types.ts';
import { isSeverity } from './values.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 8192): string | undefined => (typeof v === 'string' ? (v.length > max ? v.slice(0, max) : v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown, max = 64): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, max) : []);

export interface ScanFindingView {
  id: string;
  aliases: string[];
  package: { name: string; version: string; type?: string; purl?: string };
  fixedVersions: string[];
  severity: EvidenceSeverity;
  cvssScore?: number;
  status?: string;
  suppressed: boolean;
}

export interface ScanView {
  scanner: string;
  target: string;
  dbBuiltAt: string | null;
  /** Open findings by severity as the summary counts them (all, also those left out). */
  open: Record<EvidenceSeverity, number>;
  suppressed: number;
  truncated: number;
  findings: ScanFindingView[];
}

function finding(v: unknown): ScanFindingView | undefined {
  if (!isObj(v) || !isObj(v.package)) return undefined;
  const id = str(v.id, 256);
  const name = str(v.package.name, 512);
  const version = str(v.package.version, 256);
  if (!id || name === undefined || version === undefined || !isSeverity(v.severity)) return undefined;
  const type = str(v.package.type, 64);
  const purl = str(v.package.purl, 1024);
  const cvss = num(v.cvssScore);
  const status = str(v.status, 64);
  return {
    id,
    aliases: strings(v.aliases, 32),
    package: { name, version, ...(type ? { type } : {}), ...(purl ? { purl } : {}) },
    fixedVersions: strings(v.fixedVersions, 32),
    severity: v.severity,
    ...(cvss !== undefined ? { cvssScore: cvss } : {}),
    ...(status ? { status } : {}),
    suppressed: isObj(v.suppressed),
  };
}

export function readScan(payload: unknown): ScanView | undefined {
  if (!isObj(payload) || !isObj(payload.summary) || !Array.isArray(payload.findings)) return undefined;
  const s = payload.summary;
  const by = isObj(s.bySeverity) ? s.bySeverity : {};
  const open = { unknown: 0, info: 0, low: 0, medium: 0, high: 0, critical: 0 };
  for (const k of Object.keys(open) as EvidenceSeverity[]) open[k] = Math.max(0, Math.trunc(num(by[k]) ?? 0));
  const findings: ScanFindingView[] = [];
  for (const f of payload.findings) {
    const v = finding(f);
    if (v) findings.push(v);
  }
  const db = isObj(payload.db) ? str(payload.db.builtAt, 64) : undefined;
  const dbOk = db !== undefined && Number.isFinite(Date.parse(db));
  return {
    scanner: (isObj(payload.scanner) ? str(payload.scanner.name, 128) : undefined) ?? 'unknown',
    target: (isObj(payload.target) ? str(payload.target.name, 1024) : undefined) ?? '',
    dbBuiltAt: dbOk ? new Date(Date.parse(db)).toISOString() : null,
    open,
    suppressed: Math.max(0, Math.trunc(num(s.suppressed) ?? 0)),
    truncated: isObj(payload.truncated) ? Math.max(0, Math.trunc(num(payload.truncated.findings) ?? 0)) : 0,
    findings,
  };
}

export interface PolicyView {
  policy: string;
  rule?: string;
  message: string;
  category?: string;
}

export function readPolicy(payload: unknown): PolicyView | undefined {
  if (!isObj(payload)) return undefined;
  const policy = str(payload.policy, 256);
  if (!policy) return undefined;
  const rule = str(payload.rule, 256);
  const category = str(payload.category, 256);
  return { policy, ...(rule ? { rule } : {}), message: str(payload.message, 2048) ?? '', ...(category ? { category } : {}) };
}

export interface AlertView {
  rule: string;
  description: string;
}

/** Falco: the rule name. Wazuh: the rule id, with its description. */
export function readAlert(kind: 'runtime-alert' | 'host-alert', payload: unknown): AlertView | undefined {
  if (!isObj(payload)) return undefined;
  if (kind === 'runtime-alert') {
    const rule = str(payload.rule, 512);
    return rule ? { rule, description: rule } : undefined;
  }
  if (!isObj(payload.rule)) return undefined;
  const id = str(payload.rule.id, 32) ?? (num(payload.rule.id) !== undefined ? String(payload.rule.id) : undefined);
  if (!id) return undefined;
  return { rule: id, description: str(payload.rule.description, 1024) ?? '' };
}
