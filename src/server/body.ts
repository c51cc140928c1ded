/**
 * Request bodies of the ingest endpoints, decoded without I/O: bytes and headers in,
 * the JSON values of the events out, or an HttpError (400, 413, 415) with a one-line
 * reason. JSON is parsed strictly (duplicate keys, depth; common/json.ts).
 *
 * - `application/json`: one JSON document, an event object or an array of them (Falco's
 *   http_output and falcosidekick's webhook post one event per request).
 * - `application/x-ndjson` (also `application/jsonl`, `application/json-lines`,
 *   `application/jsonlines`, `application/x-jsonlines`): one event per line (an array on
 *   a line is taken as several events); blank lines are skipped.
 * - `Content-Encoding: gzip` is accepted; the decompressed body is held to the same
 *   limit as the body, so a small bomb cannot expand past it.
 *
 * A request is all or nothing: the first bad line rejects the whole body, nothing of it
 * is stored, and the reason names the line.
 */
import { gunzipSync } from 'node:zlib';
import { AirlockError } from '../common/errors.ts';
import { parseJsonStrict } from '../common/json.ts';
import { LineSplitter } from '../evidence/readers/line-splitter.ts';
import { HttpError } from './http-error.ts';

export const JSON_TYPES: readonly string[] = ['application/json'];
export const JSON_LINES_TYPES: readonly string[] = ['application/x-ndjson', 'application/jsonl', 'application/json-lines', 'application/jsonlines', 'application/x-jsonlines'];

export interface BodyLimits {
  /** Largest body, after decompression, in bytes. */
  maxBodyBytes: number;
  /** Longest line of a JSON-lines body, in bytes. */
  maxLineBytes: number;
  /** Most events one request may carry. */
  maxEvents: number;
  /** Deepest nesting of a JSON value. */
  maxDepth: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = {
  maxBodyBytes: 1024 * 1024,
  maxLineBytes: 256 * 1024,
  maxEvents: 10_000,
  maxDepth: 64,
};

export interface BodyValue {
  /** Names the value in errors: `line 3`, `[2]`, `body`. */
  where: string;
  value: unknown;
}

export type BodyFormat = 'document' | 'lines';

/** The format a Content-Type header asks for; 415 for anything else. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  if (!contentType) throw new HttpError(415, 'no Content-Type: send application/json (one event or an array) or application/x-ndjson (one event per line)');
  const [type = '', ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  for (const p of params) {
    const m = /^charset\s*=\s*"?([^"]*)"?$/.exec(p);
    if (m && m[1] !== 'utf-8' && m[1] !== 'utf8') throw new HttpError(415, `charset ${m[1]} is not accepted; send UTF-8`);
  }
  if (JSON_TYPES.includes(type)) return 'document';
  if (JSON_LINES_TYPES.includes(type)) return 'lines';
  const hint = type === 'text/plain' ? ' (for Falco, set json_output: true)' : '';
  throw new HttpError(415, `Content-Type ${type || '(empty)'} is not accepted${hint}; send application/json or application/x-ndjson`);
}

/** The body's bytes after Content-Encoding; 415 for an unknown encoding, 413 past the limit. */
export function decodeContent(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc !== 'gzip' && enc !== 'x-gzip') throw new HttpError(415, `Content-Encoding ${enc} is not accepted (identity or gzip)`);
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `the decompressed body exceeds the limit of ${maxBytes} bytes`);
    }
    throw new HttpError(400, `the body is not valid gzip (${(e as Error).message})`);
  }
}

function parse(text: Buffer | string, where: string, limits: BodyLimits, maxBytes: number): unknown {
  try {
    return parseJsonStrict(text, where, { maxBytes, maxDepth: limits.maxDepth });
  } catch (e) {
    if (e instanceof AirlockError) throw new HttpError(400, e.message);
    throw e;
  }
}

function pushValues(out: BodyValue[], value: unknown, where: string, limits: BodyLimits): void {
  const items = Array.isArray(value) ? value : [value];
  items.forEach((v, i) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new HttpError(400, `${Array.isArray(value) ? `${where}[${i}]` : where}: expected a JSON object (an event), got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
    }
    if (out.length >= limits.maxEvents) throw new HttpError(413, `more than ${limits.maxEvents} events in one request; split it`);
    out.push({ where: Array.isArray(value) ? `${where}[${i}]` : where, value: v });
  });
}

/** The event values of a decoded body. */
export function bodyValues(bytes: Buffer, format: BodyFormat, limits: BodyLimits = DEFAULT_BODY_LIMITS): BodyValue[] {
  if (bytes.length > limits.maxBodyBytes) throw new HttpError(413, `the body of ${bytes.length} bytes exceeds the limit of ${limits.maxBodyBytes} bytes`);
  const out: BodyValue[] = [];
  if (format === 'document') {
    if (bytes.length === 0 || bytes.toString('utf8').trim() === '') throw new HttpError(400, 'empty body: send one event or an array of events');
    pushValues(out, parse(bytes, 'body', limits, limits.maxBodyBytes), 'body', limits);
    return out;
  }
  const splitter = new LineSplitter(limits.maxLineBytes);
  const take = (lines: ReturnType<LineSplitter['push']>) => {
    for (const l of lines) {
      if (l.kind === 'too-long') throw new HttpError(400, `line ${l.line}: ${l.length} bytes exceeds the line limit of ${limits.maxLineBytes} bytes`);
      let text = l.bytes.toString('utf8');
      if (l.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      pushValues(out, parse(text, `line ${l.line}`, limits, limits.maxLineBytes), `line ${l.line}`, limits);
    }
  };
  take(splitter.push(bytes));
  take(splitter.end());
  if (out.length === 0) throw new HttpError(400, 'empty body: no event in the JSON lines');
  return out;
}
