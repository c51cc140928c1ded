/**
 * Tar entry names from hostile archives. A name is accepted only when it is relative,
 * has no `..` segment and no NUL or backslash; the result is normalised (no `./`, no
 * doubled or trailing slash) so that two spellings of one path compare equal.
 */
import { posix } from 'node:path';

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

export function checkEntryName(raw: string): NameCheck {
  if (raw.length === 0) return { ok: false, reason: 'empty name' };
  if (raw.length > 4096) return { ok: false, reason: 'name longer than 4096 bytes' };
  if (raw.includes('\0')) return { ok: false, reason: 'NUL in name' };
  if (raw.includes('\\')) return { ok: false, reason: 'backslash in name' };
  if (raw.startsWith('/')) return { ok: false, reason: 'absolute path' };
  if (raw.split('/').includes('..')) return { ok: false, reason: 'path traversal ("..")' };
  const name = posix.normalize(raw).replace(/\/+$/, '');
  if (name === '.' || name === '') return { ok: true, name: '.' };
  return { ok: true, name: name.replace(/^\.\//, '') };
}

/** Resolves a symbolic link's target relative to the link, or undefined when it leaves the archive. */
export function resolveLinkTarget(linkName: string, target: string): string | undefined {
  if (target.startsWith('/') || target.includes('\0')) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(linkName), target));
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return joined.replace(/^\.\//, '');
}
