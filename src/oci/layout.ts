/**
 * An OCI image layout on disk (image spec 1.1: `oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`). Blobs enter only through a temp file that is hashed while it
 * is written, fsynced, and renamed into place once its digest is proven, so a blob under
 * its name is always complete and correct. Temp files live in `.tmp/` inside the
 * layout (same file system, so rename is atomic) and are removed on open.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, errnoCode, ioError } from '../common/errors.ts';
import { fsyncDir, mkdirp, pathExists, readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { jsonBytes, parseJsonStrict } from '../common/json.ts';
import { BlobPool, BlobPoolError, type BlobResult } from './blob-pool.ts';
import { assertDigest, digestHex } from './digest.ts';
import { type Descriptor, type ImageIndex, MAX_MANIFEST_BYTES, parseIndex } from './manifest.ts';
import { OCI_INDEX } from './media-types.ts';

export const LAYOUT_FILE = 'oci-layout';
export const INDEX_FILE = 'index.json';
const LAYOUT_CONTENT = { imageLayoutVersion: '1.0.0' };

export class OciLayout {
  readonly root: string;
  /**
   * Whether each blob is fsynced before it is renamed into place. A store needs it; a
   * bundle being assembled does not (it is verified before anyone relies on it).
   */
  durable = true;
  /**
   * Whether putFile may hard-link a source file after hashing it instead of copying it.
   * Only for a temporary layout whose blobs are read once more, and re-hashed, before use.
   */
  linkSources = false;

  private constructor(root: string) {
    this.root = root;
  }

  /** Opens an existing layout; the error names the folder and what is missing. */
  static async open(root: string): Promise<OciLayout> {
    const layoutPath = join(root, LAYOUT_FILE);
    if (!(await pathExists(root))) throw new AirlockError('NOT_FOUND', `${root}: no such directory`);
    if (!(await pathExists(layoutPath))) {
      throw new AirlockError('BAD_INPUT', `${root}: not an OCI image layout (no ${LAYOUT_FILE} file)`);
    }
    const raw = parseJsonStrict(await readFileBounded(layoutPath, 4096, LAYOUT_FILE), layoutPath) as { imageLayoutVersion?: unknown };
    if (typeof raw !== 'object' || raw === null || raw.imageLayoutVersion !== '1.0.0') {
      throw new AirlockError('BAD_INPUT', `${layoutPath}: imageLayoutVersion must be "1.0.0"`);
    }
    return new OciLayout(root);
  }

  /** Opens a layout, creating an empty one when the folder is absent or empty. */
  static async openOrCreate(root: string): Promise<OciLayout> {
    if (await pathExists(join(root, LAYOUT_FILE))) {
      const layout = await OciLayout.open(root);
      await layout.cleanTemp();
      return layout;
    }
    await mkdirp(join(root, 'blobs', 'sha256'));
    const entries = await fsp.readdir(root);
    if (entries.some((e) => e !== 'blobs' && e !== '.tmp')) {
      throw new AirlockError('BAD_INPUT', `${root}: not empty and not an OCI image layout`);
    }
    if (!(await pathExists(join(root, INDEX_FILE)))) {
      await writeFileAtomic(join(root, INDEX_FILE), jsonBytes({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }));
    }
    await writeFileAtomic(join(root, LAYOUT_FILE), jsonBytes(LAYOUT_CONTENT));
    return new OciLayout(root);
  }

  /** Writes the skeleton of a new layout into an empty folder (used for bundle output). */
  static async init(root: string): Promise<OciLayout> {
    await mkdirp(join(root, 'blobs', 'sha256'));
    await writeFileAtomic(join(root, LAYOUT_FILE), jsonBytes(LAYOUT_CONTENT));
    return new OciLayout(root);
  }

  blobPath(digest: string): string {
    return join(this.root, 'blobs', 'sha256', digestHex(digest));
  }

  get tempDir(): string {
    return join(this.root, '.tmp');
  }

  async cleanTemp(): Promise<void> {
    await fsp.rm(this.tempDir, { recursive: true, force: true }).catch(() => undefined);
  }

  async #tempPath(): Promise<string> {
    await mkdirp(this.tempDir);
    return join(this.tempDir, `blob-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** True when the blob is present with the expected size (its content was proven on entry). */
  async hasBlob(digest: string, size?: number): Promise<boolean> {
    try {
      const st = await fsp.stat(this.blobPath(digest));
      return st.isFile() && (size === undefined || st.size === size);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw ioError(this.blobPath(digest), e);
    }
  }

  /** Reads a small blob (manifest, config, index) and checks its digest. */
  async readBlob(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes = MAX_MANIFEST_BYTES): Promise<Buffer> {
    assertDigest(desc.digest, this.root);
    if (desc.size > maxBytes) {
      throw new AirlockError('BAD_INPUT', `${this.blobPath(desc.digest)}: declared size ${desc.size} exceeds the limit of ${maxBytes} for a manifest`);
    }
    const bytes = await readFileBounded(this.blobPath(desc.digest), maxBytes, 'blob');
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (bytes.length !== desc.size || actual !== desc.digest) {
      throw new AirlockError('VERIFY_FAILED', `${this.blobPath(desc.digest)}: content does not match its digest ${desc.digest}`);
    }
    return bytes;
  }

  async #commit(tmp: string, digest: string): Promise<void> {
    const dest = this.blobPath(digest);
    try {
      await fsp.rename(tmp, dest);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw ioError(dest, e, 'store blob');
    }
  }

  /** Stores bytes as a blob and returns its descriptor fields. */
  async putBytes(bytes: Uint8Array): Promise<BlobResult> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (await this.hasBlob(digest, bytes.byteLength)) return { digest, size: bytes.byteLength };
    const tmp = await this.#tempPath();
    try {
      const fh = await fsp.open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(bytes);
        if (this.durable) await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw ioError(this.blobPath(digest), e, 'store blob');
    }
    await this.#commit(tmp, digest);
    return { digest, size: bytes.byteLength };
  }

  /**
   * Stores a stream as a blob. With `expected`, the stream must produce exactly that
   * digest and size, or nothing is stored and a VERIFY_FAILED error names `source`.
   */
  async putStream(stream: AsyncIterable<Buffer>, source: string, expected?: { digest: string; size: number }): Promise<BlobResult> {
    const tmp = await this.#tempPath();
    const hash = createHash('sha256');
    let size = 0;
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, 'wx', 0o644);
      for await (const chunk of stream) {
        size += chunk.length;
        if (expected && size > expected.size) {
          throw new AirlockError('VERIFY_FAILED', `${source}: more data than the declared ${expected.size} bytes`);
        }
        hash.update(chunk);
        await fh.write(chunk);
      }
      if (this.durable) await fh.sync();
      await fh.close();
      fh = undefined;
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected && (digest !== expected.digest || size !== expected.size)) {
        throw new AirlockError('VERIFY_FAILED', `${source}: content does not match digest ${expected.digest} (got ${digest}, ${size} bytes)`);
      }
      await this.#commit(tmp, digest);
      return { digest, size };
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw e instanceof AirlockError ? e : ioError(source, e, 'store blob');
    }
  }

  /**
   * Copies a file into the layout through the worker pool, proving its digest.
   * `expected` pins digest and size; without it the file's own digest names the blob.
   */
  async putFile(pool: BlobPool, src: string, expected?: { digest: string; size: number }): Promise<BlobResult> {
    if (expected && (await this.hasBlob(expected.digest, expected.size))) return expected;
    if (this.linkSources) {
      const linked = await this.#linkFile(pool, src, expected);
      if (linked) return linked;
    }
    const tmp = await this.#tempPath();
    let result: BlobResult;
    try {
      result = await pool.copy(src, tmp, expected?.size, this.durable);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      if (e instanceof BlobPoolError && e.code === 'ETOOBIG') throw new AirlockError('VERIFY_FAILED', `${src}: ${e.message}`);
      if (e instanceof BlobPoolError && e.code === 'ENOENT') throw new AirlockError('NOT_FOUND', `${src}: no such file`);
      throw ioError(src, e, `copy into ${this.root}`);
    }
    if (expected && (result.digest !== expected.digest || result.size !== expected.size)) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw new AirlockError('VERIFY_FAILED', `${src}: content does not match digest ${expected.digest}`);
    }
    if (await this.hasBlob(result.digest, result.size)) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      return result;
    }
    await this.#commit(tmp, result.digest);
    return result;
  }

  /** Hashes src and hard-links it in; undefined when linking is not possible (another file system). */
  async #linkFile(pool: BlobPool, src: string, expected?: { digest: string; size: number }): Promise<BlobResult | undefined> {
    let result: BlobResult;
    try {
      result = await pool.hash(src, expected?.size);
    } catch (e) {
      if (e instanceof BlobPoolError && e.code === 'ETOOBIG') throw new AirlockError('VERIFY_FAILED', `${src}: ${e.message}`);
      if (e instanceof BlobPoolError && e.code === 'ENOENT') throw new AirlockError('NOT_FOUND', `${src}: no such file`);
      throw ioError(src, e, 'read');
    }
    if (expected && (result.digest !== expected.digest || result.size !== expected.size)) {
      throw new AirlockError('VERIFY_FAILED', `${src}: content does not match digest ${expected.digest}`);
    }
    if (await this.hasBlob(result.digest, result.size)) return result;
    try {
      await fsp.link(src, this.blobPath(result.digest));
      return result;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST') return result;
      if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK' || code === 'ENOTSUP') return undefined;
      throw ioError(this.blobPath(result.digest), e, 'link blob');
    }
  }

  /** Makes renamed blobs durable: one fsync of the blobs folder after a batch. */
  async syncBlobs(): Promise<void> {
    await fsyncDir(join(this.root, 'blobs', 'sha256'));
  }

  async readIndex(): Promise<ImageIndex> {
    const path = join(this.root, INDEX_FILE);
    return parseIndex(await readFileBounded(path, MAX_MANIFEST_BYTES, INDEX_FILE), path);
  }

  async writeIndex(index: ImageIndex): Promise<Buffer> {
    const bytes = jsonBytes(index);
    await writeFileAtomic(join(this.root, INDEX_FILE), bytes);
    return bytes;
  }
}
