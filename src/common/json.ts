/**
 * Strict JSON for hostile input: size-limited, duplicate keys rejected (JSON.parse keeps
 * the last one silently, which lets two readers of one document see different values),
 * nesting depth bounded, and the error names the source and the position.
 * jsonc-parser's scanner finds duplicate keys and positions; JSON.parse builds the value.
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
