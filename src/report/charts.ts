/**
 * Chart layout shared by both writers: a chart block and a box size → vector shapes
 * (rectangles, lines, polylines, text) in points, origin top left. `pdf.ts` draws them
 * with pdfkit's vector calls, `html.ts` as inline SVG, so the charts are the same
 * drawing in both formats and scale without loss.
 */
import type { Block } from './document.ts';

export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width: number }
  | { kind: 'polyline'; points: [number, number][]; stroke: string; width: number }
  | { kind: 'dot'; x: number; y: number; r: number; fill: string }
  | { kind: 'text'; x: number; y: number; text: string; size: number; color: string; anchor: 'start' | 'middle' | 'end'; bold?: boolean };

export type ChartBlock = Extract<Block, { type: 'bar-chart' | 'stacked-bars' | 'line-chart' }>;

const AXIS = '#6b7280';
const GRID = '#e5e7eb';
const TEXT = '#111827';
const FONT = 7;

/** Rough width of text in the report's sans font (average advance ≈ 0.55 em). */
export const textWidth = (s: string, size: number): number => s.length * size * 0.55;

/** A round maximum above `max` and its tick step (1, 2, 5 × 10^n). */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const whole = Math.max(1, Math.ceil(step));
  const s = max < ticks ? 1 : whole;
  return { max: Math.ceil(max / s) * s, step: s };
}

const fmt = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));

function clip(s: string, width: number, size: number): string {
  const max = Math.max(1, Math.floor(width / (size * 0.55)));
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

/** The height a chart wants at a given width. */
export function chartHeight(b: ChartBlock): number {
  if (b.type === 'stacked-bars') return 34 + Math.max(1, b.rows.length) * 15 + 18;
  return 170;
}

function title(b: ChartBlock, width: number): Shape {
  return { kind: 'text', x: 0, y: 10, text: clip(b.title, width, 9), size: 9, color: TEXT, anchor: 'start', bold: true };
}

function legend(series: readonly { name: string; color: string }[], x0: number, y: number): Shape[] {
  const out: Shape[] = [];
  let x = x0;
  for (const s of series) {
    out.push({ kind: 'rect', x, y: y - 6, w: 7, h: 7, fill: s.color });
    out.push({ kind: 'text', x: x + 10, y, text: s.name, size: FONT, color: TEXT, anchor: 'start' });
    x += 18 + textWidth(s.name, FONT);
  }
  return out;
}

function barChart(b: Extract<ChartBlock, { type: 'bar-chart' }>, width: number, height: number): Shape[] {
  const out: Shape[] = [title(b, width)];
  const left = 34;
  const top = 22;
  const bottom = height - 18;
  const plotH = bottom - top;
  const plotW = width - left - 4;
  const { max, step } = niceScale(Math.max(0, ...b.bars.map((x) => x.value)));
  for (let v = 0; v <= max; v += step) {
    const y = bottom - (v / max) * plotH;
    out.push({ kind: 'line', x1: left, y1: y, x2: left + plotW, y2: y, stroke: v === 0 ? AXIS : GRID, width: 0.5 });
    out.push({ kind: 'text', x: left - 4, y: y + 2.5, text: fmt(v), size: FONT, color: AXIS, anchor: 'end' });
  }
  const slot = plotW / Math.max(1, b.bars.length);
  const bw = Math.min(42, slot * 0.62);
  b.bars.forEach((bar, i) => {
    const h = (bar.value / max) * plotH;
    const x = left + slot * i + (slot - bw) / 2;
    if (h > 0) out.push({ kind: 'rect', x, y: bottom - h, w: bw, h, fill: bar.color });
    out.push({ kind: 'text', x: x + bw / 2, y: bottom - h - 3, text: fmt(bar.value), size: FONT, color: TEXT, anchor: 'middle' });
    out.push({ kind: 'text', x: x + bw / 2, y: bottom + 10, text: clip(bar.label, slot, FONT), size: FONT, color: TEXT, anchor: 'middle' });
  });
  return out;
}

function stackedBars(b: Extract<ChartBlock, { type: 'stacked-bars' }>, width: number): Shape[] {
  const out: Shape[] = [title(b, width), ...legend(b.series, 0, 26)];
  const labelW = Math.min(170, width * 0.34);
  const left = labelW + 6;
  const plotW = width - left - 30;
  const top = 36;
  const rowH = 15;
  const max = Math.max(1, ...b.rows.map((r) => r.values.reduce((n, v) => n + v, 0)));
  b.rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push({ kind: 'text', x: labelW, y: y + 8.5, text: clip(r.label, labelW, FONT), size: FONT, color: TEXT, anchor: 'end' });
    let x = left;
    r.values.forEach((v, j) => {
      const w = (v / max) * plotW;
      if (w > 0) out.push({ kind: 'rect', x, y: y + 1, w, h: rowH - 4, fill: b.series[j]?.color ?? AXIS });
      if (w > 12) out.push({ kind: 'text', x: x + w / 2, y: y + 8.5, text: fmt(v), size: 6.5, color: '#ffffff', anchor: 'middle' });
      x += w;
    });
    out.push({ kind: 'text', x: x + 3, y: y + 8.5, text: fmt(r.values.reduce((n, v) => n + v, 0)), size: FONT, color: AXIS, anchor: 'start' });
  });
  const axisY = top + Math.max(1, b.rows.length) * rowH + 1;
  out.push({ kind: 'line', x1: left, y1: top - 2, x2: left, y2: axisY, stroke: AXIS, width: 0.5 });
  if (b.rows.length === 0) out.push({ kind: 'text', x: left + 4, y: top + 9, text: 'no data', size: FONT, color: AXIS, anchor: 'start' });
  return out;
}

function lineChart(b: Extract<ChartBlock, { type: 'line-chart' }>, width: number, height: number): Shape[] {
  const out: Shape[] = [title(b, width), ...legend(b.series, Math.max(0, width - b.series.reduce((n, s) => n + 18 + textWidth(s.name, FONT), 0)), 10)];
  const left = 34;
  const top = 22;
  const bottom = height - 18;
  const plotH = bottom - top;
  const plotW = width - left - 8;
  const n = b.labels.length;
  const { max, step } = niceScale(Math.max(0, ...b.series.flatMap((s) => s.values)));
  for (let v = 0; v <= max; v += step) {
    const y = bottom - (v / max) * plotH;
    out.push({ kind: 'line', x1: left, y1: y, x2: left + plotW, y2: y, stroke: v === 0 ? AXIS : GRID, width: 0.5 });
    out.push({ kind: 'text', x: left - 4, y: y + 2.5, text: fmt(v), size: FONT, color: AXIS, anchor: 'end' });
  }
  if (n === 0) {
    out.push({ kind: 'text', x: left + plotW / 2, y: top + plotH / 2, text: 'no alerts in the period', size: 8, color: AXIS, anchor: 'middle' });
    return out;
  }
  const xOf = (i: number): number => (n === 1 ? left + plotW / 2 : left + (i / (n - 1)) * plotW);
  // At most about eight date labels, evenly spaced, the last one always shown.
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i++) {
    if (i % every !== 0 && i !== n - 1) continue;
    if (i !== n - 1 && n - 1 - i < every / 2) continue;
    out.push({ kind: 'line', x1: xOf(i), y1: bottom, x2: xOf(i), y2: bottom + 3, stroke: AXIS, width: 0.5 });
    out.push({ kind: 'text', x: xOf(i), y: bottom + 11, text: b.labels[i]!.slice(5), size: FONT, color: AXIS, anchor: 'middle' });
  }
  for (const s of b.series) {
    const pts: [number, number][] = s.values.map((v, i) => [xOf(i), bottom - (v / max) * plotH]);
    if (pts.length > 1) out.push({ kind: 'polyline', points: pts, stroke: s.color, width: 1.4 });
    if (pts.length <= 62) for (const [x, y] of pts) out.push({ kind: 'dot', x, y, r: 1.6, fill: s.color });
  }
  return out;
}

export function layoutChart(b: ChartBlock, width: number): { height: number; shapes: Shape[] } {
  const height = chartHeight(b);
  const shapes = b.type === 'bar-chart' ? barChart(b, width, height) : b.type === 'stacked-bars' ? stackedBars(b, width) : lineChart(b, width, height);
  return { height, shapes };
}
