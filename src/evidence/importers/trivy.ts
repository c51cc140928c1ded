/**
 * `trivy`: Trivy's JSON report (`trivy image|fs|repo|rootfs --format json`,
 * SchemaVersion 2). One `vulnerability-scan` record per report, covering every result
 * (OS packages and each language lock file); the payload lists the results with their
 * vulnerability counts and each finding names its result in `package.location`.
 *
 * Subject: a container image is `image:<repo digest>` when Trivy reports one
 * (Metadata.RepoDigests), else `image:<ArtifactName>`; file systems and repositories are
 * `path:<ArtifactName>`. Trivy's JSON carries no vulnerability DB metadata, so `db` is
 * null. Misconfigurations and secrets are not vulnerabilities and are not imported.
 */
import { z } from 'zod';
import { check, isObj, nowIso, requireTime, severityWord, subject, type ImportContext, type Importer } from './importer.ts';
import { imageSubject, scanDraft, type ScanFinding } from './scan-payload.ts';

const str = z.string().max(65_536);
const cvssEntry = z.object({ V2Score: z.number().optional(), V3Score: z.number().optional(), V40Score: z.number().optional() });

const vulnSchema = z.object({
  VulnerabilityID: str.min(1),
  VendorIDs: z.array(str).optional(),
  PkgName: str.min(1),
  PkgPath: str.optional(),
  PkgIdentifier: z.object({ PURL: str.optional() }).optional(),
  InstalledVersion: str.default(''),
  FixedVersion: str.optional(),
  Status: str.optional(),
  Severity: str.default('UNKNOWN'),
  SeveritySource: str.optional(),
  CVSS: z.record(z.string(), cvssEntry).optional(),
});

const resultSchema = z.object({
  Target: str,
  Class: str.optional(),
  Type: str.optional(),
  Packages: z.array(z.unknown()).optional(),
  Vulnerabilities: z.array(vulnSchema).nullable().optional(),
});

const reportSchema = z.object({
  SchemaVersion: z.literal(2),
  CreatedAt: str.optional(),
  ArtifactName: str.min(1),
  ArtifactType: str.default('unknown'),
  Trivy: z.object({ Version: str.optional() }).optional(),
  Metadata: z.object({
    OS: z.object({ Family: str, Name: str.optional() }).optional(),
    ImageID: str.optional(),
    RepoDigests: z.array(str).nullable().optional(),
  }).optional(),
  Results: z.array(resultSchema).nullable().optional(),
});

type TrivyVuln = z.infer<typeof vulnSchema>;

/** The CVSS score from the source Trivy took the severity from, else the highest one given. */
function cvssScore(v: TrivyVuln): number | undefined {
  const scoreOf = (e: z.infer<typeof cvssEntry>): number | undefined => e.V40Score ?? e.V3Score ?? e.V2Score;
  const cvss = v.CVSS ?? {};
  const preferred = v.SeveritySource ? cvss[v.SeveritySource] : undefined;
  const own = preferred ? scoreOf(preferred) : undefined;
  if (own !== undefined) return own;
  const all = Object.values(cvss)
    .map(scoreOf)
    .filter((x): x is number => x !== undefined);
  return all.length > 0 ? Math.max(...all) : undefined;
}

export const trivyImporter: Importer = {
  type: 'trivy',
  description: 'Trivy JSON report (SchemaVersion 2): one vulnerability-scan record per report',
  input: 'document',
  detect: (v) => isObj(v) && v.SchemaVersion === 2 && typeof v.ArtifactName === 'string',
  import(value: unknown, ctx: ImportContext) {
    const r = check(reportSchema, value, ctx.source, 'a Trivy JSON report (SchemaVersion 2)');
    const results = r.Results ?? [];
    const findings: ScanFinding[] = [];
    let packages: number | null = null;
    for (const res of results) {
      if (res.Packages) packages = (packages ?? 0) + res.Packages.length;
      for (const v of res.Vulnerabilities ?? []) {
        const score = cvssScore(v);
        findings.push({
          id: v.VulnerabilityID,
          aliases: (v.VendorIDs ?? []).filter((a) => a !== v.VulnerabilityID),
          package: {
            name: v.PkgName,
            version: v.InstalledVersion,
            ...(res.Type ? { type: res.Type } : {}),
            ...(v.PkgIdentifier?.PURL ? { purl: v.PkgIdentifier.PURL } : {}),
            location: v.PkgPath ?? res.Target,
          },
          fixedVersions: (v.FixedVersion ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
          severity: severityWord(v.Severity),
          ...(score !== undefined ? { cvssScore: score } : {}),
          ...(v.Status ? { status: v.Status } : {}),
        });
      }
    }
    const image = r.ArtifactType === 'container_image';
    const repoDigest = r.Metadata?.RepoDigests?.[0];
    const subj = image ? imageSubject(repoDigest ?? r.ArtifactName) : subject(r.ArtifactType === 'vm' ? 'vm' : 'path', r.ArtifactName);
    const os = r.Metadata?.OS;
    return [
      scanDraft(
        {
          source: 'trivy',
          subject: subj,
          observedAt: r.CreatedAt ? requireTime(r.CreatedAt, ctx.source, 'CreatedAt') : nowIso(ctx),
          scanner: { name: 'trivy', ...(r.Trivy?.Version ? { version: r.Trivy.Version } : {}) },
          target: {
            kind: r.ArtifactType,
            name: r.ArtifactName,
            ...(repoDigest?.includes('@') ? { digest: repoDigest.slice(repoDigest.indexOf('@') + 1) } : {}),
            ...(r.Metadata?.ImageID ? { imageId: r.Metadata.ImageID } : {}),
          },
          ...(os ? { os: { name: os.Family, ...(os.Name ? { version: os.Name } : {}) } } : {}),
          db: null,
          packages,
          findings,
          results: results.map((res) => ({
            target: res.Target,
            ...(res.Class ? { class: res.Class } : {}),
            ...(res.Type ? { type: res.Type } : {}),
            vulnerabilities: res.Vulnerabilities?.length ?? 0,
          })),
        },
        ctx,
      ),
    ];
  },
};
