/**
 * Report generation on a store of 10,000 evidence records holding 2,000 distinct open
 * vulnerability findings: 500 scans (100 images scanned five times, each scan 20 of the
 * image's findings), 4,000 policy results, 3,000 Falco and 2,500 Wazuh alerts over 30
 * days. Drafts are made directly and appended in batches of 500.
 *
 * Each task runs in its own process (bench/_report-child.ts) for its own peak RSS:
 *   reference  open the store, read and decrypt every record of the framework
 *   reports    open the store, generate the summary and vulnerabilities reports as PDF and HTML
 * The ratio report / reference shows what the report costs beyond reading the evidence.
 * Targets: < 10 s per PDF, < 500 MiB peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvidenceStore } from '../src/evidence/store.ts';
import type { EvidenceDraft, EvidenceSeverity } from '../src/evidence/types.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PASS = 'benchmark passphrase';
const RECORDS = 10_000;
const IMAGES = 100;
const SCANS_PER_IMAGE = 5;
const FINDINGS_PER_IMAGE = 20;
// BENCH_STORE reuses a store made by an earlier run (kept with BENCH_KEEP=1).
const reuse = process.env.BENCH_STORE;
const dir = reuse ?? join(mkdtempSync(join(tmpdir(), 'airlock-bench-report-')), 'ev');

const SEV: EvidenceSeverity[] = ['critical', 'high', 'medium', 'medium', 'low', 'low', 'unknown'];
const day = (d: number, i: number): string => new Date(Date.UTC(2026, 9, 25 + d, 0, 0, 0) + (i % 86_000) * 1000).toISOString();
const SCAN_CONTROLS = ['fstec-239:АУД.2', 'fstec-239:ОПО.4', 'nist-800-53-r5:ra-5', 'nist-800-53-r5:si-2'];
const POLICY_CONTROLS = [['fstec-239:УПД.5', 'nist-800-53-r5:ac-6'], ['fstec-239:УКФ.2', 'nist-800-53-r5:cm-6'], ['fstec-239:ЗИС.12', 'nist-800-53-r5:sc-39']];
const ALERT_CONTROLS = ['fstec-239:СОВ.1', 'fstec-239:АУД.7', 'fstec-239:ИНЦ.1', 'nist-800-53-r5:si-4'];

function scan(image: number, round: number, i: number): EvidenceDraft {
  const findings = Array.from({ length: FINDINGS_PER_IMAGE }, (_, k) => {
    const n = image * FINDINGS_PER_IMAGE + k;
    return {
      id: `CVE-2026-${String(10_000 + n)}`,
      aliases: [`GHSA-${n.toString(36).padStart(4, '0')}-xxxx-yyyy`],
      package: { name: `pkg-${n % 700}`, version: `1.${n % 13}.${n % 7}`, type: 'npm', purl: `pkg:npm/pkg-${n % 700}@1.${n % 13}.${n % 7}` },
      fixedVersions: n % 3 === 0 ? [] : [`1.${n % 13}.${(n % 7) + 1}`],
      severity: SEV[n % SEV.length]!,
      cvssScore: 3 + (n % 70) / 10,
      status: n % 3 === 0 ? 'affected' : 'fixed',
    };
  });
  const by = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0, info: 0 };
  for (const f of findings) by[f.severity]++;
  const subject = `image:registry.internal/team-${image % 10}/app-${image}:1.${round}@sha256:${image.toString(16).padStart(64, '0')}`;
  return {
    kind: 'vulnerability-scan',
    source: 'trivy',
    subject,
    observedAt: day(round * 6, i),
    outcome: by.critical + by.high > 0 ? 'fail' : 'pass',
    severity: by.critical ? 'critical' : by.high ? 'high' : 'medium',
    controls: SCAN_CONTROLS,
    title: `trivy: ${findings.length} vulnerabilities in app-${image}`,
    payload: {
      scanner: { name: 'trivy', version: '0.57.0' },
      target: { kind: 'container_image', name: `registry.internal/team-${image % 10}/app-${image}:1.${round}` },
      db: { builtAt: day(round * 6 - 1, 0) },
      summary: { packages: 400, findings: findings.length, suppressed: 0, bySeverity: by },
      findings,
    },
  };
}

function policy(i: number): EvidenceDraft {
  const outcome = i % 9 === 0 ? 'fail' : i % 23 === 0 ? 'warn' : 'pass';
  const p = `policy-${i % 12}`;
  const subject = `k8s:ns-${i % 20}/Pod/app-${i % 150}`;
  return {
    kind: 'policy-result', source: 'kyverno', subject, observedAt: day(i % 30, i), outcome, severity: (['high', 'medium', 'low'] as const)[i % 3]!,
    controls: POLICY_CONTROLS[i % 3]!, title: `${p}/check ${outcome} on ${subject}`,
    payload: { policy: p, rule: `rule-${i % 3}`, result: outcome, message: `validation error: rule rule-${i % 3} of ${p} on ${subject}: field spec.containers[${i % 4}].securityContext is not as required` },
  };
}

function falco(i: number): EvidenceDraft {
  const rule = ['Terminal shell in container', 'Write below binary dir', 'Read sensitive file untrusted', 'Drop and execute new binary in container', 'Contact K8S API Server From Container'][i % 5]!;
  return {
    kind: 'runtime-alert', source: 'falco', subject: `k8s:ns-${i % 20}/Pod/app-${i % 150}`, observedAt: day(i % 30, i), outcome: 'alert', severity: (['medium', 'low', 'high', 'critical', 'info'] as const)[i % 5]!,
    controls: ALERT_CONTROLS, title: `Falco Warning: ${rule}`,
    payload: { rule, priority: 'Warning', output: `${rule} (user=root command=sh -c id container_id=${i.toString(16)})`, outputFields: { 'container.id': i.toString(16) }, tags: ['container', 'mitre_execution'], mitre: { tactics: ['execution'], techniques: [] } },
  };
}

function wazuh(i: number): EvidenceDraft {
  const id = ['5710', '550', '510', '23505', '19007'][i % 5]!;
  return {
    kind: 'host-alert', source: 'wazuh', subject: `host:node-${i % 12}`, observedAt: day(i % 30, i), outcome: 'alert', severity: (['low', 'medium', 'info', 'high', 'medium'] as const)[i % 5]!,
    controls: ALERT_CONTROLS, title: `Wazuh rule ${id}`,
    payload: { rule: { id, level: 5 + (i % 8), description: `Wazuh rule ${id} description`, groups: ['syslog'] }, agent: { id: '001', name: `node-${i % 12}` }, fullLog: `Nov 23 10:00:00 node sshd[${i}]: Invalid user admin from 10.0.0.${i % 250}` },
  };
}

async function fill(): Promise<void> {
  const store = await EvidenceStore.open({ dir, passphrase: PASS, create: true });
  try {
    const drafts: EvidenceDraft[] = [];
    let i = 0;
    for (let round = 0; round < SCANS_PER_IMAGE; round++) for (let image = 0; image < IMAGES; image++) drafts.push(scan(image, round, i++));
    const rest = RECORDS - drafts.length;
    for (let k = 0; drafts.length < RECORDS; k++) {
      const m = k % 19;
      drafts.push(m < 8 ? policy(k) : m < 14 ? falco(k) : wazuh(k));
    }
    if (rest <= 0) throw new Error('no room for other records');
    for (let b = 0; b < drafts.length; b += 500) await store.append(drafts.slice(b, b + 500));
  } finally {
    await store.close();
  }
}

interface Result {
  task: string;
  openSeconds: number;
  seconds: number;
  renderSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  bytes?: number;
  pages?: number | null;
  findings?: number;
  records?: number;
}

function run(task: string): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', '_report-child.ts'), dir, task], {
    encoding: 'utf8',
    env: { ...process.env, AIRLOCK_EVIDENCE_PASSPHRASE: PASS },
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error(`${task} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

const t0 = Date.now();
if (!reuse) await fill();
console.log(`store: ${RECORDS} records (${IMAGES * SCANS_PER_IMAGE} scans, ${IMAGES * FINDINGS_PER_IMAGE} distinct findings) filled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
run('read'); // warm the page cache
const ref = run('read');
console.log(`reference: open ${ref.openSeconds.toFixed(2)} s; read and decrypt ${ref.records} records ${ref.seconds.toFixed(2)} s; process CPU ${ref.cpuSeconds.toFixed(1)} s; peak RSS ${ref.peakRssMiB.toFixed(0)} MiB`);
console.log('(times after the store is open; process CPU includes start-up and the open)');
console.log('report                  open+report  of which render  ratio to reference  process CPU  output              peak RSS');
for (const task of ['summary.pdf', 'summary.html', 'vulnerabilities.pdf', 'vulnerabilities.html']) {
  const r = run(task);
  const out = `${(r.bytes! / 1024).toFixed(0)} KiB${r.pages ? `, ${r.pages} pages` : ''}`;
  console.log(
    `${task.padEnd(22)} ${(r.openSeconds + r.seconds).toFixed(2).padStart(8)} s  ${r.renderSeconds.toFixed(2).padStart(10)} s  ${(r.seconds / ref.seconds).toFixed(2).padStart(12)}x  ${r.cpuSeconds.toFixed(1).padStart(9)} s  ${out.padEnd(19)} ${r.peakRssMiB.toFixed(0).padStart(5)} MiB`,
  );
}
if (!reuse && process.env.BENCH_KEEP !== '1') rmSync(join(dir, '..'), { recursive: true, force: true });
else console.log(`store kept in ${dir}`);
