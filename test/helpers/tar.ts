/** Builds small tar archives in memory for tests (tar-stream's packer). */
import { gzipSync } from 'node:zlib';
import { packToBuffer } from '../../src/oci/build-image.ts';

export type TarEntry =
  | { name: string; content: string | Buffer }
  | { name: string; symlink: string }
  | { name: string; dir: true };

export async function makeTar(entries: readonly TarEntry[], gzip = false): Promise<Buffer> {
  const raw = await packToBuffer((pack) => {
    for (const e of entries) {
      if ('symlink' in e) pack.entry({ name: e.name, type: 'symlink', linkname: e.symlink });
      else if ('dir' in e) pack.entry({ name: e.name, type: 'directory' });
      else pack.entry({ name: e.name }, typeof e.content === 'string' ? Buffer.from(e.content) : e.content);
    }
  });
  return gzip ? gzipSync(raw) : raw;
}
