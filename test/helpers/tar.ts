/** Builds small tar archives in memory for tests (tar-stream's packer). */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export type TarEntry =
  | { name: string; content: string | Buffer }
  | { name: string; symlink: string }
  | { name: string; dir: true };

export async function makeTar(entries: readonly TarEntry[], gzip = false): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    if ('symlink' in e) pack.entry({ name: e.name, type: 'symlink', linkname: e.symlink });
    else if ('dir' in e) pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name }, typeof e.content === 'string' ? Buffer.from(e.content) : e.content);
  }
  pack.finalize();
  await done;
  const raw = Buffer.concat(chunks);
  return gzip ? gzipSync(raw) : raw;
}
