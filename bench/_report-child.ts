/**
 * One measured task of bench/report.ts, in its own process so that its peak RSS is its
 * own: opens the store, then either reads and decrypts every record of the framework
 * (the reference) or generates one report. Prints one JSON line.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvidenceStore } from '../src/evidence/store.ts';
import { getFramework, loadContent } from '../src/frameworks/index.ts';
import { assessForReport, fontsIn, renderReport, type ReportFormat, type ReportKind } from '../src/report/index.ts';

const [dir, task, framework = 'fstec-239'] = process.argv.slice(2) as [string, string, string?];
const content = fileURLToPath(new URL('../content', import.meta.url));
// What the command does before it opens the store (content, fonts) is not timed.
const fw = getFramework(await loadContent(content), framework);
const fonts = fontsIn(content);
const t0 = process.hrtime.bigint();
const store = await EvidenceStore.open({ dir, passphrase: process.env.AIRLOCK_EVIDENCE_PASSPHRASE! });
const t1 = process.hrtime.bigint();
let out: Record<string, unknown>;
let renderSeconds = 0;
if (task === 'read') {
  let n = 0;
  let bytes = 0;
  for await (const r of store.records({ control: framework })) {
    n++;
    bytes += r.title.length;
  }
  await store.close();
  out = { records: n, titleChars: bytes };
} else {
  // As the command does it: assess with the store open, close it, render.
  const [kind, format] = task.split('.') as [ReportKind, ReportFormat];
  const a = await assessForReport(store, { kind, framework: fw, period: {}, generatedAt: '2026-11-23T12:00:00.000Z' });
  await store.close();
  const r0 = process.hrtime.bigint();
  const r = await renderReport(a.document, format, fonts);
  renderSeconds = Number(process.hrtime.bigint() - r0) / 1e9;
  out = { bytes: r.bytes.length, pages: r.pages, findings: a.assessment.vulnerabilities.findings.length, records: a.assessment.records.inPeriod };
}
const t2 = process.hrtime.bigint();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ task, openSeconds: Number(t1 - t0) / 1e9, seconds: Number(t2 - t1) / 1e9, renderSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024, ...out, dir: join(dir) }));
