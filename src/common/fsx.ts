/**
 * File-system primitives for crash safety: a file becomes visible under its final name
 * only complete and durable (temp file in the same directory, fsync, rename, fsync of
 * the directory). A kill -9 at any moment leaves either the old file or the new one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp, constants as fsConstants } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { ioError, errnoCode, AirlockError } from './errors.ts';

export function tempName(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, fsConstants.O_RDONLY);
    await fh.sync();
  } catch (e) {
    // Some file systems refuse fsync on directories; durability there is the OS's.
    const code = errnoCode(e);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw ioError(dir, e, 'fsync');
  } finally {
    await fh?.close();
  }
}

/** Writes data to path atomically and durably. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const tmp = tempName(path);
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx', mode);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, path);
    await fsyncDir(dirname(path));
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(path, e, 'write');
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return false;
    throw ioError(path, e);
  }
}

/** Reads a whole file, refusing one larger than maxBytes before reading it. */
export async function readFileBounded(path: string, maxBytes: number, what = 'file'): Promise<Buffer> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile()) throw new AirlockError('BAD_INPUT', `${path}: not a regular file`);
    if (st.size > maxBytes) {
      throw new AirlockError('BAD_INPUT', `${path}: ${what} of ${st.size} bytes exceeds the limit of ${maxBytes}`);
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } catch (e) {
    throw ioError(path, e, 'read');
  } finally {
    await fh?.close();
  }
}

export async function mkdirp(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (e) {
    throw ioError(dir, e, 'create directory');
  }
}

/** The first `n` bytes of a file (fewer when the file is shorter). */
export async function readHead(path: string, n: number): Promise<Buffer> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(path, 'r');
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } catch (e) {
    throw ioError(path, e, 'read');
  } finally {
    await fh?.close();
  }
}
