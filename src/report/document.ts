/**
 * The report as a format-neutral document: a cover, sections of blocks (paragraphs,
 * key figures, tables, charts as data), a footer line. `build.ts` decides the content
 * once; `pdf.ts` and `html.ts` only lay it out, so the two formats say the same thing.
 * Every string taken from evidence has been through `clean()` (text.ts): one line, no
 * control or bidirectional-override characters, bounded length. A cell may hold
 * line breaks the builder put there itself (`\n`).
 */

export type Tone = 'normal' | 'good' | 'bad' | 'warn' | 'muted';

export interface RichCell {
  text: string;
  tone?: Tone;
  mono?: boolean;
  /** A colour swatch drawn before the text (severity, status). */
  swatch?: string;
}
export type Cell = string | RichCell;

export interface Column {
  header: string;
  /** Relative width. */
  width: number;
  align?: 'left' | 'right';
  mono?: boolean;
}

export interface Series {
  name: string;
  color: string;
}

export type Block =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string; tone?: Tone }
  /** Something the reader must not miss (a stale vulnerability DB). */
  | { type: 'warning'; text: string }
  /** Key figures in a row of boxes. */
  | { type: 'figures'; items: { label: string; value: string; tone?: Tone }[] }
  | { type: 'fields'; rows: { label: string; value: string; mono?: boolean }[] }
  | { type: 'table'; columns: Column[]; rows: Cell[][]; empty: string }
  | { type: 'bar-chart'; title: string; bars: { label: string; value: number; color: string }[] }
  | { type: 'stacked-bars'; title: string; series: Series[]; rows: { label: string; values: number[] }[] }
  | { type: 'line-chart'; title: string; labels: string[]; series: (Series & { values: number[] })[] };

export interface Section {
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  /** PDF metadata and the HTML <title>. */
  info: { title: string; author: string; subject: string; keywords: string; creationDate: string };
  cover: { title: string; subtitle: string; organization: string; fields: { label: string; value: string; mono?: boolean }[]; blocks: Block[] };
  sections: Section[];
  /** Printed at the foot of every page (with the page number). */
  footer: string;
}

export const SEVERITY_COLORS: Record<string, string> = {
  critical: '#7f1d1d',
  high: '#dc2626',
  medium: '#f59e0b',
  low: '#facc15',
  unknown: '#9ca3af',
  info: '#93c5fd',
};

export const STATUS_COLORS = { satisfied: '#16a34a', 'not-satisfied': '#dc2626', 'not-assessed': '#9ca3af' } as const;

export const TONE_COLORS: Record<Tone, string> = { normal: '#111827', good: '#15803d', bad: '#b91c1c', warn: '#b45309', muted: '#6b7280' };

export const cellText = (c: Cell): string => (typeof c === 'string' ? c : c.text);
