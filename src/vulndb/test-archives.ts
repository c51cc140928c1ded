/**
 * Writers of small .zip and .tar.gz archives for tests (hostile ones included: odd entry
 * names, lying sizes). The zip writer is a few lines of the PKWARE format because no
 * zip-writing package is a dependency; reading goes through yauzl as in production.
 */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface ArchiveEntry {
  name: string;
  data: Buffer | string;
}

/**
 * Writes a zip entry by entry (to a file descriptor, or into memory), so that a benchmark
 * can write hundreds of thousands of records without holding them. More than 65,535
 * entries get the zip64 end records, as in osv.dev's large all.zip files; offsets stay
 * below 4 GiB (no zip64 extra fields).
 */
export class ZipWriter {
  private readonly centrals: Buffer[] = [];
  private offset = 0;
  private count = 0;
  private readonly write: (b: Buffer) => void;
  private readonly store: boolean;

  constructor(write: (b: Buffer) => void, options: { store?: boolean } = {}) {
    this.write = write;
    this.store = options.store ?? false;
  }

  add(e: ArchiveEntry): void {
    const data = Buffer.from(e.data);
    const name = Buffer.from(e.name);
    const method = this.store ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(this.offset, 42);
    this.write(Buffer.concat([local, name, body]));
    this.centrals.push(central, name);
    this.offset += local.length + name.length + body.length;
    this.count++;
  }

  finish(): void {
    const cd = Buffer.concat(this.centrals);
    const zip64 = this.count > 0xffff;
    const tail: Buffer[] = [cd];
    if (zip64) {
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(BigInt(this.count), 24);
      rec.writeBigUInt64LE(BigInt(this.count), 32);
      rec.writeBigUInt64LE(BigInt(cd.length), 40);
      rec.writeBigUInt64LE(BigInt(this.offset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(this.offset + cd.length), 8);
      locator.writeUInt32LE(1, 16);
      tail.push(rec, locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(zip64 ? 0xffff : this.count, 8);
    end.writeUInt16LE(zip64 ? 0xffff : this.count, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(this.offset, 16);
    tail.push(end);
    this.write(Buffer.concat(tail));
  }
}

export function makeZip(entries: ArchiveEntry[], options: { store?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  const w = new ZipWriter((b) => parts.push(b), options);
  for (const e of entries) w.add(e);
  w.finish();
  return Buffer.concat(parts);
}

export async function makeTarGz(entries: ArchiveEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name }, Buffer.from(e.data));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
