/**
 * `falco`: Falco events as Falco writes them with `json_output: true` (one JSON object
 * per line in a file or on stdout), as `http_output` posts them (the same object as the
 * request body), and as falcosidekick's webhook output forwards them (the same object,
 * plus `uuid`). An array of events is accepted as one document too.
 *
 * One `runtime-alert` record per event, outcome `alert`:
 * - severity from `priority`: Emergency, Alert, Critical → critical; Error → high;
 *   Warning → medium; Notice → low; Informational (Info), Debug → info;
 * - subject from `output_fields`: `k8s:<k8s.ns.name>/Pod/<k8s.pod.name>` when both are
 *   set (for Kubernetes audit events, the target pod `ka.target.namespace`/`ka.target.name`),
 *   else `container:<container.id>` (Falco writes `host` for events outside
 *   containers), else `host:<hostname>`;
 * - controls: the `runtime-threat-detection` and `audit-logging` signals, plus the rule's
 *   compliance tags: `NIST_800-53_<id>` (any spelling the resolver accepts, for example
 *   `NIST_800-53_AU-2`, `NIST_800-53_SI-4(2)`) and `PCI_DSS_<requirement>` (PCI DSS
 *   3.2.1 numbering, as these tags use, translated to 4.0). MITRE ATT&CK tags
 *   (`mitre_<tactic>`, `T1059`, `T1059.004`) are kept in the payload.
 */
import { z } from 'zod';
import { AirlockError } from '../../common/errors.ts';
import type { EvidenceDraft, EvidenceSeverity } from '../types.ts';
import { LIMITS, boundedJson, boundedList, boundedText, check, clip, draft, isObj, requireTime, subject, type ImportContext, type Importer } from './importer.ts';

const str = z.string().max(1_048_576);

const PRIORITIES: Record<string, EvidenceSeverity> = {
  emergency: 'critical',
  alert: 'critical',
  critical: 'critical',
  error: 'high',
  warning: 'medium',
  notice: 'low',
  informational: 'info',
  info: 'info',
  debug: 'info',
};

const eventSchema = z.object({
  time: str,
  rule: str.min(1),
  priority: str.refine((p) => PRIORITIES[p.trim().toLowerCase()] !== undefined, 'must be a Falco priority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug)'),
  output: str.optional(),
  output_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  tags: z.array(str).nullable().optional(),
  hostname: str.optional(),
  source: str.optional(),
  uuid: str.optional(),
});

type FalcoEvent = z.infer<typeof eventSchema>;

/** A field value Falco actually resolved (not null, empty or `<NA>`). */
function field(fields: Record<string, unknown>, name: string): string | undefined {
  const v = fields[name];
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s === '' || s === '<NA>' ? undefined : s;
}

function eventSubject(e: FalcoEvent): string {
  const fields = e.output_fields ?? {};
  const ns = field(fields, 'k8s.ns.name');
  const pod = field(fields, 'k8s.pod.name');
  if (ns && pod) return subject('k8s', `${ns}/Pod/${pod}`);
  // Kubernetes audit events (source k8s_audit) name their target instead.
  const tns = field(fields, 'ka.target.namespace');
  const tname = field(fields, 'ka.target.name');
  if (tns && tname && field(fields, 'ka.target.resource') === 'pods') return subject('k8s', `${tns}/Pod/${tname}`);
  const container = field(fields, 'container.id');
  if (container && container !== 'host') return subject('container', container);
  const host = e.hostname?.trim() || field(fields, 'evt.hostname');
  return subject('host', host ?? 'unknown');
}

export interface FalcoTags {
  nist: string[];
  pci: string[];
  tactics: string[];
  techniques: string[];
}

/** Compliance and ATT&CK ids in a Falco rule's tags. */
export function parseFalcoTags(tags: readonly string[]): FalcoTags {
  const out: FalcoTags = { nist: [], pci: [], tactics: [], techniques: [] };
  for (const raw of tags) {
    const t = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^NIST[_-]?800[_-]53[_-](.+)$/i.exec(t))) out.nist.push(m[1]!);
    else if ((m = /^PCI[_-]?DSS[_-](\d[\d.]*)$/i.exec(t))) out.pci.push(m[1]!);
    else if ((m = /^mitre_(.+)$/i.exec(t))) out.tactics.push(m[1]!.toLowerCase());
    else if (/^T\d{4}(\.\d{3})?$/.test(t)) out.techniques.push(t);
  }
  return out;
}

function eventDraft(e: FalcoEvent, ctx: ImportContext, where: string): EvidenceDraft {
  const priority = e.priority.trim();
  const severity = PRIORITIES[priority.toLowerCase()]!;
  const tags = e.tags ?? [];
  const parsed = parseFalcoTags(tags.slice(0, LIMITS.listEntries));
  return draft(
    {
      kind: 'runtime-alert',
      source: 'falco',
      subject: eventSubject(e),
      observedAt: requireTime(e.time, where, 'time'),
      outcome: 'alert',
      severity,
      hints: { signals: ['runtime-threat-detection', 'audit-logging'], nist80053: parsed.nist, pciDss321: parsed.pci },
      title: `Falco ${priority}: ${e.rule}`,
      payload: {
        rule: clip(e.rule, 512),
        priority,
        ...(e.source ? { source: clip(e.source, 64) } : {}),
        ...(e.hostname ? { hostname: clip(e.hostname, 256) } : {}),
        ...(e.uuid ? { uuid: clip(e.uuid, 64) } : {}),
        output: boundedText(e.output ?? ''),
        outputFields: boundedJson(e.output_fields ?? {}, 3),
        tags: boundedList(tags),
        mitre: { tactics: parsed.tactics, techniques: parsed.techniques },
      },
    },
    ctx,
  );
}

export const falcoImporter: Importer = {
  type: 'falco',
  description: 'Falco JSON events (json_output lines, http_output or falcosidekick webhook bodies): one runtime-alert record per event',
  input: 'lines',
  detect: (v) => {
    const e = Array.isArray(v) ? v[0] : v;
    return isObj(e) && typeof e.rule === 'string' && typeof e.priority === 'string' && typeof e.time === 'string';
  },
  import(value: unknown, ctx: ImportContext) {
    const events = Array.isArray(value) ? value : [value];
    if (events.length > LIMITS.draftsPerDocument) {
      throw new AirlockError('BAD_INPUT', `${ctx.source}: more than ${LIMITS.draftsPerDocument} Falco events in one document; split it`);
    }
    return events.map((ev, i) => {
      const where = Array.isArray(value) ? `${ctx.source}: [${i}]` : ctx.source;
      return eventDraft(check(eventSchema, ev, where, 'a Falco event'), ctx, where);
    });
  },
};
