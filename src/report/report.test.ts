/**
 * The report pieces without a store: text cleaning and HTML escaping (property tests
 * over arbitrary strings), chart layout staying inside its box, and a document built
 * from an assessment of hand-made records rendered to HTML and PDF: hostile text
 * escaped, every referenced record in Appendix B, identical bytes for the same input.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { PROJECT_ROOT, requireTool, tempDir } from '../../test/helpers/env.ts';
import { assess } from '../evidence/assessment/index.ts';
import type { EvidenceRecord } from '../evidence/types.ts';
import { buildReport } from './build.ts';
import type { ReportDocument } from './document.ts';
import { layoutChart, niceScale, type ChartBlock } from './charts.ts';
import { escapeHtml, renderHtml } from './html.ts';
import { fontsIn, renderPdf } from './pdf.ts';
import { clean } from './text.ts';

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

test('clean: one bounded line without control, bidi or zero-width characters or lone surrogates; stable', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 600 }), fc.integer({ min: 2, max: 300 }), (s, max) => {
      const c = clean(s, max);
      assert.ok(c.length <= max, `${c.length} <= ${max}`);
      assert.doesNotMatch(c, FORBIDDEN);
      assert.equal(clean(c, max), c);
    }),
  );
  assert.equal(clean('a\u202eb\u0000c\r\nd\u200b'), 'ab c d');
  assert.equal(clean('x'.repeat(10), 5), 'xxxx…');
  assert.equal(clean('yyy😀z', 5), 'yyy…', 'a surrogate pair is not cut in half');
  assert.equal(clean(undefined), '');
});

test('escapeHtml: no markup character survives, and the text is recoverable', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      const e = escapeHtml(s);
      assert.doesNotMatch(e, /[<>"']/);
      const back = e.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
      assert.equal(back, s);
    }),
  );
});

test('charts: a round scale above the data, and every shape inside the chart box', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000_000 }), (max) => {
      const s = niceScale(max);
      assert.ok(s.max >= max && s.step > 0 && Number.isInteger(s.max / s.step) && s.max / s.step <= 10, JSON.stringify({ max, s }));
    }),
  );
  const value = fc.integer({ min: 0, max: 100_000 });
  const label = fc.string({ maxLength: 40 });
  const chart: fc.Arbitrary<ChartBlock> = fc.oneof(
    fc.record({ type: fc.constant('bar-chart' as const), title: label, bars: fc.array(fc.record({ label, value, color: fc.constant('#dc2626') }), { maxLength: 8 }) }),
    fc.record({
      type: fc.constant('stacked-bars' as const),
      title: label,
      series: fc.constant<{ name: string; color: string }[]>([{ name: 'a', color: '#16a34a' }, { name: 'b', color: '#dc2626' }]),
      rows: fc.array(fc.record({ label, values: fc.array(value, { minLength: 2, maxLength: 2 }) }), { maxLength: 20 }),
    }),
    fc.integer({ min: 0, max: 400 }).chain((n) =>
      fc.record({
        type: fc.constant('line-chart' as const),
        title: label,
        labels: fc.constant(Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10))),
        series: fc.array(fc.record({ name: label, color: fc.constant('#2563eb'), values: fc.array(value, { minLength: n, maxLength: n }) }), { minLength: 1, maxLength: 2 }),
      }),
    ),
  );
  fc.assert(
    fc.property(chart, fc.integer({ min: 200, max: 800 }), (b, width) => {
      const { height, shapes } = layoutChart(b, width);
      const inside = (x: number, y: number) => x >= -0.01 && x <= width + 0.01 && y >= -0.01 && y <= height + 0.01;
      for (const s of shapes) {
        if (s.kind === 'rect') assert.ok(inside(s.x, s.y) && inside(s.x + s.w, s.y + s.h) && s.w >= 0 && s.h >= 0, JSON.stringify(s));
        if (s.kind === 'line') assert.ok(inside(s.x1, s.y1) && inside(s.x2, s.y2), JSON.stringify(s));
        if (s.kind === 'polyline') for (const [x, y] of s.points) assert.ok(inside(x, y));
        if (s.kind === 'text') assert.ok(inside(s.x, s.y) && Number.isFinite(s.x), JSON.stringify(s));
      }
    }),
    { numRuns: 200 },
  );
});

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
function rec(seq: number, r: Partial<EvidenceRecord> & Pick<EvidenceRecord, 'kind' | 'payload'>): EvidenceRecord {
  return {
    seq,
    id: uuid(seq),
    source: 'falco',
    subject: 'k8s:prod/Pod/web',
    collectedAt: '2026-11-23T00:00:00.000Z',
    observedAt: `2026-11-${String(10 + (seq % 10)).padStart(2, '0')}T08:00:00.000Z`,
    outcome: 'alert',
    severity: 'high',
    controls: [],
    contentHash: `sha256:${'c'.repeat(64)}`,
    prevHash: `sha256:${(seq - 1).toString(16).padStart(64, '0')}`,
    recordHash: `sha256:${seq.toString(16).padStart(64, '0')}`,
    title: `record ${seq}`,
    ...r,
  };
}

const FW = {
  id: 'fstec-239',
  name: 'FSTEC <Order> 239',
  version: '2017',
  controls: [
    { id: 'СОВ.1', family: 'Intrusion prevention (СОВ)', title: 'Computer attacks are detected' },
    { id: 'АУД.2', family: 'Security audit (АУД)', title: 'Vulnerabilities are analysed & removed' },
  ],
};

async function hostileDocument() {
  const hostile = '<img src=x onerror=alert(1)> "quoted" \u202egnp.exe';
  const records = [
    rec(1, { kind: 'runtime-alert', payload: { rule: hostile }, title: `Falco Critical: ${hostile}`, controls: ['fstec-239:СОВ.1'], subject: `k8s:prod/Pod/${hostile}` }),
    rec(2, {
      kind: 'vulnerability-scan',
      source: 'trivy',
      outcome: 'fail',
      subject: 'image:app@sha256:' + 'a'.repeat(64),
      controls: ['fstec-239:АУД.2'],
      payload: {
        scanner: { name: 'trivy' },
        target: { name: 'app' },
        db: { builtAt: '2026-11-01T00:00:00Z' },
        summary: { bySeverity: { critical: 1 }, suppressed: 0 },
        findings: [{ id: 'CVE-2026-0001', aliases: [], package: { name: `lib</td>${hostile}`, version: '1.0' }, fixedVersions: ['1.1'], severity: 'critical' }],
      },
    }),
  ];
  const a = await assess(records, { framework: FW, asOf: '2026-11-23T12:00:00Z' });
  return { a, doc: buildReport(a, { kind: 'summary', organization: 'O & <Co>', generatedAt: '2026-11-23T12:00:00Z', store: { id: 'store-1', headSeq: 2, headHash: `sha256:${'2'.padStart(64, '0')}`, lastCheckpoint: null } }) };
}

test('a document from an assessment: HTML escapes hostile text and lists every referenced record', async () => {
  const { a, doc } = await hostileDocument();
  assert.equal(doc.cover.blocks[0]?.type, 'warning', 'a stale DB (22 days) is the first thing on the cover');
  const html = renderHtml(doc);
  assert.doesNotMatch(html, /<img|\u202e/);
  assert.ok(html.includes('lib&lt;/td&gt;&lt;img'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; gnp.exe'));
  assert.ok(html.includes('FSTEC &lt;Order&gt; 239'));
  assert.ok(html.includes('O &amp; &lt;Co&gt;'));
  for (const e of a.evidence) assert.ok(html.includes(e.id) && html.includes(e.recordHash), `record ${e.seq} in Appendix B`);
  assert.ok(html.includes('СОВ.1') && html.includes('АУД.2'));
});

test('renderPdf: the same document gives the same bytes; the creation date is the generation time', async () => {
  const { doc } = await hostileDocument();
  const fonts = fontsIn(join(PROJECT_ROOT, 'content'));
  const one = await renderPdf(doc, fonts);
  const two = await renderPdf(doc, fonts);
  assert.equal(one.bytes.length, two.bytes.length);
  assert.ok(one.bytes.equals(two.bytes), `first difference at byte ${one.bytes.findIndex((b, i) => b !== two.bytes[i])}`);
  assert.ok(one.pages >= 4, `cover, summary, sections and appendix: ${one.pages} pages`);
  assert.equal(one.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(one.bytes.includes(Buffer.from('/CreationDate')) && one.bytes.includes(Buffer.from('(D:20261123120000Z)')), 'the creation date');
  const later = await renderPdf({ ...doc, info: { ...doc.info, creationDate: '2026-11-24T00:00:00Z' } }, fonts);
  assert.ok(!later.bytes.equals(one.bytes));
});

test('a table over several pages repeats its header at the top of each and loses no row', async (t) => {
  if (!requireTool(t, 'pdftotext')) return;
  const rows = Array.from({ length: 150 }, (_, i) => [`row-${i}`, `sha256:${i.toString(16).padStart(64, '0')}${'f'.repeat(40)}`, { text: String(i * 7), mono: true }]);
  const doc: ReportDocument = {
    info: { title: 't', author: 'a', subject: 's', keywords: 'k', creationDate: '2026-11-23T12:00:00Z' },
    cover: { title: 'Cover', subtitle: 'sub', organization: '', fields: [], blocks: [] },
    sections: [{ title: 'Long table', blocks: [{ type: 'table', columns: [{ header: 'Name', width: 1 }, { header: 'Digest column', width: 4, mono: true }, { header: 'Number', width: 1, align: 'right' }], rows, empty: '' }] }],
    footer: 'footer text',
  };
  const { bytes, pages } = await renderPdf(doc, fontsIn(join(PROJECT_ROOT, 'content')));
  assert.ok(pages >= 4, `${pages} pages`);
  const file = join(tempDir(t), 'table.pdf');
  writeFileSync(file, bytes);
  const seen = new Set<string>();
  for (let p = 2; p <= pages; p++) {
    const r = spawnSync('pdftotext', ['-layout', '-f', String(p), '-l', String(p), file, '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const body = r.stdout.replace(/^\s*Long table\s*/, '');
    assert.match(body, /^\s*Name\s+Digest column\s+Number/, `page ${p} starts with the header`);
    assert.match(r.stdout, new RegExp(`page ${p} of ${pages}`));
    for (const m of r.stdout.matchAll(/row-(\d+)/g)) seen.add(m[1]!);
  }
  assert.equal(seen.size, 150, 'every row is on some page');
});
