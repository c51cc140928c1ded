/**
 * Text that goes into a report. Payload text is hostile: it may hold control
 * characters, bidirectional overrides that make a line read differently from what it
 * is, lone surrogates, or megabytes without a space. `clean` makes any string one
 * bounded line that shows what it holds; writers escape it for their format on top.
 */

// C0 and C1 controls (newlines and tabs included: every cleaned string is one line).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
/** Bidirectional embeddings, overrides, isolates and marks; zero-width characters; BOM. */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function clean(s: unknown, max = 300): string {
  let t = typeof s === 'string' ? s : s === undefined || s === null ? '' : String(s);
  // Bound first, so a megabyte string is not scanned by every expression below.
  if (t.length > max * 2 + 64) t = t.slice(0, max * 2 + 64);
  t = t.replace(LONE_SURROGATE, '\ufffd').replace(INVISIBLE, '').replace(CONTROLS, ' ').replace(/ {2,}/g, ' ').trim();
  if (t.length > max) {
    let cut = max - 1;
    // Do not cut a surrogate pair in half.
    if (/[\ud800-\udbff]/.test(t.charAt(cut - 1))) cut--;
    t = `${t.slice(0, cut)}…`;
  }
  return t;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-23 14:05 UTC`; `—` for nothing. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(Date.parse(iso));
  if (Number.isNaN(d.getTime())) return clean(iso, 40);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** `2026-11-23`. */
export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? clean(iso, 40) : new Date(t).toISOString().slice(0, 10);
}

/** `3 days`, `5 hours`, `12 minutes`. */
export function duration(seconds: number | null): string {
  if (seconds === null) return 'unknown';
  const s = Math.max(0, seconds);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (s >= 2 * 86_400) return plural(Math.floor(s / 86_400), 'day');
  if (s >= 2 * 3600) return plural(Math.floor(s / 3600), 'hour');
  return plural(Math.floor(s / 60), 'minute');
}

export const count = (n: number): string => n.toLocaleString('en-US');

export const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** `67 %` of a whole (0 when there is no whole). */
export const percent = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round((part / whole) * 100)} %`;
