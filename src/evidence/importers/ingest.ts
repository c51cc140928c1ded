/**
 * Pure entry points over the registry: a parsed value or a document's bytes in, drafts
 * out, with `--type auto` resolved by the importers' detect functions. Reading files and
 * splitting lines is in ../readers/.
 */
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import type { EvidenceDraft } from '../types.ts';
import type { ImportContext, Importer } from './importer.ts';
import { AUTO_TYPE, detectImporter, getImporter, importerTypes } from './registry.ts';

/** Largest JSON document an importer is given (the same bound as strict JSON's default). */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export interface Imported {
  importer: Importer;
  drafts: EvidenceDraft[];
}

/** The importer for a type, or for `auto` the one that recognises the value. */
export function resolveImporter(type: string | Importer, value: unknown, source: string): Importer {
  if (typeof type !== 'string') return type;
  if (type !== AUTO_TYPE) return getImporter(type);
  const found = detectImporter(value);
  if (!found) throw new AirlockError('BAD_INPUT', `${source}: not a format Airlock imports (${importerTypes().join(', ')}); give --type`);
  return found;
}

/** Imports a parsed value. */
export function importValue(value: unknown, type: string | Importer, ctx: ImportContext): Imported {
  const importer = resolveImporter(type, value, ctx.source);
  return { importer, drafts: importer.import(value, ctx) };
}

/** Parses a whole JSON document strictly (size, depth, duplicate keys) and imports it. */
export function importDocument(input: string | Uint8Array, type: string | Importer, ctx: ImportContext): Imported {
  return importValue(parseJsonStrict(input, ctx.source, { maxBytes: MAX_DOCUMENT_BYTES }), type, ctx);
}
