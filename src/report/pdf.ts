/**
 * The PDF writer (pdfkit): A4, the DejaVu fonts shipped in content/fonts (Unicode, so
 * Cyrillic control ids print; the PDF standard fonts cannot), charts as vector
 * drawings, tables that break across pages with their header repeated, a bookmark per
 * section, and a footer with the store id and "page N of M" on every page.
 *
 * Deterministic: the document's creation date is the report's generation time and
 * pdfkit derives the file id from the document info, so the same data and the same
 * `--generated-at` give the same bytes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type PDFDocument from 'pdfkit';
import { AirlockError } from '../common/errors.ts';
import { layoutChart, type ChartBlock, type Shape } from './charts.ts';
import { TONE_COLORS, type Block, type Cell, type Column, type ReportDocument, type RichCell } from './document.ts';

export interface PdfFonts {
  sans: string;
  bold: string;
  mono: string;
}

const FONT_FILES: Record<keyof PdfFonts, string> = { sans: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' };

/** The font files in `<content>/fonts`, checked to exist. */
export function fontsIn(contentDir: string): PdfFonts {
  const out = {} as PdfFonts;
  for (const [k, f] of Object.entries(FONT_FILES) as [keyof PdfFonts, string][]) {
    const p = join(contentDir, 'fonts', f);
    if (!existsSync(p)) throw new AirlockError('NOT_FOUND', `${p}: font missing; PDF reports need the DejaVu fonts of content/fonts (or write --format html)`);
    out[k] = p;
  }
  return out;
}

const PAGE = { width: 595.28, height: 841.89 };
const M = { top: 54, bottom: 54, left: 42, right: 42 };
const CONTENT_W = PAGE.width - M.left - M.right;
const BODY = 8.5;
const CELL = 7.2;
const CELL_MONO = 6.6;
const PAD = 3;
const DARK = '#1f2937';

type Doc = InstanceType<typeof PDFDocument>;

class Writer {
  readonly doc: Doc;
  readonly f: PdfFonts;

  constructor(doc: Doc, fonts: PdfFonts) {
    this.doc = doc;
    this.f = fonts;
  }

  get bottom(): number {
    return PAGE.height - M.bottom;
  }

  /** Starts a new page unless `h` points still fit on this one. */
  need(h: number): void {
    if (this.doc.y + h > this.bottom) this.doc.addPage();
  }

  text(s: string, o: { font?: string; size?: number; color?: string; x?: number; width?: number; gap?: number } = {}): void {
    const d = this.doc;
    d.font(o.font ?? this.f.sans).fontSize(o.size ?? BODY).fillColor(o.color ?? TONE_COLORS.normal);
    d.text(s, o.x ?? M.left, d.y, { width: o.width ?? CONTENT_W, lineGap: 1.5 });
    d.y += o.gap ?? 4;
  }

  heading(s: string, size: number): void {
    this.need(size * 3);
    this.doc.y += size * 0.4;
    this.text(s, { font: this.f.bold, size, color: DARK, gap: size * 0.35 });
  }

  sectionTitle(s: string): void {
    const d = this.doc;
    this.text(s, { font: this.f.bold, size: 15, color: DARK, gap: 2 });
    d.moveTo(M.left, d.y).lineTo(M.left + CONTENT_W, d.y).lineWidth(1.2).strokeColor(DARK).stroke();
    d.y += 8;
  }

  warning(s: string): void {
    const d = this.doc;
    d.font(this.f.bold).fontSize(10);
    const h = d.heightOfString(s, { width: CONTENT_W - 24, lineGap: 1.5 }) + 20;
    this.need(h + 6);
    const y = d.y;
    d.rect(M.left, y, CONTENT_W, h).fillColor('#fef2f2').fill();
    d.rect(M.left, y, CONTENT_W, h).lineWidth(2.5).strokeColor('#b91c1c').stroke();
    d.fillColor('#7f1d1d').text(s, M.left + 12, y + 10, { width: CONTENT_W - 24, lineGap: 1.5 });
    d.y = y + h + 8;
  }

  figures(items: { label: string; value: string; tone?: keyof typeof TONE_COLORS }[]): void {
    const d = this.doc;
    const gap = 6;
    const perRow = Math.min(items.length, 6);
    const w = (CONTENT_W - gap * (perRow - 1)) / perRow;
    const h = 44;
    for (let i = 0; i < items.length; i += perRow) {
      this.need(h + gap);
      const y = d.y;
      items.slice(i, i + perRow).forEach((it, j) => {
        const x = M.left + j * (w + gap);
        d.roundedRect(x, y, w, h, 3).lineWidth(0.7).strokeColor('#d1d5db').stroke();
        d.font(this.f.bold).fontSize(15).fillColor(TONE_COLORS[it.tone ?? 'normal']).text(it.value, x + 7, y + 7, { width: w - 14, lineBreak: false, ellipsis: true });
        d.font(this.f.sans).fontSize(7).fillColor(TONE_COLORS.muted).text(it.label, x + 7, y + 28, { width: w - 14, lineBreak: false, ellipsis: true });
      });
      d.y = y + h + gap + 4;
    }
  }

  fields(rows: { label: string; value: string; mono?: boolean }[], labelW = 150): void {
    const d = this.doc;
    for (const r of rows) {
      const font = r.mono ? this.f.mono : this.f.sans;
      const size = r.mono ? BODY - 0.8 : BODY;
      d.font(this.f.bold).fontSize(BODY);
      const lh = d.heightOfString(r.label, { width: labelW - 8 });
      d.font(font).fontSize(size);
      const h = Math.max(d.heightOfString(r.value, { width: CONTENT_W - labelW, lineGap: 1.5 }), lh, 10);
      this.need(h + 4);
      const y = d.y;
      d.font(this.f.bold).fontSize(BODY).fillColor('#374151').text(r.label, M.left, y, { width: labelW - 8 });
      d.font(font).fontSize(size).fillColor(TONE_COLORS.normal).text(r.value, M.left + labelW, y, { width: CONTENT_W - labelW, lineGap: 1.5 });
      d.y = y + h + 4;
    }
    d.y += 4;
  }

  #cellFont(c: RichCell, col: Column): [string, number] {
    return c.mono ?? col.mono ? [this.f.mono, CELL_MONO] : [this.f.sans, CELL];
  }

  /**
   * Breaks text into lines of at most `width` in the current font: at spaces, and inside
   * a word only when the word alone is wider than the line (hashes, digests). pdfkit's
   * own wrapper would measure every cell twice (once for its height, once to draw it);
   * this measures each word once (pdfkit caches a word's layout) and draws line by line.
   */
  #wrap(text: string, width: number): { text: string; width: number }[] {
    const d = this.doc;
    const out: { text: string; width: number }[] = [];
    const space = d.widthOfString(' ');
    for (const para of text.split('\n')) {
      let line = '';
      let lineW = 0;
      const push = () => {
        out.push({ text: line, width: lineW });
        line = '';
        lineW = 0;
      };
      for (const word of para.split(' ')) {
        if (word === '') continue;
        const ww = d.widthOfString(word);
        if (line !== '' && lineW + space + ww <= width) {
          line += ` ${word}`;
          lineW += space + ww;
          continue;
        }
        if (line !== '') push();
        if (ww <= width) {
          line = word;
          lineW = ww;
          continue;
        }
        // A word wider than the line: break it between characters.
        for (const ch of word) {
          const cw = d.widthOfString(ch);
          if (line !== '' && lineW + cw > width) push();
          line += ch;
          lineW += cw;
        }
      }
      push();
    }
    return out.length > 0 ? out : [{ text: '', width: 0 }];
  }

  table(columns: Column[], rows: Cell[][], empty: string): void {
    const d = this.doc;
    if (rows.length === 0) {
      this.text(empty, { color: TONE_COLORS.muted });
      return;
    }
    const total = columns.reduce((n, c) => n + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * CONTENT_W);
    const xs = widths.map((_, i) => M.left + widths.slice(0, i).reduce((n, w) => n + w, 0));
    const header = (): void => {
      d.font(this.f.bold).fontSize(CELL);
      const h = Math.max(...columns.map((c, i) => d.heightOfString(c.header, { width: widths[i]! - 2 * PAD }))) + 2 * PAD;
      const y = d.y;
      d.rect(M.left, y, CONTENT_W, h).fillColor(DARK).fill();
      columns.forEach((c, i) => d.fillColor('#ffffff').text(c.header, xs[i]! + PAD, y + PAD, { width: widths[i]! - 2 * PAD, align: c.align ?? 'left' }));
      d.y = y + h;
    };
    const headerH = 2 * PAD + 2 * CELL;
    this.need(headerH + 20);
    header();
    rows.forEach((row, ri) => {
      const cells = columns.map((col, i) => {
        const raw = row[i] ?? '';
        const c = typeof raw === 'string' ? { text: raw } : raw;
        const [font, size] = this.#cellFont(c, col);
        const swatch = c.swatch ? 8 : 0;
        const w = widths[i]! - 2 * PAD - swatch;
        d.font(font).fontSize(size);
        return { c, font, size, w, swatch, lines: this.#wrap(c.text, w), lineH: d.currentLineHeight(true) };
      });
      const h = Math.max(...cells.map((x) => x.lines.length * x.lineH)) + 2 * PAD;
      if (d.y + h > this.bottom) {
        d.addPage();
        header();
      }
      const y = d.y;
      if (ri % 2 === 1) d.rect(M.left, y, CONTENT_W, h).fillColor('#f3f4f6').fill();
      cells.forEach((x, i) => {
        if (x.c.swatch) d.rect(xs[i]! + PAD, y + PAD + 1.2, 5.5, 5.5).fillColor(x.c.swatch).fill();
        const right = columns[i]!.align === 'right';
        const left = xs[i]! + PAD + x.swatch;
        d.font(x.font).fontSize(x.size).fillColor(TONE_COLORS[x.c.tone ?? 'normal']);
        x.lines.forEach((l, k) => {
          if (l.text !== '') d.text(l.text, right ? left + x.w - l.width : left, y + PAD + k * x.lineH, { lineBreak: false });
        });
      });
      d.moveTo(M.left, y + h).lineTo(M.left + CONTENT_W, y + h).lineWidth(0.3).strokeColor('#d1d5db').stroke();
      d.y = y + h;
    });
    d.y += 8;
  }

  chart(b: ChartBlock): void {
    const d = this.doc;
    const { height, shapes } = layoutChart(b, CONTENT_W);
    this.need(height + 10);
    const x0 = M.left;
    const y0 = d.y;
    for (const s of shapes) this.#shape(s, x0, y0);
    d.y = y0 + height + 12;
  }

  #shape(s: Shape, x0: number, y0: number): void {
    const d = this.doc;
    switch (s.kind) {
      case 'rect':
        d.rect(x0 + s.x, y0 + s.y, s.w, s.h).fillColor(s.fill).fill();
        break;
      case 'line':
        d.moveTo(x0 + s.x1, y0 + s.y1).lineTo(x0 + s.x2, y0 + s.y2).lineWidth(s.width).strokeColor(s.stroke).stroke();
        break;
      case 'polyline': {
        const [first, ...rest] = s.points;
        if (!first) break;
        d.moveTo(x0 + first[0], y0 + first[1]);
        for (const [x, y] of rest) d.lineTo(x0 + x, y0 + y);
        d.lineWidth(s.width).lineJoin('round').strokeColor(s.stroke).stroke();
        break;
      }
      case 'dot':
        d.circle(x0 + s.x, y0 + s.y, s.r).fillColor(s.fill).fill();
        break;
      case 'text': {
        d.font(s.bold ? this.f.bold : this.f.sans).fontSize(s.size).fillColor(s.color);
        const w = d.widthOfString(s.text);
        const x = s.anchor === 'start' ? s.x : s.anchor === 'middle' ? s.x - w / 2 : s.x - w;
        // Shape y is the baseline; pdfkit places text by its top.
        d.text(s.text, x0 + x, y0 + s.y - s.size * 0.8, { lineBreak: false });
        break;
      }
    }
  }

  block(b: Block): void {
    switch (b.type) {
      case 'heading':
        return this.heading(b.text, 11);
      case 'paragraph':
        return this.text(b.text, { color: TONE_COLORS[b.tone ?? 'normal'], gap: 6 });
      case 'warning':
        return this.warning(b.text);
      case 'figures':
        return this.figures(b.items);
      case 'fields':
        return this.fields(b.rows);
      case 'table':
        return this.table(b.columns, b.rows, b.empty);
      case 'bar-chart':
      case 'stacked-bars':
      case 'line-chart':
        return this.chart(b);
    }
  }
}

function coverPage(w: Writer, doc: ReportDocument): void {
  const d = w.doc;
  const c = doc.cover;
  d.rect(0, 0, PAGE.width, 170).fillColor(DARK).fill();
  d.font(w.f.bold).fontSize(24).fillColor('#ffffff').text(c.title, M.left, 62, { width: CONTENT_W });
  d.font(w.f.sans).fontSize(12).fillColor('#d1d5db').text(c.subtitle, M.left, d.y + 6, { width: CONTENT_W });
  d.y = 196;
  if (c.organization) {
    d.font(w.f.bold).fontSize(14).fillColor(DARK).text(c.organization, M.left, d.y, { width: CONTENT_W });
    d.y += 10;
  }
  w.fields(c.fields, 130);
  for (const b of c.blocks) w.block(b);
}

/** Renders the document; resolves with the whole PDF and its page count. */
export async function renderPdf(doc: ReportDocument, fonts: PdfFonts): Promise<{ bytes: Buffer; pages: number }> {
  const created = new Date(Date.parse(doc.info.creationDate));
  // pdfkit and its font engine take a fifth of a second to load: only when a PDF is written.
  const { default: Pdf } = await import('pdfkit');
  const pdf = new Pdf({
    size: 'A4',
    margins: M,
    bufferPages: true,
    autoFirstPage: true,
    // The default font: pdfkit would otherwise load Helvetica's metrics from its own files.
    font: fonts.sans,
    displayTitle: true,
    lang: 'en',
    info: {
      Title: doc.info.title,
      Author: doc.info.author,
      Subject: doc.info.subject,
      Keywords: doc.info.keywords,
      Creator: 'Airlock',
      Producer: 'Airlock (PDFKit)',
      CreationDate: created,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (b: Buffer) => chunks.push(b));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  // pdfkit keeps the glyph layout of every distinct word for the document's life; in a
  // long report of ids and hashes that is most of its memory (about 70 MiB for 220
  // pages). Keep it for one page: a word is measured and drawn on the same page.
  // (_fontFamilies is pdfkit's own table of loaded fonts; without it nothing is reset.)
  pdf.on('pageAdded', () => {
    for (const f of Object.values((pdf as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies ?? {})) {
      if (f.layoutCache) f.layoutCache = Object.create(null) as object;
    }
  });
  const w = new Writer(pdf, fonts);
  coverPage(w, doc);
  for (const s of doc.sections) {
    pdf.addPage();
    pdf.outline.addItem(s.title);
    w.sectionTitle(s.title);
    for (const b of s.blocks) w.block(b);
  }
  // Footer and page numbers, written into the bottom margin of every buffered page.
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    const y = PAGE.height - 34;
    pdf.moveTo(M.left, y - 6).lineTo(PAGE.width - M.right, y - 6).lineWidth(0.4).strokeColor('#d1d5db').stroke();
    pdf.font(fonts.sans).fontSize(6.8).fillColor(TONE_COLORS.muted);
    pdf.text(doc.footer, M.left, y, { width: CONTENT_W - 80, lineBreak: false, ellipsis: true });
    pdf.text(`page ${i + 1} of ${range.count}`, PAGE.width - M.right - 80, y, { width: 80, align: 'right', lineBreak: false });
    pdf.page.margins.bottom = bottom;
  }
  pdf.end();
  return { bytes: await done, pages: range.count };
}

