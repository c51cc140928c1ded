/**
 * YAML for hostile input: duplicate keys are errors, alias expansion is bounded (the
 * "billion laughs" bomb), size is limited, and errors name the source, line and column.
 */
import { parseAllDocuments, parseDocument, type Document } from 'yaml';
import { AirlockError } from './errors.ts';

export interface YamlOptions {
  maxBytes?: number;
  /** How many times aliases may be expanded in one document (yaml's own guard). */
  maxAliasCount?: number;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

function check(doc: Document, source: string): void {
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? ` at line ${pos.line} column ${pos.col}` : '';
    throw new AirlockError('BAD_INPUT', `${source}: invalid YAML${where}: ${err.message.split('\n')[0]}`);
  }
}

function toJS(doc: Document, source: string, options: YamlOptions): unknown {
  try {
    return doc.toJS({ maxAliasCount: options.maxAliasCount ?? 1000 });
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${source}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

function text(input: string | Uint8Array, source: string, options: YamlOptions): string {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > maxBytes) throw new AirlockError('BAD_INPUT', `${source}: document of ${size} bytes exceeds the limit of ${maxBytes}`);
  return typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
}

/** Parses one YAML (or JSON) document into plain values, keeping the Document for source positions. */
export function parseYamlDocument(input: string | Uint8Array, source: string, options: YamlOptions = {}): { value: unknown; doc: Document } {
  const doc = parseDocument(text(input, source, options), { uniqueKeys: true, prettyErrors: true });
  check(doc, source);
  return { value: toJS(doc, source, options), doc };
}

export function parseYaml(input: string | Uint8Array, source: string, options: YamlOptions = {}): unknown {
  return parseYamlDocument(input, source, options).value;
}

/** Parses a multi-document stream (`---` separated); empty documents are dropped. */
export function parseYamlAll(input: string | Uint8Array, source: string, options: YamlOptions = {}): unknown[] {
  const docs = parseAllDocuments(text(input, source, options), { uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  list.forEach((doc, i) => {
    const name = list.length > 1 ? `${source} (document ${i + 1})` : source;
    check(doc as Document, name);
    const v = toJS(doc as Document, name, options);
    if (v !== null && v !== undefined) out.push(v);
  });
  return out;
}
