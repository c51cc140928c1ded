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
const WALK_CONCURRENCY = 16;

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
  // Several folders are listed at once: readdir waits on the disk, not the CPU. The
  // callback API: fs.promises costs several times more per call.
  const queue: string[] = [''];
  let active = 0;
  await new Promise<void>((resolveWalk, rejectWalk) => {
    let failed = false;
    const listed = (rel: string, e: NodeJS.ErrnoException | null, entries: fs.Dirent[]): void => {
      active--;
      if (failed) return;
      if (e) {
        const code = errnoCode(e);
        if (code !== 'EACCES' && code !== 'EPERM' && code !== 'ENOENT' && code !== 'ENOTDIR') {
          failed = true;
          return rejectWalk(ioError(join(root, rel), e, 'list'));
        }
      } else {
        const prefix = rel === '' ? '' : `${rel}/`;
        for (const ent of entries) {
          const p = prefix + ent.name;
          if (ent.isDirectory()) {
            if (!skip.has(p) && !skipNames.has(ent.name)) queue.push(p);
          } else if (ent.isFile() && want(p)) files.push(p);
        }
      }
      pump();
    };
    const pump = (): void => {
      while (active < WALK_CONCURRENCY && queue.length > 0) {
        const rel = queue.pop()!;
        active++;
        fs.readdir(join(root, rel), { withFileTypes: true }, (e, entries) => listed(rel, e, entries));
      }
      if (active === 0 && queue.length === 0) resolveWalk();
    };
    pump();
  });
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
      return readDiskFile(await real(path), maxBytes, path).catch(absent);
    },
    async open(path: string): Promise<FileReader | undefined> {
      return openDiskFile(await real(path)).catch(absent);
    },
    layerOf: () => undefined,
  };
}
