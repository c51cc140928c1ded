/**
 * The HTML writer: one self-contained file (inline CSS, charts as inline SVG), no
 * script, no external resource of any kind, so it opens the same on an isolated
 * workstation and can be archived as it is. Every text and attribute value is escaped;
 * a Content-Security-Policy meta tag forbids scripts and remote loads as a second line.
 */
import { layoutChart, type ChartBlock, type Shape } from './charts.ts';
import { TONE_COLORS, type Block, type Cell, type ReportDocument } from './document.ts';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);
const textHtml = (s: string): string => escapeHtml(s).replace(/\n/g, '<br>');
const num = (n: number): string => (Math.round(n * 100) / 100).toString();
/** Colours come from the writer's own tables; anything else is refused. */
const color = (c: string): string => (/^#[0-9a-f]{6}$/i.test(c) ? c : '#000000');

const CSS = `
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;color:#111827;margin:0;background:#f3f4f6;font-size:13px;line-height:1.4}
main{max-width:1100px;margin:0 auto;background:#fff;padding:32px 40px}
h1{font-size:28px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:2px solid #1f2937;padding-bottom:4px}h3{font-size:15px;margin:20px 0 8px}
.subtitle{font-size:16px;color:#374151;margin-bottom:18px}
.cover{border-bottom:4px solid #1f2937;padding-bottom:16px}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}
dl.fields dt{font-weight:bold;color:#374151}dl.fields dd{margin:0;overflow-wrap:anywhere}
.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.warning{border:3px solid #b91c1c;background:#fef2f2;color:#7f1d1d;font-weight:bold;padding:12px 14px;margin:14px 0;font-size:15px}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.figure{border:1px solid #d1d5db;border-radius:4px;padding:8px 12px;min-width:130px}
.figure .v{font-size:22px;font-weight:bold}.figure .l{color:#4b5563;font-size:12px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:12px}
th{background:#1f2937;color:#fff;text-align:left;padding:4px 6px;font-weight:bold}
td{border-bottom:1px solid #e5e7eb;padding:3px 6px;vertical-align:top;overflow-wrap:anywhere}
tr:nth-child(even) td{background:#f9fafb}
.r{text-align:right}
.sw{display:inline-block;width:9px;height:9px;margin-right:5px;vertical-align:baseline}
.muted{color:#6b7280}
figure{margin:14px 0}svg{max-width:100%;height:auto}
footer{margin-top:32px;color:#6b7280;font-size:11px;border-top:1px solid #d1d5db;padding-top:6px}
@media print{body{background:#fff}main{padding:0;max-width:none}h2{break-before:page}thead{display:table-header-group}tr{break-inside:avoid}}
`;

function svg(b: ChartBlock): string {
  const width = 640;
  const { height, shapes } = layoutChart(b, width);
  const parts = shapes.map((s: Shape): string => {
    switch (s.kind) {
      case 'rect':
        return `<rect x="${num(s.x)}" y="${num(s.y)}" width="${num(s.w)}" height="${num(s.h)}" fill="${color(s.fill)}"/>`;
      case 'line':
        return `<line x1="${num(s.x1)}" y1="${num(s.y1)}" x2="${num(s.x2)}" y2="${num(s.y2)}" stroke="${color(s.stroke)}" stroke-width="${num(s.width)}"/>`;
      case 'polyline':
        return `<polyline fill="none" stroke="${color(s.stroke)}" stroke-width="${num(s.width)}" points="${s.points.map(([x, y]) => `${num(x)},${num(y)}`).join(' ')}"/>`;
      case 'dot':
        return `<circle cx="${num(s.x)}" cy="${num(s.y)}" r="${num(s.r)}" fill="${color(s.fill)}"/>`;
      case 'text':
        return `<text x="${num(s.x)}" y="${num(s.y)}" font-size="${num(s.size)}" fill="${color(s.color)}" text-anchor="${s.anchor}"${s.bold ? ' font-weight="bold"' : ''}>${escapeHtml(s.text)}</text>`;
    }
  });
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${num(height)}" width="${width * 1.4}" height="${num(height * 1.4)}" role="img" aria-label="${escapeHtml(b.title)}" font-family="DejaVu Sans, Verdana, Arial, sans-serif">${parts.join('')}</svg></figure>`;
}

function cell(c: Cell, mono: boolean | undefined, align: 'left' | 'right' | undefined): string {
  const rich = typeof c === 'string' ? { text: c } : c;
  const cls = [rich.mono ?? mono ? 'mono' : '', align === 'right' ? 'r' : ''].filter(Boolean).join(' ');
  const style = rich.tone && rich.tone !== 'normal' ? ` style="color:${color(TONE_COLORS[rich.tone])}"` : '';
  const sw = rich.swatch ? `<span class="sw" style="background:${color(rich.swatch)}"></span>` : '';
  return `<td${cls ? ` class="${cls}"` : ''}${style}>${sw}${textHtml(rich.text)}</td>`;
}

function block(b: Block): string {
  switch (b.type) {
    case 'heading':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'paragraph':
      return `<p${b.tone === 'muted' ? ' class="muted"' : ''}>${escapeHtml(b.text)}</p>`;
    case 'warning':
      return `<div class="warning" role="alert">${escapeHtml(b.text)}</div>`;
    case 'figures':
      return `<div class="figures">${b.items
        .map((i) => `<div class="figure"><div class="v" style="color:${color(TONE_COLORS[i.tone ?? 'normal'])}">${escapeHtml(i.value)}</div><div class="l">${escapeHtml(i.label)}</div></div>`)
        .join('')}</div>`;
    case 'fields':
      return `<dl class="fields">${b.rows.map((r) => `<dt>${escapeHtml(r.label)}</dt><dd${r.mono ? ' class="mono"' : ''}>${escapeHtml(r.value)}</dd>`).join('')}</dl>`;
    case 'table': {
      if (b.rows.length === 0) return `<p class="muted">${escapeHtml(b.empty)}</p>`;
      const head = b.columns.map((c) => `<th${c.align === 'right' ? ' class="r"' : ''}>${escapeHtml(c.header)}</th>`).join('');
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => cell(c, b.columns[i]?.mono, b.columns[i]?.align)).join('')}</tr>`).join('\n');
      return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
    }
    case 'bar-chart':
    case 'stacked-bars':
    case 'line-chart':
      return svg(b);
  }
}

export function renderHtml(doc: ReportDocument): string {
  const c = doc.cover;
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="Airlock">`,
    `<meta name="author" content="${escapeHtml(doc.info.author)}">`,
    `<meta name="description" content="${escapeHtml(doc.info.subject)}">`,
    `<meta name="dcterms.created" content="${escapeHtml(doc.info.creationDate)}">`,
    `<title>${escapeHtml(doc.info.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    '<section class="cover">',
    `<h1>${escapeHtml(c.title)}</h1>`,
    `<div class="subtitle">${escapeHtml(c.subtitle)}</div>`,
    block({ type: 'fields', rows: c.fields }),
    ...c.blocks.map(block),
    '</section>',
  ];
  for (const s of doc.sections) {
    out.push(`<section><h2>${escapeHtml(s.title)}</h2>`, ...s.blocks.map(block), '</section>');
  }
  out.push(`<footer>${escapeHtml(doc.footer)}</footer>`, '</main></body>', '</html>', '');
  return out.join('\n');
}
