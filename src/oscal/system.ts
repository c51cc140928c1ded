/**
 * The system a system security plan describes (`system.yaml`): what only its owner
 * knows and no evidence says: name, identifier, description, FIPS 199 impact levels,
 * operational status, authorization boundary, organisation and responsible parties.
 * content/oscal/system.example.yaml is a documented example; export uses it, with a
 * warning, when no file is given.
 *
 * Parsing is pure (bytes in, typed value or one-line AirlockError naming the file out)
 * and strict: unknown keys, duplicate keys, multi-line names, over-long text and
 * unknown impact levels are errors.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseYaml } from '../common/yaml.ts';
import { OSCAL_TOKEN } from './ids.ts';

export const SYSTEM_EXAMPLE_FILE = join('oscal', 'system.example.yaml');
const MAX_BYTES = 256 * 1024;

const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\r\n]/.test(s), 'must be one line');
const text = (max: number) => z.string().trim().min(1).max(max);
const token = z.string().max(64).regex(OSCAL_TOKEN, 'must be a token: a letter or _ first, then letters, digits, ".", "-", "_"');
const slug = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a lowercase slug');
const uri = z
  .string()
  .max(1024)
  .regex(/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/, 'must be an absolute URI (scheme:...)');
const email = z.string().max(254).regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a calendar date');

/** FIPS 199 potential impact levels. */
export const IMPACT_LEVELS = ['low', 'moderate', 'high'] as const;
export type ImpactLevel = (typeof IMPACT_LEVELS)[number];
const level = z.enum(IMPACT_LEVELS);

const impactSchema = z.object({ confidentiality: level, integrity: level, availability: level }).strict();

const informationTypeSchema = z
  .object({
    title: line(200),
    description: text(4000),
    /** NIST SP 800-60 Vol. 2 information type identifiers (`C.3.5.8`). */
    nist80060: z.array(line(32)).min(1).max(20).optional(),
    impact: impactSchema.optional(),
  })
  .strict();

const partySchema = z
  .object({
    id: slug,
    type: z.enum(['person', 'organization']).default('person'),
    name: line(200),
    email: email.optional(),
  })
  .strict();

const responsibleSchema = z
  .object({
    /** An OSCAL role id: system-owner, authorizing-official, information-system-security-officer, ... */
    role: token,
    title: line(200).optional(),
    parties: z.array(slug).min(1).max(20),
  })
  .strict();

const userSchema = z
  .object({
    title: line(200),
    description: text(2000).optional(),
    roles: z.array(token).min(1).max(20),
  })
  .strict();

export const systemDescriptionSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('SystemDescription'),
    name: line(200),
    shortName: line(64).optional(),
    /** The system's identifier as its organisation assigns it (an inventory id, a FedRAMP id, a UUID). */
    systemId: line(200),
    /** The identification system that assigned `systemId` (a URI); default Airlock's namespace. */
    systemIdType: uri.optional(),
    description: text(8000),
    status: z.enum(['operational', 'under-development', 'under-major-modification', 'disposition', 'other']),
    statusRemarks: text(2000).optional(),
    dateAuthorized: date.optional(),
    /** FIPS 199 security objectives of the system (the high-water mark of its information types). */
    impact: impactSchema,
    /** FIPS 199 security categorisation; default the highest of `impact`. */
    sensitivity: level.optional(),
    informationTypes: z.array(informationTypeSchema).min(1).max(100).optional(),
    authorizationBoundary: text(8000),
    networkArchitecture: text(8000).optional(),
    dataFlow: text(8000).optional(),
    organization: z.object({ name: line(200), shortName: line(64).optional(), email: email.optional() }).strict(),
    parties: z.array(partySchema).max(100).default([]),
    responsibleParties: z.array(responsibleSchema).max(50).default([]),
    users: z.array(userSchema).min(1).max(50).optional(),
  })
  .strict();

export type SystemDescription = z.infer<typeof systemDescriptionSchema>;

const RANK: Record<ImpactLevel, number> = { low: 0, moderate: 1, high: 2 };

/** The FIPS 199 high-water mark of three levels. */
export function highWaterMark(i: { confidentiality: ImpactLevel; integrity: ImpactLevel; availability: ImpactLevel }): ImpactLevel {
  return [i.confidentiality, i.integrity, i.availability].reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
}

export function parseSystemDescription(input: string | Uint8Array, source: string): SystemDescription {
  const r = systemDescriptionSchema.safeParse(parseYaml(input, source, { maxBytes: MAX_BYTES, maxAliasCount: 100 }));
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
    throw new AirlockError('BAD_INPUT', `${source}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const s = r.data;
  const ids = new Set<string>();
  for (const p of s.parties) {
    if (ids.has(p.id)) throw new AirlockError('BAD_INPUT', `${source}: parties: ${p.id} is listed twice`);
    ids.add(p.id);
  }
  const roles = new Set<string>();
  for (const rp of s.responsibleParties) {
    if (roles.has(rp.role)) throw new AirlockError('BAD_INPUT', `${source}: responsibleParties: role ${rp.role} is listed twice`);
    roles.add(rp.role);
    for (const id of rp.parties) if (!ids.has(id)) throw new AirlockError('BAD_INPUT', `${source}: responsibleParties: ${rp.role}: no party ${id} in parties`);
  }
  const sens = s.sensitivity;
  if (sens && RANK[sens] < RANK[highWaterMark(s.impact)]) {
    throw new AirlockError('BAD_INPUT', `${source}: sensitivity: ${sens} is below the high-water mark of impact (${highWaterMark(s.impact)}), which FIPS 199 makes the system's category`);
  }
  return s;
}

export async function loadSystemDescription(path: string): Promise<SystemDescription> {
  return parseSystemDescription(await readFileBounded(path, MAX_BYTES, 'system description'), path);
}
