/**
 * Validation against NIST's OSCAL JSON schemas with Ajv (draft-07). NIST's regular
 * expressions use Unicode property classes (`\p{L}`, `\p{N}`), which only mean what they
 * say with the `u` flag, hence `unicodeRegExp`; formats (date-time, uri, uri-reference,
 * email) come from ajv-formats.
 *
 * Compiling one model's schema takes a few hundred milliseconds, so compiled validators
 * are cached per schema folder, version and model for the life of the process; the
 * Ajv instance is shared per folder (every NIST schema has its own `$id`).
 */
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { AirlockError } from '../common/errors.ts';
import { modelInVersion, type OscalModel, type OscalVersion } from './models.ts';
import { defaultSchemaDir, readSchema } from './schema-files.ts';

export interface ValidationIssue {
  /** JSON pointer (RFC 6901) into the document; "" is the root. */
  pointer: string;
  message: string;
}

export interface ValidationResult {
  model: OscalModel;
  schemaVersion: OscalVersion;
  valid: boolean;
  /** Every error the schema reported. */
  errorCount: number;
  /** The first `maxErrors` of them. */
  errors: ValidationIssue[];
  truncated: boolean;
}

export const DEFAULT_MAX_ERRORS = 100;
const MAX_VALUE_SHOWN = 60;

interface Compiled {
  validate: ValidateFunction;
  compileMs: number;
  /** Pattern to the name of the datatype that defines it ("DateTimeWithTimezoneDatatype"). */
  patternNames: Map<string, string>;
}

const ajvByDir = new Map<string, Promise<Ajv>>();
const compiled = new Map<string, Promise<Compiled>>();

function ajvFor(dir: string): Promise<Ajv> {
  let ajv = ajvByDir.get(dir);
  if (!ajv) {
    ajv = newAjv();
    ajvByDir.set(dir, ajv);
  }
  return ajv;
}

async function newAjv(): Promise<Ajv> {
  // Loaded on first validation, not when the CLI starts.
  const [{ Ajv: AjvClass }, { default: addFormats }] = await Promise.all([import('ajv'), import('ajv-formats')]);
  // NIST's schemas compile in strict mode (a test checks that); a schema folder given by the
  // user may not, and validating with it matters more than linting it.
  const ajv = new AjvClass({ strict: false, allErrors: true, unicodeRegExp: true });
  addFormats.default(ajv);
  return ajv;
}

async function compile(dir: string, version: OscalVersion, model: OscalModel): Promise<Compiled> {
  const schema = await readSchema(dir, version, model);
  const ajv = await ajvFor(dir);
  const id = schema.$id as string;
  const t0 = performance.now();
  try {
    // A second folder instance with the same $id cannot happen: one Ajv per folder.
    const validate = ajv.getSchema(id) ?? ajv.compile(schema);
    return { validate, compileMs: performance.now() - t0, patternNames: datatypePatterns(schema) };
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${dir}: the OSCAL ${version} ${model} schema does not compile: ${(e as Error).message}`);
  }
}

/**
 * Ajv inlines `$ref`s, so an error's schema path names the referring definition, not the
 * datatype whose pattern failed; the pattern itself says which datatype it is.
 */
function datatypePatterns(schema: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const defs = schema.definitions;
  if (typeof defs !== 'object' || defs === null) return out;
  for (const [name, def] of Object.entries(defs as Record<string, unknown>)) {
    const pattern = typeof def === 'object' && def !== null ? (def as Record<string, unknown>).pattern : undefined;
    if (typeof pattern === 'string' && !out.has(pattern)) out.set(pattern, name);
  }
  return out;
}

/** The compiled validator for one model (compiled once per process and folder). */
export async function compiledValidator(model: OscalModel, version: OscalVersion, schemaDir: string = defaultSchemaDir()): Promise<Compiled> {
  if (!modelInVersion(model, version)) throw new AirlockError('UNSUPPORTED', `OSCAL ${version} has no ${model} model (it arrived with 1.2.0)`);
  const key = `${schemaDir}\u0000${version}\u0000${model}`;
  let p = compiled.get(key);
  if (!p) {
    p = compile(schemaDir, version, model);
    compiled.set(key, p);
    p.catch(() => compiled.delete(key));
  }
  return p;
}

function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > MAX_VALUE_SHOWN ? `${s.slice(0, MAX_VALUE_SHOWN)}...` : s;
}

/** The name of the schema definition an error came from, without the model prefix. */
function definitionOf(schemaPath: string): string | undefined {
  const parts = schemaPath.split('/');
  const i = parts.lastIndexOf('definitions');
  const name = i >= 0 ? parts[i + 1] : undefined;
  return name?.replace(/^.*:/, '');
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function describeError(e: ErrorObject, doc: unknown, patternNames: ReadonlyMap<string, string> = new Map()): ValidationIssue {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: e.instancePath, message: `required property ${JSON.stringify(p.missingProperty)} is missing` };
    case 'additionalProperties':
      return { pointer: `${e.instancePath}/${escapePointer(String(p.additionalProperty))}`, message: 'property is not allowed here' };
    case 'pattern': {
      const def = patternNames.get(String(p.pattern)) ?? definitionOf(e.schemaPath);
      return { pointer: e.instancePath, message: `${shown(valueAt(doc, e.instancePath))} does not match the ${def ?? 'required'} pattern` };
    }
    case 'format':
      return { pointer: e.instancePath, message: `${shown(valueAt(doc, e.instancePath))} is not a valid ${String(p.format)}` };
    case 'type':
      return { pointer: e.instancePath, message: `must be ${String(p.type)}, found ${shown(valueAt(doc, e.instancePath))}` };
    case 'enum':
      return { pointer: e.instancePath, message: `${shown(valueAt(doc, e.instancePath))} is not one of ${shown(p.allowedValues)}` };
    default:
      return { pointer: e.instancePath, message: e.message ?? e.keyword };
  }
}

/**
 * A failed anyOf reports the errors of every branch, most of them about branches the
 * document never meant (NIST's 1.2 schemas model "a group holds groups or controls" that
 * way). Keep the branch that came closest (fewest errors) and drop the rest together
 * with the bare "must match a schema in anyOf". Errors raised inside a separately
 * compiled (recursive) definition carry their own schema path and are always kept.
 */
function pruneBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const e of errors) {
    if ((e.keyword !== 'anyOf' && e.keyword !== 'oneOf') || drop.has(e)) continue;
    const prefix = `${e.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const x of errors) {
      if (x === e || !x.schemaPath.startsWith(prefix) || !x.instancePath.startsWith(e.instancePath)) continue;
      const branch = x.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      const list = branches.get(branch) ?? [];
      list.push(x);
      branches.set(branch, list);
    }
    if (branches.size === 0) continue;
    const best = [...branches.values()].reduce((a, b) => (b.length < a.length ? b : a));
    for (const list of branches.values()) if (list !== best) for (const x of list) drop.add(x);
    drop.add(e);
  }
  return errors.filter((x) => !drop.has(x));
}

/** Validates a parsed document against the OSCAL schema of one model and version. */
export async function validateOscal(
  doc: unknown,
  model: OscalModel,
  version: OscalVersion,
  options: { schemaDir?: string; maxErrors?: number } = {},
): Promise<ValidationResult> {
  const { validate, patternNames } = await compiledValidator(model, version, options.schemaDir);
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const ok = validate(doc) as boolean;
  const all = ok ? [] : pruneBranches(validate.errors ?? []);
  // A value that fails its datatype's pattern usually fails the format too: report it once.
  const patternAt = new Set(all.filter((e) => e.keyword === 'pattern').map((e) => e.instancePath));
  const errors: ValidationIssue[] = [];
  const seen = new Set<string>();
  let count = 0;
  for (const e of all) {
    if (e.keyword === 'format' && patternAt.has(e.instancePath)) continue;
    const issue = describeError(e, doc, patternNames);
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    count++;
    if (errors.length < maxErrors) errors.push(issue);
  }
  return { model, schemaVersion: version, valid: ok, errorCount: count, errors, truncated: count > errors.length };
}
