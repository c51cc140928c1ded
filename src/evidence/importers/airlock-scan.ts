/**
 * `airlock-scan`: airlock's own scan report (`airlock scan --json`, schema
 * `airlock.scan/v1`, src/scan/formats/json.ts and docs/scan.md). One
 * `vulnerability-scan` record per report; the subject is the image with its manifest
 * digest when the target has one (`image:<ref>@sha256:...`), else the scanned path
 * (`path:<dir>`) or SBOM (`sbom:<file>`). Suppressed findings stay in the payload,
 * marked, and count neither for the outcome nor for the severity.
 */
import { z } from 'zod';
import { check, isObj, requireTime, severityWord, subject, type ImportContext, type Importer } from './importer.ts';
import { dbAgeSeconds, imageSubject, scanDraft, type ScanFinding } from './scan-payload.ts';

export const AIRLOCK_SCAN_SCHEMA = 'airlock.scan/v1';

const str = z.string().max(65_536);
const cvssSchema = z.object({ version: str, vector: str, score: z.number().min(0).max(10) });

const findingSchema = z.object({
  id: str.min(1),
  aliases: z.array(str).default([]),
  package: z.object({
    ecosystem: str,
    name: str.min(1),
    version: str,
    purl: str.optional(),
    locations: z.array(str).optional(),
  }),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN']),
  cvss: z.array(cvssSchema).optional(),
  fixedVersions: z.array(str).default([]),
  status: str,
  suppressed: z.object({ by: str, justification: str }).optional(),
});

const reportSchema = z.object({
  schema: z.literal(AIRLOCK_SCAN_SCHEMA),
  generatedAt: str,
  tool: z.object({ name: str, version: str.optional() }),
  target: z.object({
    kind: str.min(1),
    ref: str.min(1),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex>').optional(),
    layers: z.array(str).optional(),
  }),
  os: z.object({ id: str, versionId: str.optional(), prettyName: str.optional() }).nullable().optional(),
  db: z
    .object({ builtAt: str, ageSeconds: z.number().int().min(0).optional() }).nullable()
    .optional(),
  summary: z.object({ packages: z.number().int().min(0) }),
  packages: z.array(z.unknown()).optional(),
  findings: z.array(findingSchema),
  warnings: z.array(str).default([]),
});

function targetSubject(kind: string, ref: string, digest: string | undefined): string {
  if (kind === 'oci' || kind === 'docker-archive' || kind === 'store' || digest) return imageSubject(ref, digest);
  if (kind === 'sbom') return subject('sbom', ref);
  return subject('path', ref);
}

export const airlockScanImporter: Importer = {
  type: 'airlock-scan',
  description: `airlock scan --json report (${AIRLOCK_SCAN_SCHEMA}): one vulnerability-scan record per report`,
  input: 'document',
  detect: (v) => isObj(v) && v.schema === AIRLOCK_SCAN_SCHEMA,
  import(value: unknown, ctx: ImportContext) {
    const r = check(reportSchema, value, ctx.source, `an airlock scan report (${AIRLOCK_SCAN_SCHEMA})`);
    const observedAt = requireTime(r.generatedAt, ctx.source, 'generatedAt');
    const builtAt = r.db ? requireTime(r.db.builtAt, ctx.source, 'db.builtAt') : undefined;
    const findings: ScanFinding[] = r.findings.map((f) => ({
      id: f.id,
      aliases: f.aliases,
      package: {
        name: f.package.name,
        version: f.package.version,
        type: f.package.ecosystem,
        ...(f.package.purl ? { purl: f.package.purl } : {}),
        ...(f.package.locations?.[0] ? { location: f.package.locations[0] } : {}),
      },
      fixedVersions: f.fixedVersions,
      severity: severityWord(f.severity),
      ...(f.cvss && f.cvss.length > 0 ? { cvssScore: Math.max(...f.cvss.map((c) => c.score)) } : {}),
      status: f.status,
      ...(f.suppressed ? { suppressed: { by: f.suppressed.by, justification: f.suppressed.justification } } : {}),
    }));
    return [
      scanDraft(
        {
          source: 'airlock-scan',
          subject: targetSubject(r.target.kind, r.target.ref, r.target.digest),
          observedAt,
          scanner: { name: r.tool.name || 'airlock', ...(r.tool.version ? { version: r.tool.version } : {}) },
          target: { kind: r.target.kind, name: r.target.ref, ...(r.target.digest ? { digest: r.target.digest } : {}) },
          ...(r.os ? { os: { name: r.os.id, ...(r.os.versionId ? { version: r.os.versionId } : {}) } } : {}),
          db: builtAt ? { builtAt, ageSeconds: r.db?.ageSeconds ?? dbAgeSeconds(builtAt, observedAt) ?? 0 } : null,
          packages: r.summary.packages,
          findings,
          warnings: r.warnings,
        },
        ctx,
      ),
    ];
  },
};
