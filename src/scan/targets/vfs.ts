/**
 * The virtual file system catalogers read through. A rootfs on disk and the merged
 * layers of an image present the same interface, so one cataloger serves both. Paths
 * are relative POSIX paths without a leading slash ("var/lib/dpkg/status"); symlinks
 * resolve inside the tree the way a chroot sees them, so nothing can point outside it.
 */
import { AirlockError } from '../../common/errors.ts';

/** Decides, from the path alone, whether a cataloger wants a file. */
export type Want = (path: string) => boolean;

/**
 * A file opened for reads of some of its parts (an ELF header and section table, a zip's
 * central directory), so that a large binary or archive is never read whole.
 */
export interface FileReader {
  readonly size: number;
  /**
   * The file on disk (device, inode, size, modification time), so that a file reached by
   * two paths (hard links, a folder mounted twice) can be read once; absent in memory.
   */
  readonly identity?: string;
  /** Up to `length` bytes from `position` (fewer only past the end of the file). */
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** A FileReader over bytes in memory (image layers, archives nested in archives). */
export function bufferReader(buf: Buffer): FileReader {
  return {
    size: buf.length,
    read: (position, length) => Promise.resolve(buf.subarray(Math.min(position, buf.length), Math.min(position + length, buf.length))),
    close: () => Promise.resolve(),
  };
}

export interface VirtualFs {
  /** Human-readable name of the tree (for messages). */
  readonly source: string;
  /** Regular files the Want predicate selected, sorted. */
  readonly files: readonly string[];
  /** Reads a file, following symlinks inside the tree; undefined when absent. */
  readFile(path: string, maxBytes: number): Promise<Buffer | undefined>;
  /** Opens a file for partial reads, following symlinks inside the tree; undefined when absent. The caller closes it. */
  open(path: string): Promise<FileReader | undefined>;
  /** For image trees: the digest of the layer the file came from. */
  layerOf(path: string): string | undefined;
}

export const MAX_SYMLINK_HOPS = 40;

/** Normalises an archive entry name; rejects `..` components (path traversal). */
export function normaliseEntryPath(name: string, source: string): string {
  const parts: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw new AirlockError('BAD_INPUT', `${source}: entry "${name.slice(0, 200)}" escapes the tree with ".." (path traversal)`);
    parts.push(seg);
  }
  return parts.join('/');
}

/**
 * Resolves symlinks component by component, chroot-style: absolute targets restart at
 * the tree's root and ".." never climbs above it. `readlink` returns the target of a
 * symlink at a tree path, or undefined for anything else.
 */
export async function resolveInTree(path: string, readlink: (p: string) => Promise<string | undefined> | string | undefined, source: string): Promise<string> {
  let todo = path.split('/');
  let done: string[] = [];
  let hops = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop();
      continue;
    }
    const link = await readlink([...done, c].join('/'));
    if (link === undefined) {
      done.push(c);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw new AirlockError('BAD_INPUT', `${source}: ${path}: more than ${MAX_SYMLINK_HOPS} symlinks (a loop?)`);
    if (link.startsWith('/')) done = [];
    todo = [...link.split('/'), ...todo];
  }
  return done.join('/');
}
