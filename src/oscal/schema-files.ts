/**
 * Where NIST's OSCAL JSON schemas are read from: content/oscal-schemas/<version>/ of the
 * installation (shipped with the product, see the README there), or a folder the user
 * names. A named folder may hold the version folders (`DIR/1.1.3/oscal_catalog_schema.json`)
 * or the files of one version directly; either way each schema's `$id` must name the
 * version asked for, so a folder of the wrong release is refused, not silently used.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseJsonStrict } from '../common/json.ts';
import { defaultContentDir } from '../frameworks/index.ts';
import { SCHEMA_FILES, type OscalModel, type OscalVersion } from './models.ts';

export const SCHEMA_DIR_NAME = 'oscal-schemas';
/** NIST's largest per-model schema is about 150 KiB. */
const MAX_SCHEMA_BYTES = 8 * 1024 * 1024;

export function defaultSchemaDir(): string {
  return join(defaultContentDir(), SCHEMA_DIR_NAME);
}

export function schemaPath(dir: string, version: OscalVersion, model: OscalModel): string {
  const file = SCHEMA_FILES[model];
  const nested = join(dir, version, file);
  return existsSync(nested) ? nested : join(dir, file);
}

export async function readSchema(dir: string, version: OscalVersion, model: OscalModel): Promise<Record<string, unknown>> {
  const path = schemaPath(dir, version, model);
  if (!existsSync(path)) {
    throw new AirlockError('NOT_FOUND', `${join(dir, version, SCHEMA_FILES[model])}: no OSCAL ${version} schema for ${model}`);
  }
  const value = parseJsonStrict(await readFileBounded(path, MAX_SCHEMA_BYTES, 'schema'), path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AirlockError('BAD_INPUT', `${path}: not a JSON schema`);
  const schema = value as Record<string, unknown>;
  const id = typeof schema.$id === 'string' ? schema.$id : '';
  if (!id.includes(`/${version}/`)) {
    throw new AirlockError('BAD_INPUT', `${path}: schema $id ${JSON.stringify(id)} is not an OSCAL ${version} schema`);
  }
  if (schema.$schema !== 'http://json-schema.org/draft-07/schema#') {
    throw new AirlockError('BAD_INPUT', `${path}: expected a draft-07 JSON schema, found $schema ${JSON.stringify(schema.$schema)}`);
  }
  return schema;
}
