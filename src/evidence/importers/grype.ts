/**
 * `grype`: Grype's JSON report (`grype <target> -o json`). One `vulnerability-scan`
 * record per report. Matches become findings (aliases from the related vulnerabilities,
 * the highest CVSS base score Grype gives); ignored matches stay in the payload as
 * suppressed findings with the ignore rule that applied. Grype's `Negligible` is `info`.
 *
 * Subject: an image is `image:<repo digest>` when Grype reports one, else the user's
 * reference with the manifest digest (`image:<input>@sha256:...`); directories and files
 * are `path:<target>`. The DB build time comes from `descriptor.db.built` (schema v5) or
 * `descriptor.db.status.built` (v6); its age is counted to `descriptor.timestamp`.
 */
import { z } from 'zod';
import { check, isObj, isoTime, nowIso, severityWord, subject, type ImportContext, type Importer } from './importer.ts';
import { dbAgeSeconds, imageSubject, scanDraft, type ScanFinding } from './scan-payload.ts';

const str = z.string().max(65_536);
const cvssSchema = z.object({ metrics: z.object({ baseScore: z.number().min(0).max(10).optional() }).optional() });

const vulnSchema = z.object({
  id: str.min(1),
  severity: str.optional(),
  namespace: str.optional(),
  cvss: z.array(cvssSchema).nullable().optional(),
  fix: z.object({ versions: z.array(str).nullable().optional(), state: str.optional() }).optional(),
});

const matchSchema = z.object({
  vulnerability: vulnSchema,
  relatedVulnerabilities: z.array(z.object({ id: str, cvss: z.array(cvssSchema).nullable().optional() })).nullable().optional(),
  artifact: z.object({
    name: str.min(1),
    version: str,
    type: str.optional(),
    purl: str.optional(),
    locations: z.array(z.object({ path: str })).nullable().optional(),
  }),
  appliedIgnoreRules: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
});

const imageTarget = z.object({
  userInput: str.min(1),
  imageID: str.optional(),
  manifestDigest: str.optional(),
  repoDigests: z.array(str).nullable().optional(),
});

const reportSchema = z.object({
  matches: z.array(matchSchema),
  ignoredMatches: z.array(matchSchema).nullable().optional(),
  source: z.object({ type: str.min(1), target: z.union([str, imageTarget, z.record(z.string(), z.unknown())]) }),
  distro: z.object({ name: str, version: str.optional() }).nullable().optional(),
  descriptor: z.object({
    name: z.literal('grype'),
    version: str.optional(),
    timestamp: str.optional(),
    db: z
      .object({ built: str.optional(), status: z.object({ built: str.optional() }).nullable().optional() }).nullable()
      .optional(),
  }),
});

type Match = z.infer<typeof matchSchema>;

function bestScore(m: Match): number | undefined {
  const scores = [...(m.vulnerability.cvss ?? []), ...(m.relatedVulnerabilities ?? []).flatMap((r) => r.cvss ?? [])]
    .map((c) => c.metrics?.baseScore)
    .filter((x): x is number => x !== undefined);
  return scores.length > 0 ? Math.max(...scores) : undefined;
}

function ignoreReason(rules: readonly Record<string, unknown>[]): string {
  const parts = rules.map((r) => {
    const reason = typeof r.reason === 'string' && r.reason !== '' ? r.reason : undefined;
    const fields = Object.entries(r)
      .filter(([k, v]) => k !== 'reason' && (typeof v === 'string' ? v !== '' : v !== null && v !== undefined && typeof v !== 'object'))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    return reason ?? (fields || 'ignore rule');
  });
  return parts.join('; ') || 'ignore rule';
}

function finding(m: Match, suppressed: boolean): ScanFinding {
  const score = bestScore(m);
  const v = m.vulnerability;
  const aliases = [...new Set((m.relatedVulnerabilities ?? []).map((r) => r.id).filter((id) => id !== v.id))];
  const location = m.artifact.locations?.[0]?.path;
  return {
    id: v.id,
    aliases,
    package: {
      name: m.artifact.name,
      version: m.artifact.version,
      ...(m.artifact.type ? { type: m.artifact.type } : {}),
      ...(m.artifact.purl ? { purl: m.artifact.purl } : {}),
      ...(location ? { location } : {}),
    },
    fixedVersions: v.fix?.versions ?? [],
    severity: severityWord(v.severity),
    ...(score !== undefined ? { cvssScore: score } : {}),
    ...(v.fix?.state ? { status: v.fix.state } : {}),
    ...(suppressed ? { suppressed: { by: 'grype ignore rule', justification: ignoreReason(m.appliedIgnoreRules ?? []) } } : {}),
  };
}

export const grypeImporter: Importer = {
  type: 'grype',
  description: 'Grype JSON report (-o json): one vulnerability-scan record per report',
  input: 'document',
  detect: (v) => isObj(v) && Array.isArray(v.matches) && isObj(v.descriptor) && v.descriptor.name === 'grype',
  import(value: unknown, ctx: ImportContext) {
    const r = check(reportSchema, value, ctx.source, 'a Grype JSON report');
    // Grype's presenter writes an empty timestamp when it has none.
    const stamp = r.descriptor.timestamp ? isoTime(r.descriptor.timestamp) : undefined;
    const observedAt = stamp ?? nowIso(ctx);
    const builtRaw = r.descriptor.db?.built ?? r.descriptor.db?.status?.built;
    const builtAt = builtRaw ? isoTime(builtRaw) : undefined;
    const target = r.source.target;
    let subj: string;
    let name: string;
    let digest: string | undefined;
    let imageId: string | undefined;
    if (typeof target === 'string') {
      name = target;
      subj = subject('path', target);
    } else {
      const img = imageTarget.safeParse(target);
      if (!img.success) {
        name = r.source.type;
        subj = subject(r.source.type, JSON.stringify(target).slice(0, 512));
      } else {
        name = img.data.userInput;
        digest = img.data.manifestDigest;
        imageId = img.data.imageID;
        const repoDigest = img.data.repoDigests?.[0];
        subj = repoDigest ? imageSubject(repoDigest) : imageSubject(img.data.userInput, digest);
      }
    }
    const findings = [...r.matches.map((m) => finding(m, false)), ...(r.ignoredMatches ?? []).map((m) => finding(m, true))];
    return [
      scanDraft(
        {
          source: 'grype',
          subject: subj,
          observedAt,
          scanner: { name: 'grype', ...(r.descriptor.version ? { version: r.descriptor.version } : {}) },
          target: { kind: r.source.type, name, ...(digest ? { digest } : {}), ...(imageId ? { imageId } : {}) },
          ...(r.distro ? { os: { name: r.distro.name, ...(r.distro.version ? { version: r.distro.version } : {}) } } : {}),
          db: builtAt ? { builtAt, ...(stamp ? { ageSeconds: dbAgeSeconds(builtAt, stamp) ?? 0 } : {}) } : null,
          packages: null,
          findings,
        },
        ctx,
      ),
    ];
  },
};
