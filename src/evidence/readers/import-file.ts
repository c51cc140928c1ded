/**
 * Imports one file with a given importer type or `auto`: what `airlock evidence ingest
 * --type TYPE FILE` does for each file before handing the drafts to the store.
 *
 * - A `document` type reads the file whole (at most MAX_DOCUMENT_BYTES) and yields one
 *   batch; anything wrong with it is thrown (the file is rejected as a whole).
 * - A `lines` type (falco, wazuh) streams the file and yields one batch per line; a
 *   line that is too long, not JSON, or not the type is yielded as an error with its
 *   number, and the rest of the file still imports. A file whose first line is not a
 *   JSON value by itself (a pretty-printed event, or an array of events) is read as one
 *   document instead.
 * - `auto` reads the file as JSON lines when its first line is a Falco event or a Wazuh
 *   alert (or when the file holds several values), else as one document; the importer
 *   is the first that recognises the document, or per line the first line's.
 */
import { promises as fsp } from 'node:fs';
import { AirlockError, ioError } from '../../common/errors.ts';
import { readFileBounded } from '../../common/fsx.ts';
import { parseJsonStrict } from '../../common/json.ts';
import type { ImportContext, Importer } from '../importers/importer.ts';
import { MAX_DOCUMENT_BYTES, resolveImporter } from '../importers/ingest.ts';
import { AUTO_TYPE, detectImporter, getImporter } from '../importers/registry.ts';
import type { EvidenceDraft } from '../types.ts';
import { DEFAULT_MAX_LINE_BYTES, readJsonLinesFile } from './json-lines.ts';

export type FileImportEvent =
  | { line?: number; importer: string; drafts: EvidenceDraft[] }
  | { line?: number; error: AirlockError };

export interface FileImportOptions {
  maxLineBytes?: number;
}

/** The first line's value when it is a JSON value by itself (and not too long); else undefined. */
async function firstLineValue(path: string, maxLineBytes: number): Promise<{ value: unknown } | undefined> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(path, 'r');
    const buf = Buffer.alloc(Math.min(maxLineBytes + 1, 1024 * 1024 + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    const nl = head.indexOf(10);
    if (nl === -1 && bytesRead === buf.length) return undefined;
    const text = head.subarray(0, nl === -1 ? bytesRead : nl).toString('utf8').replace(/^\ufeff/, '');
    if (text.trim() === '') return undefined;
    return { value: parseJsonStrict(text, path) };
  } catch (e) {
    if (e instanceof AirlockError) return undefined;
    throw ioError(path, e, 'read');
  } finally {
    await fh?.close();
  }
}

/**
 * The whole file as one JSON value; `lines` when it holds more than one value (JSON
 * lines whose first line is broken); the parse error otherwise.
 */
async function wholeDocument(path: string, size: number, source: string): Promise<{ value: unknown } | { error: AirlockError } | 'lines'> {
  if (size > MAX_DOCUMENT_BYTES) return 'lines';
  const bytes = await readFileBounded(path, MAX_DOCUMENT_BYTES, 'JSON document');
  try {
    return { value: parseJsonStrict(bytes, source, { maxBytes: MAX_DOCUMENT_BYTES }) };
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    // A second value after the first: jsonc-parser names it EndOfFileExpected.
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
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const fixed: Importer | undefined = type === AUTO_TYPE ? undefined : getImporter(type);
  let size: number;
  try {
    size = (await fsp.stat(path)).size;
  } catch (e) {
    throw ioError(path, e);
  }

  const asDocument = (value: unknown): FileImportEvent => {
    const importer = resolveImporter(fixed ?? AUTO_TYPE, value, source);
    return { importer: importer.type, drafts: importer.import(value, { ...ctx, source }) };
  };

  let lines = false;
  if (fixed?.input !== 'document') {
    const first = await firstLineValue(path, maxLineBytes);
    // A first line that is a value by itself: JSON lines (for auto: when it is an event or alert).
    if (first) lines = fixed !== undefined || detectImporter(first.value)?.input === 'lines';
  }
  if (!lines) {
    if (fixed?.input === 'document') {
      const bytes = await readFileBounded(path, MAX_DOCUMENT_BYTES, 'JSON document');
      yield asDocument(parseJsonStrict(bytes, source, { maxBytes: MAX_DOCUMENT_BYTES }));
      return;
    }
    const whole = await wholeDocument(path, size, source);
    if (whole !== 'lines' && 'value' in whole) {
      yield asDocument(whole.value);
      return;
    }
    // Not one document. For auto that is the answer; a lines type reads it line by line.
    if (whole !== 'lines' && !fixed) throw whole.error;
  }

  let importer = fixed;
  for await (const l of readJsonLinesFile(path, { source, maxLineBytes })) {
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
