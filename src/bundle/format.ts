/**
 * Where a bundle's bytes are: a folder (an OCI layout plus descriptor and signature), a
 * single tar file, or a folder of tar parts with a parts list. The tar forms hold the
 * same files in a fixed order: oci-layout, descriptor, signature, index.json, then the
 * blobs parents-first, so one sequential pass can verify as it reads.
 */
import { promises as fsp } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { Readable } from 'node:stream';
import tar, { type Header } from 'tar-stream';
import { AirlockError, errnoCode, ioError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { checkEntryName } from '../common/tar-names.ts';
import { LAYOUT_FILE, INDEX_FILE } from '../oci/layout.ts';
import { DESCRIPTOR_FILE, MAX_DESCRIPTOR_BYTES, SIGNATURE_FILE } from './descriptor.ts';
import { PARTS_FILE, parsePartsList, readParts, type PartsList } from './parts.ts';

export type BundleLocation =
  | { kind: 'dir'; path: string }
  | { kind: 'tar'; path: string }
  | { kind: 'split'; path: string; dir: string; parts: PartsList };

export async function locateBundle(path: string): Promise<BundleLocation> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw new AirlockError('NOT_FOUND', `${path}: no such bundle`);
    throw ioError(path, e);
  }
  if (st.isDirectory()) {
    const has = async (f: string) => fsp.stat(join(path, f)).then(() => true, () => false);
    if (await has(PARTS_FILE)) return splitAt(join(path, PARTS_FILE));
    if (await has(DESCRIPTOR_FILE)) return { kind: 'dir', path };
    throw new AirlockError('BAD_INPUT', `${path}: not an Airlock bundle (no ${DESCRIPTOR_FILE} or ${PARTS_FILE})`);
  }
  if (basename(path) === PARTS_FILE) return splitAt(path);
  return { kind: 'tar', path };
}

async function splitAt(partsFile: string): Promise<BundleLocation> {
  const parts = parsePartsList(await readFileBounded(partsFile, 64 * 1024 * 1024, 'parts list'), partsFile);
  return { kind: 'split', path: partsFile, dir: dirname(partsFile), parts };
}

/** The bundle's bytes as one stream (tar forms only). */
export function tarBytes(loc: BundleLocation, onProblem: (line: string) => void): AsyncIterable<Buffer> {
  if (loc.kind === 'split') return readParts(loc.dir, loc.parts, onProblem);
  if (loc.kind === 'tar') {
    return (async function* () {
      const fh = await fsp.open(loc.path, 'r').catch((e: unknown) => {
        throw ioError(loc.path, e);
      });
      try {
        yield* fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>;
      } finally {
        await fh.close();
      }
    })();
  }
  throw new Error('tarBytes: not a tar bundle');
}

export type TarMember =
  | { kind: 'meta'; name: string; size: number; stream: AsyncIterable<Buffer> }
  | { kind: 'blob'; digest: string; size: number; stream: AsyncIterable<Buffer> }
  | { kind: 'dir'; name: string };

const META = new Set<string>([LAYOUT_FILE, DESCRIPTOR_FILE, SIGNATURE_FILE, INDEX_FILE]);

/** Classifies a tar header; anything but the bundle's own files is an error. */
function classify(header: Header, where: string): { kind: 'meta'; name: string } | { kind: 'blob'; digest: string } | { kind: 'dir'; name: string } {
  const check = checkEntryName(header.name);
  if (!check.ok) throw new AirlockError('VERIFY_FAILED', `${where}: tar entry "${header.name.slice(0, 200)}": ${check.reason}`);
  const name = check.name;
  if (header.type === 'directory') {
    if (name === 'blobs' || name === 'blobs/sha256' || name === '.') return { kind: 'dir', name };
    throw new AirlockError('VERIFY_FAILED', `${where}: tar entry "${name}": unexpected folder`);
  }
  if (header.type === 'symlink' || header.type === 'link') {
    throw new AirlockError('VERIFY_FAILED', `${where}: tar entry "${name}": ${header.type === 'symlink' ? 'symbolic' : 'hard'} link to "${(header.linkname ?? '').slice(0, 200)}" (links are never accepted)`);
  }
  if (header.type !== 'file' && header.type !== 'contiguous-file') {
    throw new AirlockError('VERIFY_FAILED', `${where}: tar entry "${name}": ${header.type} entries are not accepted`);
  }
  if (META.has(name)) return { kind: 'meta', name };
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
  if (m) return { kind: 'blob', digest: `sha256:${m[1]}` };
  throw new AirlockError('VERIFY_FAILED', `${where}: tar entry "${name}": not part of a bundle`);
}

/** Iterates the members of a bundle tar, refusing traversal, links and strangers. */
export async function* tarMembers(bytes: AsyncIterable<Buffer>, where: string): AsyncGenerator<TarMember> {
  const extract = tar.extract();
  const source = Readable.from(bytes);
  let sourceError: unknown;
  source.on('error', (e) => {
    sourceError = e;
    extract.destroy(e);
  });
  source.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const c = classify(entry.header, where);
      const size = entry.header.size ?? 0;
      const stream = entry as unknown as AsyncIterable<Buffer>;
      if (c.kind === 'dir') yield { kind: 'dir', name: c.name };
      else if (c.kind === 'blob') yield { kind: 'blob', digest: c.digest, size, stream };
      else yield { kind: 'meta', name: c.name, size, stream };
      entry.resume();
    }
  } catch (e) {
    if (sourceError instanceof AirlockError) throw sourceError;
    if (e instanceof AirlockError) throw e;
    const err = sourceError ?? e;
    throw new AirlockError('VERIFY_FAILED', `${where}: unreadable tar: ${(err as Error).message} (truncated or damaged)`);
  } finally {
    source.destroy();
  }
}

export async function readMember(stream: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (n > limit) throw new AirlockError('VERIFY_FAILED', `${what}: larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** Descriptor and signature bytes, read without touching the blobs. */
export async function readHead(loc: BundleLocation): Promise<{ descriptor: Buffer; signature: Buffer | undefined }> {
  if (loc.kind === 'dir') {
    const descriptor = await readFileBounded(join(loc.path, DESCRIPTOR_FILE), MAX_DESCRIPTOR_BYTES, 'descriptor').catch((e: unknown) => {
      throw e instanceof AirlockError ? new AirlockError('VERIFY_FAILED', e.message) : e;
    });
    const signature = await readFileBounded(join(loc.path, SIGNATURE_FILE), 4 * 1024 * 1024, 'signature').catch(() => undefined);
    return { descriptor, signature };
  }
  let descriptor: Buffer | undefined;
  let signature: Buffer | undefined;
  for await (const m of tarMembers(tarBytes(loc, () => undefined), loc.path)) {
    if (m.kind === 'meta' && m.name === DESCRIPTOR_FILE) descriptor = await readMember(m.stream, MAX_DESCRIPTOR_BYTES, `${loc.path}: ${DESCRIPTOR_FILE}`);
    else if (m.kind === 'meta' && m.name === SIGNATURE_FILE) signature = await readMember(m.stream, 4 * 1024 * 1024, `${loc.path}: ${SIGNATURE_FILE}`);
    else if (m.kind === 'blob' || (m.kind === 'meta' && m.name === INDEX_FILE)) break;
    if (descriptor && signature) break;
  }
  if (!descriptor) throw new AirlockError('VERIFY_FAILED', `${loc.path}: no ${DESCRIPTOR_FILE} at the start of the bundle`);
  return { descriptor, signature };
}
