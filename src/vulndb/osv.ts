/**
 * Pure parser of one OSV record (https://ossf.github.io/osv-schema/): bytes in, a typed
 * Advisory or an AirlockError naming the record and the field out. JSON is checked for
 * duplicate keys, depth and size (json-check.ts); YAML goes through the strict YAML parser. Only
 * what matching and reporting need is kept: GIT ranges, details and credits are dropped.
 */
import { AirlockError } from '../common/errors.ts';
import { findJsonProblem } from './json-check.ts';
import { parseYaml } from '../common/yaml.ts';
import type { AffectedPackage, AffectedRange, Advisory, RangeEvent, SeverityEntry } from './types.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;
const MAX_STRING = 4096;
const MAX_SUMMARY = 1024;
const MAX_REFERENCES = 50;
const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class RecordError extends Error {}

function str(v: unknown, field: string, max = MAX_STRING): string {
  if (typeof v !== 'string') throw new RecordError(`${field} is not a string`);
  if (v.length > max) throw new RecordError(`${field} is longer than ${max} characters`);
  return v;
}

function optStr(v: unknown, field: string, max = MAX_STRING): string | undefined {
  return v === undefined || v === null ? undefined : str(v, field, max);
}

function arr(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RecordError(`${field} is not an array`);
  return v;
}

function severities(v: unknown, field: string): SeverityEntry[] {
  return arr(v, field).map((s, i) => {
    if (!isObj(s)) throw new RecordError(`${field}[${i}] is not an object`);
    return { type: str(s.type, `${field}[${i}].type`, 64), score: str(s.score, `${field}[${i}].score`, 512) };
  });
}

function textSeverity(...objs: unknown[]): string | undefined {
  for (const o of objs) {
    if (isObj(o) && typeof o.severity === 'string' && o.severity.length <= 64) return o.severity;
  }
  return undefined;
}

function ranges(v: unknown, field: string): AffectedRange[] {
  const out: AffectedRange[] = [];
  arr(v, field).forEach((r, i) => {
    const f = `${field}[${i}]`;
    if (!isObj(r)) throw new RecordError(`${f} is not an object`);
    const type = str(r.type, `${f}.type`, 32);
    const events: RangeEvent[] = arr(r.events, `${f}.events`).map((e, j) => {
      if (!isObj(e)) throw new RecordError(`${f}.events[${j}] is not an object`);
      const kinds = EVENT_KINDS.filter((k) => e[k] !== undefined);
      if (kinds.length !== 1) throw new RecordError(`${f}.events[${j}] must have exactly one of ${EVENT_KINDS.join(', ')}`);
      const k = kinds[0] as (typeof EVENT_KINDS)[number];
      return { [k]: str(e[k], `${f}.events[${j}].${k}`, 256) } as RangeEvent;
    });
    if (type === 'GIT') return; // commit ranges need the repository; not used for package matching
    if (type !== 'ECOSYSTEM' && type !== 'SEMVER') throw new RecordError(`${f}.type ${JSON.stringify(type)} is not ECOSYSTEM, SEMVER or GIT`);
    if (events.length === 0) throw new RecordError(`${f}.events is empty`);
    out.push({ type, events });
  });
  return out;
}

function affected(v: unknown): AffectedPackage[] {
  const out: AffectedPackage[] = [];
  arr(v, 'affected').forEach((a, i) => {
    const f = `affected[${i}]`;
    if (!isObj(a)) throw new RecordError(`${f} is not an object`);
    const rs = ranges(a.ranges, `${f}.ranges`);
    if (a.package === undefined) return; // a GIT-only entry names no package
    if (!isObj(a.package)) throw new RecordError(`${f}.package is not an object`);
    const ecosystem = str(a.package.ecosystem, `${f}.package.ecosystem`, 128);
    const name = str(a.package.name, `${f}.package.name`, 512);
    if (ecosystem === '' || name === '') throw new RecordError(`${f}.package has an empty ecosystem or name`);
    const versions = arr(a.versions, `${f}.versions`).map((x, j) => str(x, `${f}.versions[${j}]`, 256));
    out.push({
      ecosystem,
      name,
      purl: optStr(a.package.purl, `${f}.package.purl`, 1024),
      ranges: rs,
      versions,
      severity: severities(a.severity, `${f}.severity`),
      textSeverity: textSeverity(a.ecosystem_specific, a.database_specific),
    });
  });
  return out;
}

/** Validates a decoded OSV record. */
export function toAdvisory(value: unknown): Advisory {
  if (!isObj(value)) throw new RecordError('the record is not an object');
  const id = str(value.id, 'id', 128);
  if (!ID.test(id)) throw new RecordError(`id ${JSON.stringify(id)} has characters outside [A-Za-z0-9._:+-]`);
  const summary = optStr(value.summary, 'summary', 64 * 1024);
  const refs = arr(value.references, 'references')
    .map((r) => (isObj(r) && typeof r.url === 'string' && r.url.length <= 2048 ? r.url : undefined))
    .filter((u): u is string => u !== undefined)
    .slice(0, MAX_REFERENCES);
  return {
    id,
    aliases: [...new Set(arr(value.aliases, 'aliases').map((x, i) => str(x, `aliases[${i}]`, 128)))].filter((a) => a !== id),
    upstream: [...new Set(arr(value.upstream, 'upstream').map((x, i) => str(x, `upstream[${i}]`, 128)))].filter((a) => a !== id).slice(0, 1000),
    modified: optStr(value.modified, 'modified', 64),
    published: optStr(value.published, 'published', 64),
    withdrawn: optStr(value.withdrawn, 'withdrawn', 64),
    summary: summary === undefined ? undefined : summary.slice(0, MAX_SUMMARY),
    severity: severities(value.severity, 'severity'),
    textSeverity: textSeverity(value.database_specific),
    references: refs,
    affected: affected(value.affected),
  };
}

/** The record's id when it can be read, for reporting bad records by id. */
export function guessId(value: unknown): string | undefined {
  return isObj(value) && typeof value.id === 'string' && value.id.length <= 128 ? value.id : undefined;
}

export interface ParsedRecord {
  advisory?: Advisory;
  /** Set when the record is bad; `id` is what could be read of it. */
  error?: { id?: string; message: string };
}

const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** JSON with the strict parser's guarantees (size, duplicate keys, depth), at JSON.parse speed. */
function parseJsonRecord(data: Uint8Array, name: string): unknown {
  if (data.byteLength > MAX_RECORD_BYTES) throw new AirlockError('BAD_INPUT', `${name}: JSON document of ${data.byteLength} bytes exceeds the limit of ${MAX_RECORD_BYTES}`);
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const problem = findJsonProblem(text, 64);
  if (problem) throw new AirlockError('BAD_INPUT', `${name}: invalid JSON: ${problem}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${name}: invalid JSON: ${(e as Error).message}`);
  }
}

/** Parses one OSV file (JSON or YAML by its name). Never throws for bad content. */
export function parseOsvRecord(data: Uint8Array, name: string): ParsedRecord {
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(name) ? parseYaml(data, name, { maxBytes: MAX_RECORD_BYTES }) : parseJsonRecord(data, name);
  } catch (e) {
    return { error: { message: e instanceof AirlockError ? e.message : `${name}: ${(e as Error).message}` } };
  }
  try {
    return { advisory: toAdvisory(value) };
  } catch (e) {
    if (e instanceof RecordError) return { error: { id: guessId(value), message: `${name}: ${e.message}` } };
    throw e;
  }
}
