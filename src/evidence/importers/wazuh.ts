/**
 * `wazuh`: Wazuh manager alerts as written to `alerts.json` (one JSON object per line;
 * the same objects Wazuh's integrations post). One `host-alert` record per alert,
 * outcome `alert`.
 *
 * Severity from `rule.level`, in the bands of Wazuh's dashboard (low 0-6, medium 7-11,
 * high 12-14, critical 15+) with the levels Wazuh's rules classification calls without
 * security relevance or routine split off as info:
 *   0-3 info (ignored, system notification, successful/authorised events),
 *   4-6 low (low priority errors, user errors, low relevance attacks),
 *   7-11 medium ("bad word", first time seen, invalid source, multiple errors, integrity warning),
 *   12-14 high (high importance events, unusual errors, high importance security events),
 *   15-16 critical (severe attack).
 *
 * Subject: `host:<agent.name>` (agent 000 is the manager itself), else
 * `host:<manager.name>`. Controls: the `intrusion-detection`, `audit-review` and
 * `audit-logging` signals; `integrity-monitoring` for syscheck (FIM) alerts,
 * `vulnerability-scanning` for vulnerability-detector alerts, `configuration-policy`
 * for SCA alerts; and the rule's own tags: `rule.nist_800_53` (Wazuh writes `AU.6`),
 * `rule.pci_dss` (PCI DSS 3.2.1 numbering, translated to 4.0) and `rule.tsc` (SOC 2).
 */
import { z } from 'zod';
import type { Signal } from '../signals.ts';
import type { EvidenceSeverity } from '../types.ts';
import { LIMITS, boundedJson, boundedList, boundedText, check, clip, draft, isObj, requireTime, subject, type ImportContext, type Importer } from './importer.ts';

const str = z.string().max(1_048_576);
const ids = z.array(z.union([str, z.number()]).transform(String)).optional();

const ruleSchema = z.object({
  level: z.number().int().min(0).max(16),
  description: str.min(1),
  id: z.union([str.min(1), z.number().int()]).transform(String),
  groups: z.array(str).default([]),
  firedtimes: z.number().int().optional(),
  mitre: z.object({ id: ids, tactic: ids, technique: ids }).optional(),
  pci_dss: ids,
  gdpr: ids,
  hipaa: ids,
  nist_800_53: ids,
  tsc: ids,
  gpg13: ids,
});

const alertSchema = z.object({
  timestamp: str,
  rule: ruleSchema,
  agent: z.object({ id: str, name: str.min(1), ip: str.optional() }).optional(),
  manager: z.object({ name: str.min(1) }).optional(),
  id: str.optional(),
  full_log: str.optional(),
  location: str.optional(),
  decoder: z.object({ name: str.optional(), parent: str.optional() }).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  syscheck: z.record(z.string(), z.unknown()).optional(),
});

/** Wazuh rule level to severity (see the header for the bands). */
export function wazuhSeverity(level: number): EvidenceSeverity {
  if (level >= 15) return 'critical';
  if (level >= 12) return 'high';
  if (level >= 7) return 'medium';
  if (level >= 4) return 'low';
  return 'info';
}

function signalsFor(groups: readonly string[]): Signal[] {
  const out: Signal[] = ['intrusion-detection', 'audit-review', 'audit-logging'];
  if (groups.some((g) => g === 'syscheck' || g.startsWith('syscheck_'))) out.push('integrity-monitoring');
  if (groups.includes('vulnerability-detector')) out.push('vulnerability-scanning');
  if (groups.includes('sca')) out.push('configuration-policy');
  return out;
}

const list = (v: readonly string[] | undefined): string[] => boundedList(v, 64, 128);

export const wazuhImporter: Importer = {
  type: 'wazuh',
  description: 'Wazuh alerts.json (JSON lines): one host-alert record per alert',
  input: 'lines',
  detect: (v) => isObj(v) && typeof v.timestamp === 'string' && isObj(v.rule) && typeof v.rule.level === 'number',
  import(value: unknown, ctx: ImportContext) {
    const a = check(alertSchema, value, ctx.source, 'a Wazuh alert');
    const r = a.rule;
    const host = a.agent?.name ?? a.manager?.name ?? 'unknown';
    return [
      draft(
        {
          kind: 'host-alert',
          source: 'wazuh',
          subject: subject('host', host),
          observedAt: requireTime(a.timestamp, ctx.source, 'timestamp'),
          outcome: 'alert',
          severity: wazuhSeverity(r.level),
          hints: {
            signals: signalsFor(r.groups),
            nist80053: (r.nist_800_53 ?? []).slice(0, LIMITS.listEntries),
            pciDss321: (r.pci_dss ?? []).slice(0, LIMITS.listEntries),
            tsc: (r.tsc ?? []).slice(0, LIMITS.listEntries),
          },
          title: `Wazuh rule ${r.id} (level ${r.level}): ${r.description}`,
          payload: {
            ...(a.id ? { alertId: clip(a.id, 64) } : {}),
            rule: {
              id: clip(r.id, 32),
              level: r.level,
              description: boundedText(r.description, 1024),
              groups: list(r.groups),
              ...(r.firedtimes !== undefined ? { firedtimes: r.firedtimes } : {}),
              ...(r.mitre ? { mitre: { id: list(r.mitre.id), tactic: list(r.mitre.tactic), technique: list(r.mitre.technique) } } : {}),
              ...(r.pci_dss ? { pci_dss: list(r.pci_dss) } : {}),
              ...(r.nist_800_53 ? { nist_800_53: list(r.nist_800_53) } : {}),
              ...(r.tsc ? { tsc: list(r.tsc) } : {}),
              ...(r.gdpr ? { gdpr: list(r.gdpr) } : {}),
              ...(r.hipaa ? { hipaa: list(r.hipaa) } : {}),
            },
            ...(a.agent ? { agent: boundedJson({ id: a.agent.id, name: a.agent.name, ip: a.agent.ip }) } : {}),
            ...(a.manager ? { manager: clip(a.manager.name, 256) } : {}),
            ...(a.location ? { location: clip(a.location, 1024) } : {}),
            ...(a.decoder?.name ? { decoder: clip(a.decoder.name, 128) } : {}),
            ...(a.full_log !== undefined ? { fullLog: boundedText(a.full_log) } : {}),
            ...(a.data ? { data: boundedJson(a.data, 4) } : {}),
            ...(a.syscheck ? { syscheck: boundedJson(a.syscheck, 3) } : {}),
          },
        },
        ctx,
      ),
    ];
  },
};
