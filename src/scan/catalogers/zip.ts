/**
 * In-memory zip reading for catalogers (jars, eggs) through yauzl, with entry sizes
 * validated and every read bounded, so a zip bomb stops with a clear error.
 */
import yauzl from 'yauzl';
import { AirlockError } from '../../common/errors.ts';

export function openZip(buf: Buffer, source: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) reject(new AirlockError('BAD_INPUT', `${source}: not a readable zip archive: ${err?.message ?? 'unknown error'}`));
      else resolve(zip);
    });
  });
}

export function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number, source: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > limit) {
      reject(new AirlockError('BAD_INPUT', `${source}: ${entry.fileName} expands to ${entry.uncompressedSize} bytes, over the limit of ${limit} (zip bomb?)`));
      return;
    }
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) {
        reject(new AirlockError('BAD_INPUT', `${source}: ${entry.fileName}: ${err?.message ?? 'cannot read'}`));
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limit) stream.destroy(new AirlockError('BAD_INPUT', `${source}: ${entry.fileName} expands beyond ${limit} bytes (zip bomb?)`));
        else chunks.push(c);
      });
      stream.on('error', (e) => reject(e instanceof AirlockError ? e : new AirlockError('BAD_INPUT', `${source}: ${entry.fileName}: ${e.message}`)));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/**
 * Visits every entry in order; `visit` may read the entry. Stops at the first error.
 * `maxEntries` bounds the walk.
 */
export async function forEachEntry(zip: yauzl.ZipFile, source: string, maxEntries: number, visit: (entry: yauzl.Entry) => Promise<void>): Promise<void> {
  let count = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(e instanceof AirlockError ? e : new AirlockError('BAD_INPUT', `${source}: ${e.message}`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (++count > maxEntries) {
          reject(new AirlockError('BAD_INPUT', `${source}: more than ${maxEntries} zip entries`));
          return;
        }
        visit(entry).then(
          () => zip.readEntry(),
          (e: unknown) => reject(e),
        );
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
