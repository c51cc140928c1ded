/**
 * The listing of a folder tree on its own thread. Listing a host's tree (tens of thousands
 * of folders) costs about as much CPU as cataloging what it finds; on a worker thread the
 * two run side by side on two cores. The worker lists folders synchronously (the cheapest
 * way, see disk-file.ts), never follows symlinked folders, and posts the regular files of
 * each folder in batches, only those that pass the catalogers' name hints (FileHint);
 * the main thread decides which it wants. The worker source is
 * inline so that the single-file build (dist/airlock.mjs) carries it with no extra file.
 */
import { Worker } from 'node:worker_threads';
import { AirlockError, ioError } from '../../common/errors.ts';
import { mergeHints, type FileHint } from '../catalogers/cataloger.ts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { join } = require('node:path');
const { root, skip, skipNames, batch, interval, hint } = workerData;
const skipped = new Set(skip);
const skippedNames = new Set(skipNames);
const IGNORED = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR']);
const names = hint && new Set(hint.names);
const extensions = hint && new Set(hint.extensions);
const folders = hint && new Set(hint.folders);
const suffixes = hint ? hint.suffixes : [];
// The same test as hintAccepts in catalogers/cataloger.ts.
const accepts = (name, inWanted) => {
  if (!hint || inWanted || names.has(name)) return true;
  const dot = name.lastIndexOf('.');
  if (dot >= 0 && extensions.has(name.slice(dot).toLowerCase())) return true;
  for (const s of suffixes) if (name.endsWith(s)) return true;
  return false;
};
let dirs = [];
let lists = [];
let count = 0;
let last = Date.now();
const flush = () => {
  last = Date.now();
  if (dirs.length > 0) parentPort.postMessage({ dirs, names: lists });
  dirs = [];
  lists = [];
  count = 0;
};
const walk = () => {
  const queue = [''];
  while (queue.length > 0) {
    const rel = queue.pop();
    let entries;
    try {
      entries = fs.readdirSync(join(root, rel), { withFileTypes: true });
    } catch (e) {
      if (IGNORED.has(e.code)) continue;
      return { path: join(root, rel), code: e.code, message: e.message };
    }
    const prefix = rel === '' ? '' : rel + '/';
    const inWanted = folders !== undefined && folders.has(rel.slice(rel.lastIndexOf('/') + 1));
    const files = [];
    for (const ent of entries) {
      if (ent.isDirectory()) {
        const p = prefix + ent.name;
        if (!skipped.has(p) && !skippedNames.has(ent.name)) queue.push(p);
      } else if (ent.isFile() && accepts(ent.name, inWanted)) files.push(ent.name);
    }
    if (files.length > 0) {
      dirs.push(rel);
      lists.push(files);
      count += files.length;
      if (count >= batch) flush();
    }
    // With name hints few files pass, so batches also go out by time: the main thread
    // catalogs while the rest of the tree is listed instead of waiting for its end.
    if (dirs.length > 0 && Date.now() - last >= interval) flush();
  }
  return undefined;
};
const failed = walk();
flush();
parentPort.postMessage(failed ? { failed } : { done: true });
`;

/** Files per message: large enough that messages cost little, small enough to start work early. */
const BATCH = 4096;
/** Milliseconds at most between messages while files wait in a batch. */
const INTERVAL_MS = 15;

interface WalkMessage {
  dirs?: string[];
  names?: string[][];
  done?: true;
  failed?: { path: string; code?: string; message: string };
}

export interface TreeWalk {
  /** Settles when every folder has been listed (and every batch delivered). */
  done: Promise<void>;
  /** Stops the walk early (the scan failed). */
  stop(): void;
}

/**
 * Lists the tree under `root` (an absolute folder) on a worker thread. `onFiles` gets, per
 * folder, its path relative to root ("" for root itself) and the names of its regular
 * files that pass `hint` (all of them without one). Folders in `skip` (relative paths) and named in `skipNames` are not entered.
 */
export function walkTree(root: string, skip: ReadonlySet<string>, skipNames: ReadonlySet<string>, hint: FileHint | undefined, onFiles: (dir: string, names: readonly string[]) => void): TreeWalk {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { root, skip: [...skip], skipNames: [...skipNames], batch: BATCH, interval: INTERVAL_MS, hint: hint && mergeHints([hint]) } });
  let settled = false;
  const done = new Promise<void>((resolve, reject) => {
    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (e) reject(e);
      else resolve();
    };
    worker.on('message', (m: WalkMessage) => {
      if (settled) return;
      try {
        if (m.dirs && m.names) for (let i = 0; i < m.dirs.length; i++) onFiles(m.dirs[i]!, m.names[i]!);
      } catch (e) {
        finish(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (m.failed) finish(ioError(m.failed.path, Object.assign(new Error(m.failed.message), { code: m.failed.code }), 'list'));
      else if (m.done) finish();
    });
    worker.on('error', (e) => finish(new AirlockError('IO', `${root}: listing the tree failed: ${e.message}`, { cause: e })));
    worker.on('exit', () => finish(new AirlockError('IO', `${root}: listing the tree stopped before it ended`)));
  });
  return {
    done,
    stop() {
      if (settled) return;
      settled = true;
      void worker.terminate();
    },
  };
}
