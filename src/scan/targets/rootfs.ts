/**
 * A directory on disk as a VirtualFs: one walk that never follows symlinked directories
 * (no loops, no escape), skipping the kernel's pseudo file systems when the root is "/".
 * The walk lists folders with their entry types (no stat per file) and hands every
 * regular file's path to the Want predicate once. Reads resolve symlinks inside the tree
 * (see resolveInTree).
 */
import fs, { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError, errnoCode, ioError } from '../../common/errors.ts';
import { openDiskFile, readDiskFile } from './disk-file.ts';
import { resolveInTree, type FileReader, type VirtualFs, type Want } from './vfs.ts';

const PSEUDO = new Set(['proc', 'sys', 'dev', 'run']);

export interface WalkOptions {
  /** Folders not to enter, relative to the root ("proc", "var/cache"). */
  skip?: ReadonlySet<string>;
  /** Folder names never entered anywhere (for example ".git"). */
  skipNames?: ReadonlySet<string>;
}

export async function openRootfs(dir: string, want: Want, options: WalkOptions = {}): Promise<VirtualFs> {
  const root = resolve(dir);
  let st;
  try {
    st = await fsp.stat(root);
  } catch (e) {
    throw ioError(dir, e);
  }
  if (!st.isDirectory()) throw new AirlockError('BAD_INPUT', `${dir}: not a directory`);
  const skip = new Set([...(root === '/' ? PSEUDO : []), ...(options.skip ?? [])]);
  const skipNames = options.skipNames ?? new Set<string>();
  const files: string[] = [];
  // Synchronous listing, like the reads (see disk-file.ts): the walk lists every folder of
  // the tree, tens of thousands on a host, and the thread pool's hand-offs would cost more
  // CPU than the listing itself.
  const queue: string[] = [''];
  while (queue.length > 0) {
    const rel = queue.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(join(root, rel), { withFileTypes: true });
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw ioError(join(root, rel), e, 'list');
    }
    const prefix = rel === '' ? '' : `${rel}/`;
    for (const ent of entries) {
      const p = prefix + ent.name;
      if (ent.isDirectory()) {
        if (!skip.has(p) && !skipNames.has(ent.name)) queue.push(p);
      } else if (ent.isFile() && want(p)) files.push(p);
    }
  }
  files.sort();
  const walked = new Set(files);
  const readlink = async (p: string): Promise<string | undefined> => {
    try {
      return await fsp.readlink(join(root, p));
    } catch {
      return undefined;
    }
  };
  // Files found by the walk are real files reached without symlinks.
  const real = async (path: string): Promise<string> => join(root, walked.has(path) ? path : await resolveInTree(path, readlink, dir));
  const absent = (e: unknown): undefined => {
    if (e instanceof AirlockError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  };
  return {
    source: dir,
    files,
    async readFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
      const abs = await real(path);
      try {
        return readDiskFile(abs, maxBytes, path);
      } catch (e) {
        return absent(e);
      }
    },
    async open(path: string): Promise<FileReader | undefined> {
      const abs = await real(path);
      try {
        return openDiskFile(abs);
      } catch (e) {
        return absent(e);
      }
    },
    layerOf: () => undefined,
  };
}
