/**
 * Image layers as a VirtualFs. Each layer tar is streamed once (gzip through zlib,
 * detected by magic bytes), keeping only the bytes of files a cataloger wants plus
 * symlinks and whiteouts; nothing is written to disk. Layers are then applied in order
 * with the OCI whiteout rules: `.wh.NAME` deletes NAME (and what is under it) from the
 * layers below, `.wh..wh..opq` empties its folder of what the layers below put there.
 * Limits guard against decompression bombs: uncompressed bytes per layer, entries per
 * layer, and bytes kept in memory overall.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AirlockError } from '../../common/errors.ts';
import { bufferReader, normaliseEntryPath, resolveInTree, type FileReader, type VirtualFs, type Want } from './vfs.ts';

export interface LayerLimits {
  /** Largest uncompressed layer. */
  maxLayerBytes: number;
  /** Most tar entries in one layer. */
  maxEntries: number;
  /** Largest single wanted file kept in memory. */
  maxFileBytes: number;
  /** Total bytes kept in memory across layers. */
  maxKeptBytes: number;
}

export const DEFAULT_LIMITS: LayerLimits = {
  maxLayerBytes: 32 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxFileBytes: 256 * 1024 ** 2,
  maxKeptBytes: 2 * 1024 ** 3,
};

export type LayerEntry =
  | { kind: 'file'; layer: string; data?: Buffer }
  | { kind: 'symlink'; layer: string; target: string }
  | { kind: 'dir'; layer: string };

export interface LayerContent {
  layer: string;
  entries: Map<string, LayerEntry>;
  whiteouts: string[];
  opaqueDirs: string[];
}

/** Shared across the layers of one image so that the kept-bytes budget is global. */
export interface LayerBudget {
  kept: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(buf: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

/** Counts bytes flowing through and fails past a limit (decompression bombs). */
function byteLimit(limit: number, source: string): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      n += chunk.length;
      if (n > limit) cb(new AirlockError('BAD_INPUT', `${source}: layer expands beyond ${limit} bytes (decompression bomb?)`));
      else cb(null, chunk);
    },
  });
}

/** Reads the first bytes of a stream and returns them with a stream of the whole. */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; whole: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    size += r.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    while (true) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, whole: Readable.from(rest(), { objectMode: false }) };
}

/** True when the bytes start like a (possibly gzipped) tar. */
export function looksLikeLayer(head: Buffer): boolean {
  if (startsWith(head, GZIP_MAGIC) || startsWith(head, ZSTD_MAGIC)) return true;
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Streams one layer (tar, tar+gzip) and keeps what `want` selects. */
export async function readLayer(input: Readable, layer: string, source: string, want: Want, limits: LayerLimits, budget: LayerBudget): Promise<LayerContent> {
  const { head, whole } = await peek(input, 512);
  let plain: Readable = whole;
  if (startsWith(head, ZSTD_MAGIC)) throw new AirlockError('UNSUPPORTED', `${source}: zstd-compressed layers are not supported`);
  if (startsWith(head, GZIP_MAGIC)) plain = whole.pipe(createGunzip());
  const limited = plain.pipe(byteLimit(limits.maxLayerBytes, source));
  plain.on('error', (e) => limited.destroy(e));
  whole.on('error', (e) => plain.destroy(e));
  const extract = tar.extract();
  limited.on('error', (e) => extract.destroy(e));
  limited.pipe(extract);
  const content: LayerContent = { layer, entries: new Map(), whiteouts: [], opaqueDirs: [] };
  let count = 0;
  try {
    for await (const entry of extract) {
      if (++count > limits.maxEntries) throw new AirlockError('BAD_INPUT', `${source}: more than ${limits.maxEntries} entries in one layer`);
      const h = entry.header;
      const path = normaliseEntryPath(h.name, source);
      const slash = path.lastIndexOf('/');
      const dir = slash >= 0 ? path.slice(0, slash) : '';
      const base = path.slice(slash + 1);
      if (base === '.wh..wh..opq') {
        content.opaqueDirs.push(dir);
      } else if (base.startsWith('.wh.')) {
        const target = (dir ? `${dir}/` : '') + base.slice(4);
        if (target !== dir && base.length > 4) content.whiteouts.push(target);
      } else if (path === '') {
        // the root folder itself
      } else if (h.type === 'directory') {
        content.entries.set(path, { kind: 'dir', layer });
      } else if (h.type === 'symlink') {
        content.entries.set(path, { kind: 'symlink', layer, target: h.linkname ?? '' });
      } else if (h.type === 'link') {
        const target = normaliseEntryPath(h.linkname ?? '', source);
        const prior = content.entries.get(target);
        content.entries.set(path, prior?.kind === 'file' ? { ...prior } : { kind: 'file', layer });
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        const size = h.size ?? 0;
        if (want(path)) {
          if (size > limits.maxFileBytes) throw new AirlockError('BAD_INPUT', `${source}: ${path} is ${size} bytes, over the limit of ${limits.maxFileBytes} for a cataloged file`);
          budget.kept += size;
          if (budget.kept > limits.maxKeptBytes) throw new AirlockError('BAD_INPUT', `${source}: cataloged files exceed ${limits.maxKeptBytes} bytes in memory`);
          const chunks: Buffer[] = [];
          for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
          content.entries.set(path, { kind: 'file', layer, data: Buffer.concat(chunks) });
          continue;
        }
        content.entries.set(path, { kind: 'file', layer });
      }
      entry.resume();
    }
  } catch (e) {
    extract.destroy();
    whole.destroy();
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('BAD_INPUT', `${source}: not a readable layer tar: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return content;
}

/** Applies layers bottom to top with OCI whiteouts; returns the merged tree. */
export function applyLayers(layers: readonly LayerContent[]): Map<string, LayerEntry> {
  const merged = new Map<string, LayerEntry>();
  const removeUnder = (dir: string, self: boolean): void => {
    if (self) merged.delete(dir);
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const k of merged.keys()) if (k.startsWith(prefix)) merged.delete(k);
  };
  for (const l of layers) {
    for (const d of l.opaqueDirs) removeUnder(d, false);
    for (const w of l.whiteouts) removeUnder(w, true);
    for (const [p, e] of l.entries) {
      // A file replacing a folder hides everything that was under it.
      if (e.kind !== 'dir') {
        const old = merged.get(p);
        if (old?.kind === 'dir') removeUnder(p, true);
      }
      merged.set(p, e);
    }
  }
  return merged;
}

/** The merged tree as a VirtualFs. */
export function layeredFs(source: string, merged: Map<string, LayerEntry>, want: Want): VirtualFs {
  const files = [...merged].filter(([p, e]) => e.kind === 'file' && want(p)).map(([p]) => p).sort();
  const readlink = (p: string): string | undefined => {
    const e = merged.get(p);
    return e?.kind === 'symlink' ? e.target : undefined;
  };
  const data = async (path: string): Promise<Buffer | undefined> => {
    const e = merged.get(await resolveInTree(path, readlink, source));
    return e?.kind === 'file' ? e.data : undefined;
  };
  return {
    source,
    files,
    async readFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
      const d = await data(path);
      if (d && d.length > maxBytes) throw new AirlockError('BAD_INPUT', `${source}: ${path} of ${d.length} bytes exceeds the limit of ${maxBytes}`);
      return d;
    },
    async open(path: string): Promise<FileReader | undefined> {
      const d = await data(path);
      return d ? bufferReader(d) : undefined;
    },
    layerOf(path: string): string | undefined {
      return merged.get(path)?.layer;
    },
  };
}

/** Streams a blob while hashing it; `check()` afterwards proves the digest. */
export function hashing(input: Readable): { stream: Readable; check: (expected: string, source: string) => void } {
  const h = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _e, cb: TransformCallback) {
      h.update(chunk);
      cb(null, chunk);
    },
  });
  input.on('error', (e) => t.destroy(e));
  return {
    stream: input.pipe(t),
    check(expected: string, source: string) {
      const got = `sha256:${h.digest('hex')}`;
      if (got !== expected) throw new AirlockError('VERIFY_FAILED', `${source}: layer content does not match its digest ${expected} (got ${got})`);
    },
  };
}
