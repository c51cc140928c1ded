/**
 * Typed errors. Every failure the user can cause or meet carries a stable code, a
 * one-line message that names the file and what is wrong, and the exit code the CLI
 * returns: 1 when a check failed (verification, policy, threshold), 2 for bad input or
 * usage. Anything else that escapes is a bug and exits 70 (EX_SOFTWARE).
 */

export type ErrorCode =
  | 'USAGE'
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'IO'
  | 'VERIFY_FAILED'
  | 'CHECK_FAILED'
  | 'UNTRUSTED'
  | 'EXPIRED'
  | 'ROLLBACK'
  | 'INCOMPLETE'
  | 'LOCKED'
  | 'UNSUPPORTED';

const CHECK_CODES: ReadonlySet<ErrorCode> = new Set([
  'VERIFY_FAILED',
  'CHECK_FAILED',
  'UNTRUSTED',
  'EXPIRED',
  'ROLLBACK',
  'INCOMPLETE',
]);

export class AirlockError extends Error {
  readonly code: ErrorCode;
  /** Extra lines (for example every problem a verification found). */
  readonly details: readonly string[];
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: readonly string[]; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirlockError';
    this.code = code;
    this.details = options.details ?? [];
    this.context = options.context ?? {};
  }

  get exitCode(): 1 | 2 {
    return CHECK_CODES.has(this.code) ? 1 : 2;
  }
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** Wraps a file-system error into a one-line AirlockError naming the path. */
export function ioError(path: string, e: unknown, doing?: string): AirlockError {
  if (isAirlockError(e)) return e;
  const code = errnoCode(e);
  const text = (code && ERRNO_TEXT[code]) ?? (e instanceof Error ? e.message : String(e));
  const what = doing ? `${doing}: ` : '';
  return new AirlockError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `${path}: ${what}${text}`, {
    cause: e,
    context: { path, errno: code },
  });
}
