/**
 * Writes a bundle folder as a tar stream in canonical order (oci-layout, descriptor,
 * signature, index.json, blobs parents-first), into one file or into parts. Entries
 * carry zero timestamps and owners so the same bundle always gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import tar from 'tar-stream';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { digestHex } from '../oci/digest.ts';
import { INDEX_FILE, LAYOUT_FILE } from '../oci/layout.ts';
import type { Progress } from '../common/progress.ts';
import { type BlobRef, DESCRIPTOR_FILE, MAX_DESCRIPTOR_BYTES, SIGNATURE_FILE } from './descriptor.ts';
import type { PartWriter } from './parts.ts';

const HEADER = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', mode: 0o644 } as const;

export async function writeBundleTar(folder: string, blobsInOrder: readonly BlobRef[], sink: PartWriter, progress: Progress): Promise<void> {
  const pack = tar.pack();
  const out = new Writable({
    highWaterMark: 4 << 20,
    write(chunk: Buffer, _enc, cb) {
      sink.write(chunk).then(() => cb(), cb);
    },
  });
  const writing = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  const feeding = (async () => {
    for (const name of [LAYOUT_FILE, DESCRIPTOR_FILE, SIGNATURE_FILE, INDEX_FILE]) {
      const bytes = await readFileBounded(join(folder, name), MAX_DESCRIPTOR_BYTES, name);
      await new Promise<void>((resolve, reject) => pack.entry({ ...HEADER, name, size: bytes.length }, bytes, (e) => (e ? reject(e) : resolve())));
    }
    for (const b of blobsInOrder) {
      const entry = pack.entry({ ...HEADER, name: `blobs/sha256/${digestHex(b.digest)}`, size: b.size });
      // Each blob is hashed again as it is written: the tar holds exactly what the descriptor lists.
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      const path = join(folder, 'blobs', 'sha256', digestHex(b.digest));
      await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hashing, entry as unknown as NodeJS.WritableStream);
      if (`sha256:${hash.digest('hex')}` !== b.digest) throw new AirlockError('VERIFY_FAILED', `${path}: changed while the bundle was written (source blob modified)`);
      progress.advance(b.size);
    }
    pack.finalize();
  })();
  feeding.catch((e: unknown) => pack.destroy(e as Error));
  await Promise.all([feeding, writing]);
}
