/**
 * A directory on disk as a VirtualFs: one walk that never follows symlinked directories
 * (no loops, no escape), skipping the kernel's pseudo file systems when the root is "/".
 * The walk lists folders with their entry types (no stat per file) on a worker thread and
 * hands every regular file's path to the Want predicate once. Reads resolve symlinks inside the tree
 * (see resolveInTree).
 */
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { AirlockError, ioError } from '../../common/errors.ts';
import type { FileHint } from '../catalogers/cataloger.ts';
import { openDiskFile, readDiskFile } from './disk-file.ts';
import { resolveInTree, type FileReader, type VirtualFs, type Want } from './vfs.ts';
import { walkTree } from './walk-worker.ts';

const PSEUDO = new Set(['proc', 'sys', 'dev', 'run']);

export interface WalkOptions {
  /** Folders not to enter, relative to the root ("proc", "var/cache"). */
  skip?: ReadonlySet<string>;
  /** Folder names never entered anywhere (for example ".git"). */
  skipNames?: ReadonlySet<string>;
  /** Only files passing this hint are handed to the Want predicate (all files when absent). */
  hint?: FileHint;
}

/** Called with wanted files as the walk finds them, in no particular order. */
export type OnFiles = (paths: readonly string[]) => void;

export interface RootfsWalk {
  /** Reads work at once; `files` is complete, and sorted, when `done` settles. */
  fs: VirtualFs;
  done: Promise<void>;
  /** Stops the walk early. */
  stop(): void;
}

/**
 * Starts walking a folder (on a worker thread, see walk-worker.ts) and returns its
 * VirtualFs at once, so that files can be read while the rest of the tree is listed.
 */
export async function walkRootfs(dir: string, want: Want, options: WalkOptions, onFiles: OnFiles): Promise<RootfsWalk> {
  const root = resolve(dir);
  let st;
  try {
    st = await fsp.stat(root);
  } catch (e) {
    throw ioError(dir, e);
  }
  if (!st.isDirectory()) throw new AirlockError('BAD_INPUT', `${dir}: not a directory`);
  const skip = new Set([...(root === '/' ? PSEUDO : []), ...(options.skip ?? [])]);
  const files: string[] = [];
  // Files found by the walk are real files reached without symlinks.
  const walked = new Set<string>();
  const tree = walkTree(root, skip, options.skipNames ?? new Set(), options.hint, (rel, names) => {
    const prefix = rel === '' ? '' : `${rel}/`;
    const found: string[] = [];
    for (const name of names) {
      const p = prefix + name;
      if (want(p)) found.push(p);
    }
    if (found.length === 0) return;
    for (const p of found) {
      files.push(p);
      walked.add(p);
    }
    onFiles(found);
  });
  const done = tree.done.then(() => {
    files.sort();
  });
  const readlink = async (p: string): Promise<string | undefined> => {
    try {
      return await fsp.readlink(join(root, p));
    } catch {
      return undefined;
    }
  };
  const real = async (path: string): Promise<string> => join(root, walked.has(path) ? path : await resolveInTree(path, readlink, dir));
  const absent = (e: unknown): undefined => {
    if (e instanceof AirlockError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  };
  const fs: VirtualFs = {
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
  return { fs, done, stop: tree.stop };
}

/** Walks a folder to the end and returns it as a VirtualFs. */
export async function openRootfs(dir: string, want: Want, options: WalkOptions = {}): Promise<VirtualFs> {
  const walk = await walkRootfs(dir, want, options, () => {});
  await walk.done;
  return walk.fs;
}
