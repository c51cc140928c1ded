/**
 * Synthetic evidence for the OSCAL benchmark: tool outputs made in the shapes the
 * importers read (Trivy reports, Kyverno PolicyReports, Falco events and Wazuh alerts
 * varied from the importer fixtures), turned into drafts by the real importers and
 * appended to a store in batches.
 *
 * Of `records`: 2 % scans (two scans per image, a week apart; the latest scans hold
 * `findings` distinct open findings in all, 5 % critical, 15 % high, 40 % medium, 40 %
 * low, half with a fix), 40 % policy results (shipped policies, 10 % failing), the rest
 * Falco events and Wazuh alerts in equal parts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlResolver } from '../src/evidence/controls.ts';
import { getImporter } from '../src/evidence/importers/index.ts';
import type { ImportContext } from '../src/evidence/importers/importer.ts';
import type { EvidenceStore } from '../src/evidence/store.ts';
import type { EvidenceDraft } from '../src/evidence/types.ts';

const BATCH = 500;
type TrivySeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
const POLICIES = ['disallow-privileged-containers', 'disallow-host-path', 'disallow-capabilities', 'require-image-digest', 'disallow-latest-tag'];

const at = (day: number, i: number): string => new Date(Date.UTC(2026, 10, 1) + day * 86_400_000 + i * 1000).toISOString();

function severityOf(k: number): TrivySeverity {
  const p = k % 20;
  return p === 0 ? 'CRITICAL' : p <= 3 ? 'HIGH' : p <= 11 ? 'MEDIUM' : 'LOW';
}

function trivyReport(image: number, findingsPerImage: number, day: number): unknown {
  const vulns = [];
  for (let k = 0; k < findingsPerImage; k++) {
    const n = image * findingsPerImage + k;
    vulns.push({
      VulnerabilityID: `CVE-2026-${String(20000 + n)}`,
      PkgName: `lib${n % 400}`,
      InstalledVersion: `1.${n % 7}.${n % 13}`,
      ...(k % 2 === 0 ? { FixedVersion: `1.${n % 7}.${(n % 13) + 1}` } : {}),
      Status: k % 2 === 0 ? 'fixed' : 'affected',
      Severity: severityOf(k),
      CVSS: { nvd: { V3Score: severityOf(k) === 'CRITICAL' ? 9.8 : severityOf(k) === 'HIGH' ? 7.5 : 5.0 } },
    });
  }
  const hex = image.toString(16).padStart(64, '0');
  return {
    SchemaVersion: 2,
    CreatedAt: at(day, image),
    ArtifactName: `registry.internal/team${image % 10}/app${image}:1.${day}`,
    ArtifactType: 'container_image',
    Trivy: { Version: '0.57.0' },
    Metadata: { OS: { Family: 'debian', Name: '12.7' }, RepoDigests: [`registry.internal/team${image % 10}/app${image}@sha256:${hex}`] },
    Results: [{ Target: `app${image} (debian 12.7)`, Class: 'os-pkgs', Type: 'debian', Packages: Array.from({ length: 50 }, (_, j) => ({ Name: `pkg${j}` })), Vulnerabilities: vulns }],
  };
}

function policyReport(i: number): unknown {
  const policy = POLICIES[i % POLICIES.length]!;
  return {
    apiVersion: 'wgpolicyk8s.io/v1alpha2',
    kind: 'PolicyReport',
    metadata: { name: `report-${i}`, namespace: `ns${i % 40}`, creationTimestamp: at(10, i) },
    scope: { apiVersion: 'v1', kind: 'Pod', name: `pod-${Math.floor(i / POLICIES.length)}`, namespace: `ns${i % 40}` },
    results: [{ policy, rule: 'check', result: i % 10 === 0 ? 'fail' : 'pass', severity: 'medium', message: `${policy} evaluated`, timestamp: { seconds: Math.floor(Date.parse(at(10, i)) / 1000) } }],
  };
}

function fixtureLines(root: string, name: string): Record<string, unknown>[] {
  return readFileSync(join(root, 'src/evidence/importers/testdata', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function fillStore(store: EvidenceStore, o: { root: string; records: number; findings: number; controls: ControlResolver }): Promise<number> {
  const ctx: ImportContext = { source: 'bench', now: () => new Date('2026-11-23T00:00:00Z'), controls: o.controls };
  const images = Math.max(1, Math.round(o.records * 0.01));
  const perImage = Math.ceil(o.findings / images);
  const policies = Math.round(o.records * 0.4);
  const alerts = o.records - 2 * images - policies;
  const falco = fixtureLines(o.root, 'falco-events.jsonl');
  const wazuh = fixtureLines(o.root, 'wazuh-alerts.jsonl');
  let pending: EvidenceDraft[] = [];
  let n = 0;
  const push = async (drafts: EvidenceDraft[]): Promise<void> => {
    pending.push(...drafts);
    if (pending.length >= BATCH) {
      await store.append(pending);
      n += pending.length;
      pending = [];
    }
  };
  for (const day of [0, 7]) for (let i = 0; i < images; i++) await push(getImporter('trivy').import(trivyReport(i, perImage, day), ctx));
  for (let i = 0; i < policies; i++) await push(getImporter('kyverno').import(policyReport(i), ctx));
  for (let i = 0; i < alerts; i++) {
    if (i % 2 === 0) await push(getImporter('falco').import({ ...falco[i % falco.length], time: at(12, i) }, ctx));
    else await push(getImporter('wazuh').import({ ...wazuh[i % wazuh.length], id: `1795174532.${i}`, timestamp: at(12, i).replace('Z', '+0000') }, ctx));
  }
  if (pending.length > 0) {
    await store.append(pending);
    n += pending.length;
  }
  return n;
}
