/**
 * A `tail -F` follower for a growing log such as Wazuh's alerts.json. It yields complete
 * lines, each with the position just after it (inode and byte offset); the caller saves
 * that position once the store has accepted what the line produced, and passes it back
 * to resume after a restart.
 *
 * - Rotation by rename (the file moves away and a new one appears at the path): the old
 *   file is read to its end first, then the new one from its start.
 * - Truncation in place (copytruncate, or `> alerts.json`): noticed when the file is
 *   shorter than the position; reading restarts at 0. (A file truncated and grown past
 *   the old position between two polls cannot be told from one that only grew.)
 * - Resuming: when the saved inode is not the file's current one, the file was rotated
 *   while nothing followed it: the old file is looked for by inode beside the path and
 *   up to two folders below (logrotate's `alerts.json.1`, Wazuh's
 *   `alerts/2026/Nov/ossec-alerts-23.json`) and finished from the saved offset, then the
 *   new file is read from its start. If rotation compressed or moved it elsewhere, a
 *   notice says the rest of the old file could not be read.
 * - A line longer than the bound is skipped with a notice, never held whole.
 *
 * Polling (every `pollMs`) rather than fs.watch: watch events are lost across renames
 * on some file systems, and polling a stat is cheap.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode, ioError } from '../../common/errors.ts';
import { DEFAULT_MAX_LINE_BYTES } from './json-lines.ts';
import { LineSplitter, type SplitLine } from './line-splitter.ts';

export interface FollowPosition {
  /** The file's inode number, in decimal. */
  inode: string;
  /** Byte offset in that file where reading resumes. */
  offset: number;
}

export type FollowEvent = { kind: 'line'; text: string; position: FollowPosition } | { kind: 'notice'; message: string; position: FollowPosition };

export interface FollowOptions {
  /** Where to resume (a position yielded earlier). */
  position?: FollowPosition;
  /** Without a position: start at the end of the file instead of its start. */
  fromEnd?: boolean;
  /** How often to look for new data, rotation and truncation (ms). */
  pollMs?: number;
  maxLineBytes?: number;
  /** Stops the follower (the generator returns). */
  signal?: AbortSignal;
}

const CHUNK = 64 * 1024;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function statOrUndefined(path: string): Promise<{ ino: string; size: number } | undefined> {
  try {
    const st = await fsp.stat(path, { bigint: true });
    return { ino: st.ino.toString(), size: Number(st.size) };
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw ioError(path, e, 'stat');
  }
}

async function open(path: string): Promise<{ fh: fsp.FileHandle; ino: string; size: number } | undefined> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw ioError(path, e, 'open');
  }
  const st = await fh.stat({ bigint: true });
  return { fh, ino: st.ino.toString(), size: Number(st.size) };
}

export async function* followFile(path: string, options: FollowOptions = {}): AsyncGenerator<FollowEvent> {
  const pollMs = options.pollMs ?? 250;
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const signal = options.signal;
  const buf = Buffer.alloc(CHUNK);
  let cur: { fh: fsp.FileHandle; ino: string } | undefined;
  let splitter = new LineSplitter(max);
  const here = (): FollowPosition => ({ inode: cur?.ino ?? '', offset: splitter.position });

  const toEvent = (l: SplitLine): FollowEvent =>
    l.kind === 'too-long'
      ? { kind: 'notice', message: `${path}: a line of ${l.length} bytes exceeds the limit of ${max} bytes; skipped`, position: { inode: cur!.ino, offset: l.end } }
      : { kind: 'line', text: l.bytes.toString('utf8'), position: { inode: cur!.ino, offset: l.end } };

  /** Reads what the open file has beyond the position. */
  async function* drain(): AsyncGenerator<FollowEvent> {
    while (cur && !signal?.aborted) {
      let n: number;
      try {
        ({ bytesRead: n } = await cur.fh.read(buf, 0, CHUNK, splitter.position));
      } catch (e) {
        throw ioError(path, e, 'read');
      }
      if (n === 0) return;
      for (const l of splitter.push(buf.subarray(0, n))) yield toEvent(l);
    }
  }

  try {
    // Wait for the file to exist.
    let first = await open(path);
    while (!first) {
      if (signal?.aborted) return;
      await sleep(pollMs, signal);
      first = await open(path);
    }
    cur = { fh: first.fh, ino: first.ino };
    const saved = options.position;
    if (saved && saved.inode === first.ino && saved.offset <= first.size) splitter = new LineSplitter(max, saved.offset);
    else if (saved && saved.inode === first.ino) {
      splitter = new LineSplitter(max, 0);
      yield { kind: 'notice', message: `${path}: file is shorter (${first.size} bytes) than the saved position ${saved.offset}; it was truncated, reading from the start`, position: here() };
    } else if (saved) {
      // Rotated while we were stopped: finish the old file where rotation put it, then
      // read the new one from its start.
      const old = await findByInode(dirname(path), saved.inode);
      if (old) {
        const held = cur;
        cur = { fh: old.fh, ino: saved.inode };
        splitter = new LineSplitter(max, Math.min(saved.offset, old.size));
        yield { kind: 'notice', message: `${path}: rotated while stopped; finishing ${old.path} from the saved position`, position: here() };
        yield* drain();
        for (const l of splitter.end()) yield toEvent(l);
        await old.fh.close();
        cur = held;
      }
      splitter = new LineSplitter(max, 0);
      yield {
        kind: 'notice',
        message: old ? `${path}: following the new file (inode ${first.ino})` : `${path}: file was replaced since the saved position (inode ${saved.inode}, now ${first.ino}) and the old file was not found beside it; reading the new file from the start`,
        position: here(),
      };
    } else splitter = new LineSplitter(max, options.fromEnd ? first.size : 0);

    while (!signal?.aborted) {
      yield* drain();
      if (signal?.aborted) return;
      const now = await statOrUndefined(path);
      if (now && now.ino !== cur.ino) {
        // Rotated: finish the old file (a writer may have added to it after our last read),
        // then switch to the new one.
        yield* drain();
        for (const l of splitter.end()) yield toEvent(l);
        await cur.fh.close();
        const next = await open(path);
        if (!next) {
          cur = undefined;
          splitter = new LineSplitter(max, 0);
          let again = await open(path);
          while (!again) {
            if (signal?.aborted) return;
            await sleep(pollMs, signal);
            again = await open(path);
          }
          cur = { fh: again.fh, ino: again.ino };
        } else cur = { fh: next.fh, ino: next.ino };
        splitter = new LineSplitter(max, 0);
        yield { kind: 'notice', message: `${path}: rotated; following the new file (inode ${cur.ino})`, position: here() };
        continue;
      }
      if (now && now.size < splitter.position) {
        splitter.reset(0);
        yield { kind: 'notice', message: `${path}: truncated to ${now.size} bytes; reading from the start`, position: here() };
        continue;
      }
      await sleep(pollMs, signal);
    }
  } finally {
    await cur?.fh.close().catch(() => undefined);
  }
}

/**
 * A file with the given inode under `dir` (its own folder and up to two levels below,
 * where logrotate's `alerts.json.1` and Wazuh's `alerts/2026/Nov/ossec-alerts-23.json`
 * land), opened; undefined when rotation moved it elsewhere or compressed it.
 */
async function findByInode(dir: string, inode: string, depth = 2): Promise<{ fh: fsp.FileHandle; size: number; path: string } | undefined> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const e of entries.slice(0, 10_000)) {
    const p = join(dir, e.name);
    if (e.isFile()) {
      const st = await fsp.stat(p, { bigint: true }).catch(() => undefined);
      if (st?.ino.toString() === inode) {
        const fh = await fsp.open(p, 'r').catch(() => undefined);
        if (!fh) return undefined;
        const now = await fh.stat({ bigint: true });
        if (now.ino.toString() !== inode) {
          await fh.close();
          return undefined;
        }
        return { fh, size: Number(now.size), path: p };
      }
    } else if (e.isDirectory() && depth > 0) {
      const found = await findByInode(p, inode, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}
