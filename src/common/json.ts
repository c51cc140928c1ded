/**
 * Strict JSON for hostile input: size-limited, duplicate keys rejected (JSON.parse keeps
 * the last one silently, which lets two readers of one document see different values),
 * nesting depth bounded, and the error names the source and the position.
 * JSON.parse builds the value; on a document it accepts, one pass over the text finds
 * duplicate keys and the depth. Whatever is refused goes through jsonc-parser's scanner,
 * which names every problem and its position.
 */
import { visit, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { AirlockError, type ErrorCode } from './errors.ts';

export interface StrictJsonOptions {
  /** Largest accepted document in bytes. */
  maxBytes?: number;
  /** Deepest accepted nesting of objects and arrays. */
  maxDepth?: number;
  /** The error code of a refusal: BAD_INPUT (exit 2) by default; VERIFY_FAILED for signed content. */
  code?: ErrorCode;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 128;

export function parseJsonStrict(input: Uint8Array | string, source: string, options: StrictJsonOptions = {}): unknown {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const code = options.code ?? 'BAD_INPUT';
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > maxBytes) {
    throw new AirlockError(code, `${source}: JSON document of ${size} bytes exceeds the limit of ${maxBytes}`);
  }
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return parseWithProblems(text, source, maxDepth, code);
  }
  return uniqueKeysWithin(text, maxDepth) ? value : parseWithProblems(text, source, maxDepth, code);
}

/**
 * For text JSON.parse accepted: true when no object repeats a key (compared decoded, as
 * a reader sees them) and nesting stays within maxDepth. Relies on the text being valid:
 * inside an object, a string right after "{" or "," is a key.
 */
export function uniqueKeysWithin(text: string, maxDepth: number): boolean {
  const objects: (Set<string> | undefined)[] = [];
  let keyNext = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The closing quote: the next one not escaped by an odd run of backslashes. Long
      // strings (a README kept in package.json) are skipped by indexOf, not char by char.
      let j = text.indexOf('"', i + 1);
      for (;;) {
        let slashes = 0;
        while (text.charCodeAt(j - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (keyNext) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) return false;
        keys.add(key);
        keyNext = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (objects.length >= maxDepth) return false;
      objects.push(c === 0x7b ? new Set() : undefined);
      keyNext = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      keyNext = false;
    } else if (c === 0x2c) {
      keyNext = objects[objects.length - 1] !== undefined;
    }
  }
  return true;
}

/** The careful path: every problem with its position, then JSON.parse. */
function parseWithProblems(text: string, source: string, maxDepth: number, code: ErrorCode): unknown {
  const problems: string[] = [];
  const keyStack: Set<string>[] = [];
  let depth = 0;
  const position = (offset: number): string => {
    let line = 1;
    let col = 1;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else col++;
    }
    return `line ${line} column ${col}`;
  };
  visit(
    text,
    {
      onObjectBegin: () => {
        depth++;
        if (depth > maxDepth && problems.length === 0) problems.push(`nesting deeper than ${maxDepth}`);
        keyStack.push(new Set());
      },
      onObjectEnd: () => {
        depth--;
        keyStack.pop();
      },
      onArrayBegin: () => {
        depth++;
        if (depth > maxDepth && problems.length === 0) problems.push(`nesting deeper than ${maxDepth}`);
      },
      onArrayEnd: () => {
        depth--;
      },
      onObjectProperty: (property, offset) => {
        const keys = keyStack[keyStack.length - 1];
        if (!keys) return;
        if (keys.has(property)) problems.push(`duplicate key "${property}" at ${position(offset)}`);
        keys.add(property);
      },
      onError: (error: number, offset: number) => {
        problems.push(`${printParseErrorCode(error as ParseError['error'])} at ${position(offset)}`);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  if (problems.length > 0) {
    throw new AirlockError(code, `${source}: invalid JSON: ${problems[0]}`, { details: problems });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AirlockError(code, `${source}: invalid JSON: ${(e as Error).message}`);
  }
}

/** Canonical, stable JSON bytes for what Airlock writes (two-space indent, trailing newline). */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
}
