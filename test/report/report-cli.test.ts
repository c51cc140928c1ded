/**
 * Reports on one store filled through `airlock evidence ingest` with the importer
 * fixtures, a hostile Falco event and (when present) real Trivy and Grype reports of the
 * shared data. The real command writes a PDF and an HTML report; every other kind and
 * format is generated in-process from the same store (opening PGlite takes seconds, so
 * the store is opened as few times as possible). PDFs are read back with pdftotext and
 * rendered with pdftoppm, HTML is parse-checked with hostile text escaped, the same data
 * and generation time give identical bytes, and bad options fail with one line, exit 2
 * and no file left behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { EvidenceStore } from '../../src/evidence/store.ts';
import { getFramework, loadContent } from '../../src/frameworks/index.ts';
import { fontsIn, generateReport, type ReportFormat, type ReportKind } from '../../src/report/index.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, REQUIRE_SHARED, SHARED_DATA, requireTool, tempDir } from '../helpers/env.ts';

const TESTDATA = join(PROJECT_ROOT, 'src', 'evidence', 'importers', 'testdata');
const ENV = { AIRLOCK_EVIDENCE_PASSPHRASE: 'report test passphrase' };
const GENERATED = '2026-11-23T12:00:00Z';
const HOSTILE_RULE = '<script>alert("x")</script> \u202eevil';
const HOSTILE_POD = '"><img src=x onerror=alert(1)>';

let dir = '';
let store = '';
const records: { seq: number; id: string; recordHash: string; kind: string; source: string }[] = [];
let storeId = '';
let withShared = false;
/** In-process reports: `${kind}.${format}` for fstec-239, and repeats for the determinism check. */
const made = new Map<string, Buffer>();

const cli = (args: string[], env: Record<string, string | undefined> = ENV) => runCli(args, { env });

before(async () => {
  dir = tempDir({ after: (fn: () => void) => process.on('exit', fn) }, 'airlock-report-test-');
  store = join(dir, 'ev');
  // A Falco event whose rule, pod name and output are hostile text.
  const falco = JSON.parse(readFileSync(join(TESTDATA, 'falco-events.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown> & { output_fields: Record<string, unknown> };
  const hostile = {
    ...falco,
    rule: HOSTILE_RULE,
    priority: 'Critical',
    output: 'line one\u0000\u001b[31m</td></tr></table><script>alert(2)</script>',
    output_fields: { ...falco.output_fields, 'k8s.ns.name': 'prod', 'k8s.pod.name': HOSTILE_POD },
  };
  writeFileSync(join(dir, 'hostile.jsonl'), `${JSON.stringify(hostile)}\n`);
  const inputs = ['falco-events.jsonl', 'wazuh-alerts.jsonl', 'kyverno-policyreports.json', 'airlock-scan-oci.json', 'airlock-policy-audit.json'].map((f) => join(TESTDATA, f));
  inputs.push(join(dir, 'hostile.jsonl'));
  const trivy = join(SHARED_DATA, 'vuln', 'reports', 'trivy');
  if (existsSync(trivy)) {
    withShared = true;
    for (const f of ['debian-buster.json', 'alpine-310.json', 'ubuntu-1804.json', 'npm.json']) inputs.push(join(trivy, f));
    inputs.push(join(SHARED_DATA, 'vuln', 'reports', 'grype', 'explain-testdata.keycloak-test.json'));
  } else if (REQUIRE_SHARED) throw new Error(`shared data ${trivy} is missing (AIRLOCK_REQUIRE_SHARED_DATA=1)`);
  else console.log(`# shared data not present: ${trivy}; the reports are built from the project's own fixtures only`);
  const r = await cli(['evidence', 'ingest', '--init', '--store', store, ...inputs]);
  assert.equal(r.code, 0, r.stderr);

  const content = await loadContent(join(PROJECT_ROOT, 'content'));
  const fonts = fontsIn(join(PROJECT_ROOT, 'content'));
  const s = await EvidenceStore.open({ dir: store, passphrase: ENV.AIRLOCK_EVIDENCE_PASSPHRASE });
  try {
    for await (const h of s.headers()) records.push(h);
    storeId = s.storeId;
    const make = async (kind: ReportKind, format: ReportFormat, framework = 'fstec-239', title?: string) =>
      (await generateReport(s, { kind, format, framework: getFramework(content, framework), period: {}, generatedAt: '2026-11-23T12:00:00.000Z', fonts, ...(title ? { title } : {}) })).bytes;
    for (const kind of ['summary', 'vulnerabilities', 'policy', 'runtime'] as const) {
      for (const format of ['pdf', 'html'] as const) made.set(`${kind}.${format}`, await make(kind, format, 'fstec-239', format === 'html' ? '<b>Quarterly</b> & "review"' : undefined));
    }
    made.set('again.summary.pdf', await make('summary', 'pdf'));
    made.set('nist.summary.pdf', await make('summary', 'pdf', 'nist-800-53-r5'));
    made.set('again.nist.summary.pdf', await make('summary', 'pdf', 'nist-800-53-r5'));
    made.set('again.runtime.html', await make('runtime', 'html', 'fstec-239', '<b>Quarterly</b> & "review"'));
  } finally {
    await s.close();
  }
});

/** Writes an in-process report to a file for the poppler tools. */
function file(name: string): string {
  const path = join(dir, `made-${name}`);
  writeFileSync(path, made.get(name)!);
  return path;
}

function pdfText(path: string, page?: number): string {
  const args = page ? ['-f', String(page), '-l', String(page)] : [];
  const r = spawnSync('pdftotext', ['-layout', ...args, path, '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function pdfInfo(path: string): string {
  const r = spawnSync('pdfinfo', [path], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const pages = (path: string): number => Number(/^Pages:\s+(\d+)/m.exec(pdfInfo(path))?.[1]);

/**
 * A tag-level check that the HTML is well formed: every `<` opens a valid tag, tags nest,
 * attribute values are quoted and hold no `<`, `>` or `"`. Returns the attribute names used.
 */
function checkHtml(html: string): Set<string> {
  const attributes = new Set<string>();
  const VOID = new Set(['meta', 'br', 'rect', 'line', 'polyline', 'circle']);
  const tag = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"<>]*")?)*)\s*(\/?)>/y;
  const stack: string[] = [];
  assert.ok(html.startsWith('<!DOCTYPE html>\n'));
  for (let i = html.indexOf('<', 15); i !== -1; i = html.indexOf('<', i + 1)) {
    tag.lastIndex = i;
    const m = tag.exec(html);
    assert.ok(m, `not a tag at ${i}: ${JSON.stringify(html.slice(i, i + 60))}`);
    const [, close, name, attrs, self] = m;
    for (const a of attrs!.matchAll(/([a-zA-Z][a-zA-Z0-9:-]*)(?:="[^"]*")?/g)) attributes.add(a[1]!.toLowerCase());
    if (close) assert.equal(stack.pop(), name, `</${name}> closes ${stack[stack.length - 1]} at ${i}`);
    else if (!self && !VOID.has(name!)) stack.push(name!);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  return attributes;
}

test('airlock report summary (PDF): framework, Cyrillic control ids, CVE ids, evidence ids and hashes; page 1 renders', async (t) => {
  if (!requireTool(t, 'pdftotext') || !requireTool(t, 'pdftoppm') || !requireTool(t, 'pdfinfo')) return;
  const out = join(dir, 'summary.pdf');
  const r = await cli(['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', out, '--generated-at', GENERATED, '--organization', 'ACME Ltd', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { bytes: number; pages: number; sha256: string; controls: Record<string, number>; headSeq: number };
  assert.equal(info.headSeq, records.length);
  assert.equal(info.pages, pages(out));
  assert.equal(info.bytes, readFileSync(out).length);
  const text = pdfText(out);
  for (const s of ['Compliance summary', 'FSTEC Order 239', 'ACME Ltd', 'АУД.2', 'СОВ.1', 'CVE-2021-23337', storeId, 'Appendix B: evidence records', '2026-11-23 12:00 UTC']) assert.ok(text.includes(s), `the PDF text holds ${s}`);
  // A record the appendix lists appears with its UUID and its record hash; the cover names the chain head.
  const scan = records.find((x) => x.source === 'airlock-scan')!;
  assert.ok(text.includes(scan.id), 'a scan record UUID');
  assert.ok(text.includes(scan.recordHash), 'its record hash');
  assert.ok(text.includes(records[records.length - 1]!.recordHash), 'the chain head on the cover');
  assert.match(pdfText(out, 2), new RegExp(`page 2 of ${info.pages}`));
  assert.ok(!text.includes('\u202e'), 'bidirectional overrides are stripped');
  assert.ok(text.includes('<script>alert("x")</script>'), 'hostile text is printed as text');
  assert.match(pdfInfo(out), /CreationDate:\s+Mon Nov 23 12:00:00 2026 UTC/);
  assert.match(pdfInfo(out), /Producer:\s+Airlock/);

  // Page 1 as PNG: plausible A4 size at 50 dpi, not blank.
  const png = join(dir, 'page');
  let p = spawnSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', out, png]);
  assert.equal(p.status, 0, String(p.stderr));
  const img = readFileSync(`${png}.png`);
  assert.equal(img.subarray(1, 4).toString('latin1'), 'PNG');
  const [w, h] = [img.readUInt32BE(16), img.readUInt32BE(20)];
  assert.ok(Math.abs(w - 413) <= 2 && Math.abs(h - 585) <= 2, `A4 at 50 dpi, got ${w}x${h}`);
  assert.ok(img.length > 10_000, `a page with content (${img.length} bytes)`);
  p = spawnSync('pdftoppm', ['-gray', '-r', '50', '-f', '1', '-l', '1', '-singlefile', out, png]);
  assert.equal(p.status, 0);
  const pgm = readFileSync(`${png}.pgm`);
  const pixels = pgm.subarray(pgm.length - w * h);
  const dark = pixels.reduce((n, v) => n + (v < 200 ? 1 : 0), 0) / pixels.length;
  assert.ok(dark > 0.05 && dark < 0.6, `page 1 has a dark title band and text, not blank and not solid (dark share ${dark.toFixed(3)})`);
});

test('airlock report (HTML from the file name): written whole, escaped, well formed', async () => {
  const out = join(dir, 'runtime.html');
  const r = await cli(['report', 'runtime', '--store', store, '--framework', 'pci-dss-4.0', '--out', out, '--generated-at', GENERATED]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*runtime\.html \(html, \d+ bytes, sha256 [0-9a-f]{64}\)/);
  const html = readFileSync(out, 'utf8');
  checkHtml(html);
  assert.ok(html.includes('PCI DSS'));
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
});

test('the same data and generation time give identical bytes', () => {
  assert.ok(made.get('summary.pdf')!.equals(made.get('again.summary.pdf')!), 'summary PDF, fstec-239');
  assert.ok(made.get('nist.summary.pdf')!.equals(made.get('again.nist.summary.pdf')!), 'summary PDF, nist-800-53-r5');
  assert.ok(made.get('runtime.html')!.equals(made.get('again.runtime.html')!), 'runtime HTML');
  assert.ok(!made.get('summary.pdf')!.equals(made.get('nist.summary.pdf')!), 'another framework, another report');
});

test('HTML: self-contained, well formed, no script, hostile strings escaped', () => {
  for (const kind of ['summary', 'runtime', 'policy', 'vulnerabilities']) {
    const html = made.get(`${kind}.html`)!.toString('utf8');
    const attributes = checkHtml(html);
    assert.doesNotMatch(html, /<script/i);
    for (const a of attributes) assert.ok(!/^(src|href|srcset|action|on.*)$/.test(a), `${kind}: no external resource or handler attribute (${a})`);
    assert.doesNotMatch(html, /url\(|@import/i);
    assert.ok(html.includes('<title>&lt;b&gt;Quarterly&lt;/b&gt; &amp; &quot;review&quot;</title>'), kind);
    assert.ok(!html.includes('\u202e') && !html.includes('\u0000') && !html.includes('\u001b'), kind);
    if (kind === 'runtime' || kind === 'summary') {
      assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), `${kind}: the hostile rule, escaped`);
      assert.ok(html.includes('<svg'), `${kind}: charts inline`);
    }
    if (kind === 'runtime') assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'), 'the hostile pod name, escaped');
    if (kind === 'vulnerabilities') assert.ok(html.includes('CVE-2021-23337'));
    if (kind === 'policy') assert.ok(html.includes('disallow-privileged-containers'));
  }
});

test('vulnerabilities, policy and runtime PDFs hold their findings, checks and rules', (t) => {
  if (!requireTool(t, 'pdftotext')) return;
  const expect: Record<string, string[]> = {
    vulnerabilities: ['Open findings', 'CVE-2021-23337', 'CVE-2023-5678', 'Subjects and their latest scans'],
    policy: ['disallow-privileged-containers', 'Failing checks', 'УПД.5'],
    runtime: ['Terminal shell in container', 'Alerts per day', 'СОВ.1'],
  };
  if (withShared) expect.vulnerabilities!.push('CVE-2019-18224');
  for (const [kind, words] of Object.entries(expect)) {
    const text = pdfText(file(`${kind}.pdf`));
    for (const w of words) assert.ok(text.includes(w), `${kind}: ${w}`);
  }
});

test('bad options: one line, exit 2, nothing written; a failure leaves an existing file as it was', async () => {
  const out = join(dir, 'bad.pdf');
  const cases: [string[], RegExp][] = [
    [['report', 'summary', '--store', store, '--out', out], /--framework/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239'], /--out/],
    [['report', 'summary', '--store', store, '--framework', 'no-such', '--out', out], /unknown framework "no-such"/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', out, '--from', 'last week'], /--from: "last week" is not a date/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', out, '--from', '2026-12-01', '--to', '2026-11-01'], /after the end/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', out, '--format', 'docx'], /--format: "docx" is not one of pdf, html/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', join(dir, 'nowhere', 'x.pdf')], /does not exist/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', dir], /is a folder/],
    [['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', out, '--alert-threshold', 'severe'], /--alert-threshold/],
  ];
  // Independent runs that open no store: run side by side.
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  for (const [i, [args, msg]] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, msg);
    assert.ok(!existsSync(out));
  }
  writeFileSync(out, 'old report');
  let r = await cli(['report', 'summary', '--store', store, '--framework', 'fstec-239', '--out', out], {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, /passphrase/);
  r = await cli(['report', 'summary', '--store', join(dir, 'no-store'), '--framework', 'fstec-239', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no evidence store here/);
  assert.equal(readFileSync(out, 'utf8'), 'old report');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp file left');
});
