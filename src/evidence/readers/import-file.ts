/**
 * Imports one file with a given importer type or `auto`: what `airlock evidence ingest
 * --type TYPE FILE` does for each file before handing the drafts to the store.
 *
 * - A `document` type reads the file whole (at most MAX_DOCUMENT_BYTES) and yields one
 *   batch; anything wrong with it is thrown (the file is rejected as a whole).
 * - A `lines` type (falco, wazuh) streams the file and yields one batch per line; a
 *   line that is too long, not JSON, or not the type is yielded as an error with its
 *   number and the rest of the file still imports. A file holding one JSON document
 *   (a pretty-printed event, or an array of events) is read as that document.
 * - `auto` looks at the whole document when the file parses as one, else at its lines,
 *   and picks the first importer that recognises the value (per line, until one does).
 */
import { promises as fsp } from 'node:fs';
import { AirlockError, ioError } from '../../common/errors.ts';
import { readFileBounded } from '../../common/fsx.ts';
import { parseJsonStrict } from '../../common/json.ts';
import type { ImportContext, Importer } from '../importers/importer.ts';
import { MAX_DOCUMENT_BYTES, resolveImporter } from '../importers/ingest.ts';
import { AUTO_TYPE, detectImporter, getImporter } from '../importers/registry.ts';
import type { EvidenceDraft } from '../types.ts';
import { readJsonLinesFile } from './json-lines.ts';

export type FileImportEvent =
  | { line?: number; importer: string; drafts: EvidenceDraft[] }
  | { line?: number; error: AirlockError };

export interface FileImportOptions {
  maxLineBytes?: number;
}

/**
 * The whole file as one JSON value; `lines` when it holds more than one value (JSON
 * lines); the parse error otherwise.
 */
async function wholeDocument(path: string, size: number, source: string): Promise<{ value: unknown } | { error: AirlockError } | 'lines'> {
  if (size > MAX_DOCUMENT_BYTES) return 'lines';
  const bytes = await readFileBounded(path, MAX_DOCUMENT_BYTES, 'JSON document');
  try {
    return { value: parseJsonStrict(bytes, source, { maxBytes: MAX_DOCUMENT_BYTES }) };
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    // A second value after the first: JSON lines. jsonc-parser names it EndOfFileExpected.
    const many = [e.message, ...e.details].some((d) => {
      const m = /EndOfFileExpected at line (\d+)/.exec(d);
      return m !== null && Number(m[1]) > 1;
    });
    return many ? 'lines' : { error: e };
  }
}

export async function* importFile(
  path: string,
  type: string,
  ctx: Omit<ImportContext, 'source'> & { source?: string },
  options: FileImportOptions = {},
): AsyncGenerator<FileImportEvent> {
  const source = ctx.source ?? path;
  const fixed: Importer | undefined = type === AUTO_TYPE ? undefined : getImporter(type);
  let size: number;
  try {
    size = (await fsp.stat(path)).size;
  } catch (e) {
    throw ioError(path, e);
  }

  if (fixed?.input === 'document') {
    const bytes = await readFileBounded(path, MAX_DOCUMENT_BYTES, 'JSON document');
    const value = parseJsonStrict(bytes, source, { maxBytes: MAX_DOCUMENT_BYTES });
    yield { importer: fixed.type, drafts: fixed.import(value, { ...ctx, source }) };
    return;
  }

  // Lines types and auto: a file that is one JSON document is imported as that document.
  const whole = await wholeDocument(path, size, source);
  if (whole !== 'lines' && 'value' in whole) {
    const importer = resolveImporter(fixed ?? AUTO_TYPE, whole.value, source);
    yield { importer: importer.type, drafts: importer.import(whole.value, { ...ctx, source }) };
    return;
  }
  // A single document that does not parse, for auto: say why, rather than blame its lines.
  if (whole !== 'lines' && !fixed) throw whole.error;

  let importer = fixed;
  for await (const l of readJsonLinesFile(path, { source, ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}) })) {
    if ('error' in l) {
      yield l;
      continue;
    }
    const where = `${source}:${l.line}`;
    if (!importer) {
      const found = detectImporter(l.value);
      if (!found || found.input !== 'lines') {
        yield { line: l.line, error: new AirlockError('BAD_INPUT', `${where}: not a Falco event or a Wazuh alert; give --type`) };
        continue;
      }
      importer = found;
    }
    try {
      yield { line: l.line, importer: importer.type, drafts: importer.import(l.value, { ...ctx, source: where }) };
    } catch (e) {
      if (e instanceof AirlockError) yield { line: l.line, error: e };
      else throw e;
    }
  }
}
