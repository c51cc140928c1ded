/**
 * A report from an evidence store: reads the records of the framework and period in
 * one pass (decrypting each, holding none), assesses them, builds the document and
 * renders it. The chain head is read first and records appended while the report runs
 * are left out, so the report covers exactly the chain up to the head it names.
 */
import { createHash } from 'node:crypto';
import { assess, type Assessment, type FrameworkControls, type Period } from '../evidence/assessment/index.ts';
import type { EvidenceStore } from '../evidence/store.ts';
import type { EvidenceRecord, EvidenceSeverity } from '../evidence/types.ts';
import { buildReport, type ReportKind } from './build.ts';
import type { ReportDocument } from './document.ts';
import { renderHtml } from './html.ts';
import { renderPdf, type PdfFonts } from './pdf.ts';

export const REPORT_FORMATS = ['pdf', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  kind: ReportKind;
  format: ReportFormat;
  framework: FrameworkControls;
  period: Period;
  /** The generation time printed on the cover, the PDF creation date, and the time ages are measured to. */
  generatedAt: string;
  title?: string;
  organization?: string;
  alertThreshold?: EvidenceSeverity | 'none';
  /** Needed for PDF. */
  fonts?: PdfFonts;
}

export interface GeneratedReport {
  bytes: Buffer;
  sha256: string;
  /** PDF pages; null for HTML. */
  pages: number | null;
  assessment: Assessment;
  document: ReportDocument;
  headSeq: number;
}

async function* upTo(records: AsyncIterable<EvidenceRecord>, headSeq: number): AsyncGenerator<EvidenceRecord> {
  for await (const r of records) {
    if (r.seq > headSeq) return;
    yield r;
  }
}

/** Renders an already built document (no store needed). */
export async function renderReport(doc: ReportDocument, format: ReportFormat, fonts?: PdfFonts): Promise<{ bytes: Buffer; pages: number | null }> {
  if (format === 'html') return { bytes: Buffer.from(renderHtml(doc), 'utf8'), pages: null };
  if (!fonts) throw new Error('renderReport: PDF needs fonts');
  return renderPdf(doc, fonts);
}

export interface AssessedReport {
  assessment: Assessment;
  document: ReportDocument;
  headSeq: number;
}

/**
 * The part of a report that needs the store: the assessment and the document. Render
 * with `renderReport` after closing the store, so that the embedded database's memory
 * and the renderer's are not held at the same time.
 */
export async function assessForReport(store: EvidenceStore, o: Omit<ReportOptions, 'format' | 'fonts'>): Promise<AssessedReport> {
  const status = await store.status();
  const records = store.records({ control: o.framework.id, from: o.period.from, to: o.period.to });
  const assessment = await assess(upTo(records, status.headSeq), {
    framework: o.framework,
    period: o.period,
    asOf: o.generatedAt,
    ...(o.alertThreshold ? { alertThreshold: o.alertThreshold } : {}),
  });
  const document = buildReport(assessment, {
    kind: o.kind,
    ...(o.title !== undefined ? { title: o.title } : {}),
    ...(o.organization !== undefined ? { organization: o.organization } : {}),
    generatedAt: o.generatedAt,
    store: { id: status.storeId, headSeq: status.headSeq, headHash: status.headHash, lastCheckpoint: status.lastCheckpoint },
  });
  return { assessment, document, headSeq: status.headSeq };
}

/** Assesses and renders with the store open (tests, small stores). */
export async function generateReport(store: EvidenceStore, o: ReportOptions): Promise<GeneratedReport> {
  const r = await assessForReport(store, o);
  return finishReport(r, await renderReport(r.document, o.format, o.fonts));
}

export function finishReport(r: AssessedReport, out: { bytes: Buffer; pages: number | null }): GeneratedReport {
  return { ...r, ...out, sha256: createHash('sha256').update(out.bytes).digest('hex') };
}
