/** Public API of the reports: PDF and HTML documents drawn from an evidence assessment. */
export { buildReport, REPORT_KINDS, type ReportKind, type ReportMeta, type StoreIdentity } from './build.ts';
export { assessForReport, finishReport, generateReport, renderReport, REPORT_FORMATS, type AssessedReport, type ReportFormat, type ReportOptions, type GeneratedReport } from './generate.ts';
export { renderHtml, escapeHtml } from './html.ts';
export { renderPdf, fontsIn, type PdfFonts } from './pdf.ts';
export type { ReportDocument, Block, Cell, Column, Section } from './document.ts';
export { clean } from './text.ts';
