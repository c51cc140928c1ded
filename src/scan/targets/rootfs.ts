/**
 * A directory on disk as a VirtualFs: one walk that never follows symlinked directories
 * (no loops, no escape), skipping the kernel's pseudo file systems when the root is "/".
 * Reads resolve symlinks inside the tree (see resolveInTree).
 */
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError, errnoCode, ioError } from '../../common/errors.ts';
import { readFileBounded } from '../../common/fsx.ts';
import { resolveInTree, type VirtualFs, type Want } from './vfs.ts';

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
  // Several folders are listed at once: readdir waits on the disk, not the CPU.
  const queue: string[] = [''];
  let active = 0;
  await new Promise<void>((resolveWalk, rejectWalk) => {
    let failed = false;
    const pump = (): void => {
      while (!failed && active < WALK_CONCURRENCY && queue.length > 0) {
        const rel = queue.pop()!;
        active++;
        fsp.readdir(join(root, rel), { withFileTypes: true }).then(
          (entries) => {
            for (const ent of entries) {
              const p = rel === '' ? ent.name : `${rel}/${ent.name}`;
              if (ent.isDirectory()) {
                if (!skip.has(p) && !skipNames.has(ent.name)) queue.push(p);
              } else if (ent.isFile() && want(p)) files.push(p);
            }
            done();
          },
          (e: unknown) => {
            const code = errnoCode(e);
            if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'ENOTDIR') return done();
            failed = true;
            rejectWalk(ioError(join(root, rel), e, 'list'));
          },
        );
      }
      if (!failed && active === 0 && queue.length === 0) resolveWalk();
    };
    const done = (): void => {
      active--;
      pump();
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
  return {
    source: dir,
    files,
    async readFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
      // Files found by the walk are real files reached without symlinks.
      const real = walked.has(path) ? path : await resolveInTree(path, readlink, dir);
      try {
        return await readFileBounded(join(root, real), maxBytes, path);
      } catch (e) {
        if (e instanceof AirlockError && e.code === 'NOT_FOUND') return undefined;
        throw e;
      }
    },
    layerOf: () => undefined,
  };
}
