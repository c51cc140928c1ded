/**
 * An advisory as the SQL values the importer writes: the JSON columns encoded, names
 * keyed (names.ts). Pure, so that the worker threads do this work and the thread that
 * writes the DB only binds values.
 */
import { packageKey, splitEcosystem } from './names.ts';
import type { Advisory, AffectedPackage } from './types.ts';

export type SqlValue = string | null;

/** id, modified, published, withdrawn, aliases, upstream, summary, severity, text_severity, refs (the source is added by the writer). */
export const ADVISORY_VALUES = 10;
/** eco_base, eco_release, name_key, ecosystem, name, data. */
export const AFFECTED_VALUES = 6;

export function advisoryValues(a: Advisory): SqlValue[] {
  return [
    a.id,
    a.modified ?? null,
    a.published ?? null,
    a.withdrawn ?? null,
    JSON.stringify([...a.aliases].sort()),
    JSON.stringify(a.upstream),
    a.summary ?? null,
    JSON.stringify(a.severity),
    a.textSeverity ?? null,
    JSON.stringify(a.references),
  ];
}

export function affectedValues(p: AffectedPackage): SqlValue[] {
  const { base, release } = splitEcosystem(p.ecosystem);
  const data = { purl: p.purl, ranges: p.ranges, versions: p.versions, severity: p.severity, textSeverity: p.textSeverity };
  return [base, release, packageKey(base, p.name), p.ecosystem, p.name, JSON.stringify(data)];
}

/** The base ecosystems an advisory names, each once ("Debian:12" and "Debian:11" count as Debian once). */
export function baseEcosystems(a: Advisory): string[] {
  return [...new Set(a.affected.map((p) => splitEcosystem(p.ecosystem).base))];
}
