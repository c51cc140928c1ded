/**
 * Reading an OSCAL JSON document: strict JSON (size bound, duplicate keys refused, depth
 * bound), then the model from the root key and the declared `metadata.oscal-version`.
 * Pure: bytes in, a typed value or an AirlockError (BAD_INPUT, exit 2) out. Whether the
 * document is valid OSCAL is the schema's business (validate.ts).
 */
import { AirlockError } from '../common/errors.ts';
import { parseJsonStrict } from '../common/json.ts';
import { OSCAL_MODELS, isOscalModel, type OscalModel } from './models.ts';

/** The largest OSCAL file read: the full SP 800-53 catalog is about 10 MiB pretty-printed. */
export const MAX_OSCAL_BYTES = 64 * 1024 * 1024;
/** OSCAL nests parts in parts and controls in controls; real content stays far below this. */
export const MAX_OSCAL_DEPTH = 64;

export type JsonObject = Record<string, unknown>;

export interface OscalDocument {
  model: OscalModel;
  /** `metadata.oscal-version` as written, or undefined when absent or not a string. */
  declaredVersion: string | undefined;
  /** The whole document, `{ "<model>": { ... } }` with an optional `$schema`. */
  value: JsonObject;
  /** The model object (`value[model]`). */
  body: JsonObject;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The model and declared version of an already parsed value. */
export function identifyOscal(value: unknown, source: string): OscalDocument {
  if (!isObject(value)) throw new AirlockError('BAD_INPUT', `${source}: not an OSCAL document: the JSON root is not an object`);
  const models = Object.keys(value).filter(isOscalModel);
  if (models.length === 0) {
    const keys = Object.keys(value).slice(0, 5).map((k) => JSON.stringify(k));
    throw new AirlockError('BAD_INPUT', `${source}: not an OSCAL document: no root key of ${OSCAL_MODELS.join(', ')} (found ${keys.join(', ') || 'none'})`);
  }
  if (models.length > 1) throw new AirlockError('BAD_INPUT', `${source}: not an OSCAL document: more than one model at the root (${models.join(', ')})`);
  const model = models[0] as OscalModel;
  const body = value[model];
  if (!isObject(body)) throw new AirlockError('BAD_INPUT', `${source}: not an OSCAL document: ${model} is not an object`);
  const metadata = body.metadata;
  const declared = isObject(metadata) && typeof metadata['oscal-version'] === 'string' ? metadata['oscal-version'] : undefined;
  return { model, declaredVersion: declared, value, body };
}

export function parseOscalDocument(input: Uint8Array | string, source: string, options: { maxBytes?: number } = {}): OscalDocument {
  const value = parseJsonStrict(input, source, { maxBytes: options.maxBytes ?? MAX_OSCAL_BYTES, maxDepth: MAX_OSCAL_DEPTH });
  return identifyOscal(value, source);
}
