/**
 * The interface every evidence importer implements (one file per source, like Syft's
 * catalogers), and what they share: the context, the limits, validation with zod into
 * one-line BAD_INPUT errors, strict timestamps, and bounded titles, subjects and payload
 * text.
 *
 * An importer is pure: it receives a parsed JSON value (the whole document, or the value
 * of one line of a JSON-lines file) and returns EvidenceDrafts. Reading bytes, strict
 * JSON parsing (size, depth, duplicate keys) and splitting lines happen before it (see
 * ingest.ts and ../readers/).
 */
import type { z } from 'zod';
import { AirlockError } from '../../common/errors.ts';
import type { ControlHints, ControlResolver } from '../controls.ts';
import type { ControlRef, EvidenceDraft, EvidenceSeverity } from '../types.ts';

/** One JSON document per input, or JSON lines (one value per line). */
export type ImporterInput = 'document' | 'lines';

export interface ImportContext {
  /** Names the input in error messages: a file name, `stdin`, `alerts.json:12`. */
  source: string;
  /** The clock for records whose input carries no time of its own. */
  now: () => Date;
  /** Turns the source's hints (signals, NIST/PCI/TSC ids, policy names) into control refs. */
  controls: ControlResolver;
}

export interface Importer {
  /** The `--type` value of `airlock evidence ingest`. */
  readonly type: string;
  /** One line for `--help` and listings. */
  readonly description: string;
  readonly input: ImporterInput;
  /** Cheap check on a parsed value, for `--type auto`; never throws. */
  detect(value: unknown): boolean;
  /** The drafts a value yields; AirlockError BAD_INPUT naming ctx.source when the value is not this type. */
  import(value: unknown, ctx: ImportContext): EvidenceDraft[];
}

/** Bounds on what one record may carry; the store and reports rely on them. */
export const LIMITS = {
  titleChars: 300,
  subjectChars: 1024,
  /** Findings kept per scan record; the rest are counted in `truncated`. */
  findingsPerRecord: 2000,
  /** Drafts one document may yield (policy results); more is refused. */
  draftsPerDocument: 100_000,
  /** Free text kept in payloads (messages, log lines, rule outputs). */
  textChars: 8192,
  /** Entries kept in payload lists and maps (tags, output fields, aliases). */
  listEntries: 256,
} as const;

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates with zod; the first problem becomes `<source>: <path>: <message>`. */
export function check<S extends z.ZodType>(schema: S, value: unknown, source: string, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<S>;
  const issue = r.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
  throw new AirlockError('BAD_INPUT', `${source}: not ${what}: ${path}: ${issue?.message ?? 'invalid'}`, {
    details: r.error.issues.slice(0, 10).map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`),
  });
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|z|[+-]\d{2}:?\d{2})$/;

/**
 * A timestamp with an explicit zone as ISO 8601 UTC with milliseconds. Accepts
 * `2024-01-10T10:15:32.123456789Z` (Falco), `...+0000` (Wazuh), `...-04:00` (Grype).
 * Returns undefined for anything else: a time without a zone is ambiguous.
 */
export function isoTime(raw: string): string | undefined {
  const m = ISO_TIME.exec(raw.trim());
  if (!m) return undefined;
  const frac = (m[7] ?? '.0').slice(0, 4).padEnd(4, '0');
  let zone = m[8]!;
  if (zone === 'z') zone = 'Z';
  else if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}${zone}`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** isoTime, or BAD_INPUT naming the field. */
export function requireTime(raw: string, source: string, field: string): string {
  const t = isoTime(raw);
  if (!t) throw new AirlockError('BAD_INPUT', `${source}: ${field}: ${JSON.stringify(raw.slice(0, 64))} is not a timestamp with a time zone`);
  return t;
}

/** Removes control characters and collapses whitespace: one printable line. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** At most `max` characters; a cut string ends with `…`. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  // Do not split a surrogate pair.
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** Free text for a payload, cut at LIMITS.textChars with the number of characters left out. */
export function boundedText(s: string, max: number = LIMITS.textChars): string {
  if (s.length <= max) return s;
  return `${clip(s, max)} (${s.length - max + 1} more characters)`;
}

export function title(s: string): string {
  return clip(oneLine(s), LIMITS.titleChars) || '(untitled)';
}

/**
 * `<type>:<id>` within LIMITS.subjectChars. An overlong id keeps its head and gets a
 * hash of the whole, so two long subjects that share a prefix stay distinct.
 */
export function subject(type: string, id: string): string {
  const s = `${type}:${oneLine(id) || 'unknown'}`;
  if (s.length <= LIMITS.subjectChars) return s;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  const tag = `…#${h.toString(16).padStart(8, '0')}${s.length}`;
  return clip(s, LIMITS.subjectChars - tag.length + 1).slice(0, -1) + tag;
}

/**
 * A JSON value bounded for a payload: strings cut, arrays and objects limited to
 * LIMITS.listEntries entries (the count of those left out is kept), nesting cut at
 * `depth` (deeper values become the string "(nested too deep)").
 */
export function boundedJson(v: unknown, depth = 6, textMax = 4096): unknown {
  if (typeof v === 'string') return boundedText(v, textMax);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === null || typeof v === 'boolean') return v;
  if (depth <= 0) return '(nested too deep)';
  if (Array.isArray(v)) {
    const out = v.slice(0, LIMITS.listEntries).map((x) => boundedJson(x, depth - 1, textMax));
    if (v.length > LIMITS.listEntries) out.push(`(${v.length - LIMITS.listEntries} more entries)`);
    return out;
  }
  if (isObj(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    const out: Obj = {};
    // defineProperty: a key named __proto__ (JSON.parse makes it an own property) stays data.
    for (const k of keys.slice(0, LIMITS.listEntries)) {
      Object.defineProperty(out, clip(k, 256), { value: boundedJson(v[k], depth - 1, textMax), enumerable: true, writable: true, configurable: true });
    }
    if (keys.length > LIMITS.listEntries) out['(more keys)'] = keys.length - LIMITS.listEntries;
    return out;
  }
  return null;
}

/** Strings of a list, bounded in count and length. */
export function boundedList(list: readonly string[] | undefined, max: number = LIMITS.listEntries, chars = 256): string[] {
  return (list ?? []).slice(0, max).map((s) => clip(s, chars));
}

const SEVERITY_RANK: Record<EvidenceSeverity, number> = { info: 0, unknown: 1, low: 2, medium: 3, high: 4, critical: 5 };

/** Severity words of scanners and policy engines (CRITICAL, High, Moderate, Negligible, info, UNKNOWN, ...) as EvidenceSeverity. */
export function severityWord(raw: string | undefined): EvidenceSeverity {
  switch ((raw ?? '').trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
      return 'low';
    case 'negligible':
    case 'none':
    case 'info':
    case 'informational':
      return 'info';
    default:
      return 'unknown';
  }
}

export function severityRank(s: EvidenceSeverity): number {
  return SEVERITY_RANK[s];
}

/** The highest of the given severities (critical > high > medium > low > unknown > info); `info` for none. */
export function maxSeverity(list: Iterable<EvidenceSeverity>): EvidenceSeverity {
  let best: EvidenceSeverity = 'info';
  for (const s of list) if (SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
  return best;
}

/** A draft before its controls are resolved: the source's hints instead of control refs. */
export interface DraftFields extends Pick<EvidenceDraft, 'kind' | 'source' | 'subject' | 'observedAt' | 'outcome' | 'severity' | 'title' | 'payload'> {
  hints: ControlHints;
}

/** Builds a draft: bounded title and subject, controls resolved (sorted and unique). */
export function draft(f: DraftFields, ctx: ImportContext): EvidenceDraft {
  const controls: ControlRef[] = ctx.controls.resolve(f.hints);
  return {
    kind: f.kind,
    source: f.source,
    // Importers build subjects with subject(); the clip only guards against one that did not.
    subject: clip(f.subject, LIMITS.subjectChars),
    observedAt: f.observedAt,
    outcome: f.outcome,
    severity: f.severity,
    controls,
    title: title(f.title),
    payload: f.payload,
  };
}

/** ctx.now() as ISO 8601 UTC. */
export function nowIso(ctx: ImportContext): string {
  return ctx.now().toISOString();
}
