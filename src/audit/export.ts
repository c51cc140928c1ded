/**
 * `airlock audit export`: the evidence of a period, its chain proof, the OSCAL documents
 * and the reports, in one tar.gz with a manifest of digests, signed beside it. Built in
 * a staging folder next to the output and renamed into place, so a failed or interrupted
 * export leaves no archive (and never a partial one). Streamed: records are written as
 * they are read, and the archive is hashed and signed as a stream.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { KeyObject } from 'node:crypto';
import { AirlockError, ioError } from '../common/errors.ts';
import { fsyncDir, mkdirp, writeFileAtomic } from '../common/fsx.ts';
import { jsonBytes } from '../common/json.ts';
import { sha256Hex } from '../evidence/canonical.ts';
import type { EvidenceStore } from '../evidence/store.ts';
import type { Signer } from '../trust/signer.ts';
import { SIGSTORE_BUNDLE_MEDIA_TYPE, type SigstoreBundle } from '../trust/sigstore.ts';
import { keyIdOf } from '../trust/keys.ts';
import {
  CHAIN_FILE,
  CHECKPOINT_FILE,
  CHECKPOINT_KEY_FILE,
  EVIDENCE_FILE,
  EVIDENCE_SEALED_FILE,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  RECIPIENT_FILE,
  SIGNATURE_SUFFIX,
  type AuditManifest,
  type ChainLine,
} from './format.ts';
import { sealTo } from './recipient.ts';

/** A producer of archive files beyond the evidence (OSCAL documents, reports). */
export interface AuditPart {
  /** The folder it writes in the archive. */
  readonly folder: string;
  produce(ctx: AuditPartContext, dir: string): Promise<void>;
}

export interface AuditPartContext {
  store: EvidenceStore;
  framework: string;
  from: string;
  to: string;
  generatedAt: string;
}

export interface AuditExportOptions {
  store: EvidenceStore;
  framework: string;
  from: string;
  to: string;
  out: string;
  signer: Signer;
  recipient?: KeyObject;
  parts: readonly AuditPart[];
  generator: { name: string; version: string };
  generatedAt?: string;
}

export interface AuditExportResult {
  archive: string;
  signature: string;
  manifest: AuditManifest;
  bytes: number;
}

const HEADER = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '', mode: 0o644 } as const;

function toIso(v: string, what: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new AirlockError('USAGE', `${what}: ${JSON.stringify(v)} is not a date or time (ISO 8601)`);
  return new Date(t).toISOString();
}

/** Writes lines to a file, waiting for the stream when it is full. */
class LineFile {
  readonly #ws: WriteStream;
  readonly #transform: ((b: Buffer) => Buffer) | undefined;
  constructor(path: string, transform?: (b: Buffer) => Buffer) {
    this.#ws = createWriteStream(path, { mode: 0o600 });
    this.#transform = transform;
  }
  async write(text: string): Promise<void> {
    const b = Buffer.from(text);
    const out = this.#transform ? this.#transform(b) : b;
    if (!this.#ws.write(out)) await new Promise<void>((r) => this.#ws.once('drain', () => r()));
  }
  async close(tail?: Buffer): Promise<void> {
    if (tail?.length) this.#ws.write(tail);
    await new Promise<void>((resolve, reject) => this.#ws.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
  }
  return out.sort();
}

async function fileDigest(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(path)) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

export async function exportAudit(o: AuditExportOptions): Promise<AuditExportResult> {
  const from = toIso(o.from, '--from');
  const to = toIso(o.to, '--to');
  if (from > to) throw new AirlockError('USAGE', `--from ${o.from} is after --to ${o.to}`);
  if (!o.out.endsWith('.tar.gz')) throw new AirlockError('USAGE', `--out: ${o.out} must end in .tar.gz`);
  const generatedAt = o.generatedAt ?? new Date().toISOString();
  const outDir = dirname(o.out);
  await mkdirp(outDir);
  const staging = await fsp.mkdtemp(join(outDir, `.${basename(o.out)}.staging-`));
  const tmpArchive = `${staging}.tar.gz`;
  const tmpSig = `${staging}.sig`;
  try {
    // The chain must end at a signed checkpoint that covers the period's records.
    await o.store.checkpoint();
    const cp = await o.store.latestCheckpoint();
    if (!cp) throw new AirlockError('NOT_FOUND', `${o.store.dir}: the store holds no evidence`);

    await mkdirp(join(staging, 'evidence'));
    await mkdirp(join(staging, 'chain'));
    // Evidence of the period, in chain order.
    const sealer = o.recipient ? sealTo(o.recipient) : undefined;
    const evidence = new LineFile(join(staging, sealer ? EVIDENCE_SEALED_FILE : EVIDENCE_FILE), sealer ? (b) => sealer.update(b) : undefined);
    let firstSeq = 0;
    let records = 0;
    for await (const r of o.store.records({ from, to })) {
      if (r.seq > cp.seq) break;
      if (!firstSeq) firstSeq = r.seq;
      records++;
      await evidence.write(`${JSON.stringify(r)}\n`);
    }
    if (sealer) {
      const { tail, info } = sealer.final();
      await evidence.close(tail);
      await writeFileAtomic(join(staging, RECIPIENT_FILE), jsonBytes(info));
    } else await evidence.close();

    // The chain from the first record of the period to the checkpoint.
    const chain = new LineFile(join(staging, CHAIN_FILE));
    let lastHash = '';
    if (firstSeq) {
      for await (const row of o.store.rows({ afterSeq: firstSeq - 1 })) {
        if (row.header.seq > cp.seq) break;
        const line: ChainLine = { ...row.header, dekId: row.dekId, iv: row.iv.toString('hex'), cipherHash: sha256Hex(row.ciphertext) };
        await chain.write(`${JSON.stringify(line)}\n`);
        lastHash = row.header.recordHash;
      }
      if (lastHash !== cp.headHash) throw new AirlockError('VERIFY_FAILED', `${o.store.dir}: the chain does not end at its checkpoint; run airlock evidence verify`);
    }
    await chain.close();
    await writeFileAtomic(join(staging, CHECKPOINT_FILE), jsonBytes({ statement: cp.statement, bundle: JSON.parse(cp.bundle) as unknown }));
    await fsp.copyFile(join(o.store.dir, 'checkpoint.pub'), join(staging, CHECKPOINT_KEY_FILE));

    const ctx: AuditPartContext = { store: o.store, framework: o.framework, from, to, generatedAt };
    for (const part of o.parts) {
      const dir = join(staging, part.folder);
      await mkdirp(dir);
      await part.produce(ctx, dir);
    }

    const files = [];
    for (const path of await listFiles(staging)) files.push({ path, ...(await fileDigest(join(staging, path))) });
    const manifest: AuditManifest = {
      format: MANIFEST_FORMAT,
      framework: o.framework,
      period: { from, to },
      generatedAt,
      generator: o.generator,
      store: { id: o.store.storeId, checkpointKeyId: o.store.info.checkpointKeyId, chain: { fromSeq: firstSeq, toSeq: cp.seq, headHash: cp.headHash } },
      evidence: { records, encrypted: o.recipient !== undefined, recipientKeyId: o.recipient ? keyIdOf(o.recipient) : null },
      files,
    };
    await writeFileAtomic(join(staging, MANIFEST_FILE), jsonBytes(manifest));

    // The archive: manifest first, then the files in the order the manifest lists them.
    const pack = tar.pack();
    const written = pipeline(pack, createGzip({ level: 6 }), createWriteStream(tmpArchive, { mode: 0o644 }));
    for (const path of [MANIFEST_FILE, ...files.map((f) => f.path)]) {
      const full = join(staging, path);
      const st = await fsp.stat(full);
      const entry = pack.entry({ ...HEADER, name: path, size: st.size, type: 'file' });
      await pipeline(createReadStream(full), entry);
    }
    pack.finalize();
    await written;

    const digest = createHash('sha256');
    const signature = await o.signer.signStream(
      (async function* () {
        for await (const c of createReadStream(tmpArchive)) {
          digest.update(c as Buffer);
          yield c as Buffer;
        }
      })(),
    );
    const bundle: SigstoreBundle = {
      mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: o.signer.keyId }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.digest('base64') }, signature: signature.toString('base64') },
    };
    await writeFileAtomic(tmpSig, jsonBytes(bundle));
    const bytes = (await fsp.stat(tmpArchive)).size;
    await fsp.rename(tmpArchive, o.out);
    await fsp.rename(tmpSig, `${o.out}${SIGNATURE_SUFFIX}`);
    await fsyncDir(outDir);
    return { archive: o.out, signature: `${o.out}${SIGNATURE_SUFFIX}`, manifest, bytes };
  } catch (e) {
    throw ioError(o.out, e, 'export');
  } finally {
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    await fsp.rm(tmpArchive, { force: true }).catch(() => undefined);
    await fsp.rm(tmpSig, { force: true }).catch(() => undefined);
  }
}
