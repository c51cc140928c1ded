/**
 * A streaming JSON-lines reader: one value per line, parsed strictly (duplicate keys,
 * depth; see common/json.ts). Nothing aborts the rest of the input: a line longer than
 * the bound (1 MiB by default) is reported by number and skipped without being held
 * whole, and a line that is not JSON is reported by number. Blank lines are skipped.
 */
import { createReadStream } from 'node:fs';
import { AirlockError, ioError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { LineSplitter, type SplitLine } from './line-splitter.ts';

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export interface JsonLinesOptions {
  /** Names the input in errors: `<source>:<line>: ...`. */
  source: string;
  /** Longest accepted line in bytes, without its newline. */
  maxLineBytes?: number;
}

export type JsonLine = { line: number; value: unknown } | { line: number; error: AirlockError };

/** One split line as a value or an error; undefined for a blank line. */
export function parseSplitLine(l: SplitLine, source: string, maxLineBytes: number): JsonLine | undefined {
  const where = `${source}:${l.line}`;
  if (l.kind === 'too-long') {
    return { line: l.line, error: new AirlockError('BAD_INPUT', `${where}: line of ${l.length} bytes exceeds the limit of ${maxLineBytes} bytes; skipped`) };
  }
  let text = l.bytes.toString('utf8');
  if (l.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return undefined;
  try {
    return { line: l.line, value: parseJsonStrict(text, where, { maxBytes: maxLineBytes }) };
  } catch (e) {
    if (e instanceof AirlockError) return { line: l.line, error: e };
    throw e;
  }
}

export async function* readJsonLines(input: AsyncIterable<Uint8Array | string>, options: JsonLinesOptions): AsyncGenerator<JsonLine> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const splitter = new LineSplitter(max);
  for await (const chunk of input) {
    for (const l of splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) {
      const r = parseSplitLine(l, options.source, max);
      if (r) yield r;
    }
  }
  for (const l of splitter.end()) {
    const r = parseSplitLine(l, options.source, max);
    if (r) yield r;
  }
}

/** readJsonLines over a file, read in 64 KiB chunks. */
export async function* readJsonLinesFile(path: string, options: Partial<JsonLinesOptions> = {}): AsyncGenerator<JsonLine> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    yield* readJsonLines(stream, { source: options.source ?? path, ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}) });
  } catch (e) {
    throw ioError(path, e, 'read');
  } finally {
    stream.destroy();
  }
}
