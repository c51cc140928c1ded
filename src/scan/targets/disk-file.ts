/**
 * Reads of files on disk for `rootfs:` and `dir:` targets, with synchronous calls. A scan
 * reads thousands of small files (package.json, METADATA, dpkg .list files) and a few
 * bytes of thousands of binaries and jars, mostly from the page cache: a synchronous
 * open, fstat, read and close costs a fraction of the same calls through the thread
 * pool, whose hand-offs between threads dominate when the files are small (measured in
 * docs/scan.md). On a cold cache the reads wait on the disk one at a time.
 */
import fs from 'node:fs';
import { AirlockError, ioError } from '../../common/errors.ts';
import type { FileReader } from './vfs.ts';

/** Reads into buf from `position` until it is full or the file ends; returns the bytes read. */
function readFully(fd: number, buf: Buffer, position: number): number {
  let off = 0;
  while (off < buf.length) {
    const n = fs.readSync(fd, buf, off, buf.length - off, position + off);
    if (n === 0) break;
    off += n;
  }
  return off;
}

/** Opens a regular file; the caller closes the descriptor. Errors name `path` (absolute). */
function openRegular(path: string): { fd: number; st: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw ioError(path, e, 'read');
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new AirlockError('BAD_INPUT', `${path}: not a regular file`);
    return { fd, st };
  } catch (e) {
    fs.closeSync(fd);
    throw ioError(path, e, 'read');
  }
}

/** Reads a whole file, refusing one larger than maxBytes before reading it (`what` names it in that message). */
export function readDiskFile(path: string, maxBytes: number, what: string): Buffer {
  const { fd, st } = openRegular(path);
  try {
    if (st.size > maxBytes) throw new AirlockError('BAD_INPUT', `${path}: ${what} of ${st.size} bytes exceeds the limit of ${maxBytes}`);
    const buf = Buffer.allocUnsafe(st.size);
    const n = readFully(fd, buf, 0);
    return n === buf.length ? buf : buf.subarray(0, n);
  } catch (e) {
    throw ioError(path, e, 'read');
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a regular file for partial reads; the caller must close it. */
export function openDiskFile(path: string): FileReader {
  const { fd, st } = openRegular(path);
  let closed = false;
  return {
    size: st.size,
    identity: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`,
    read(position: number, length: number): Promise<Buffer> {
      if (closed) return Promise.reject(new AirlockError('IO', `${path}: read after close`));
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, st.size - position)));
      try {
        const n = readFully(fd, buf, position);
        return Promise.resolve(n === buf.length ? buf : buf.subarray(0, n));
      } catch (e) {
        return Promise.reject(ioError(path, e, 'read'));
      }
    },
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        fs.closeSync(fd);
      }
      return Promise.resolve();
    },
  };
}
