/**
 * `airlock audit verify`: everything an auditor needs to trust an audit archive, checked
 * offline with nothing but the archive, its signature and the exporter's public key:
 *
 *  1. the Sigstore bundle signs exactly these archive bytes, with the given key;
 *  2. the archive is safe to read (regular files only, no path escapes, no duplicates,
 *     bounded sizes) and holds exactly the files the manifest lists, with their digests;
 *  3. the chain proof: every record hash recomputes from its fields, each links to the
 *     one before, and the last is the head of a checkpoint signed by the store's key;
 *  4. each evidence record matches its chain entry, and its title and payload hash to
 *     the content hash the chain committed to (when encrypted: with --decrypt-key);
 *  5. each OSCAL document validates against NIST's schema.
 *
 * The archive is read into a temporary folder (removed afterwards), never where it lies.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AirlockError } from '../common/errors.ts';
import { mkdirp, pathExists, readFileBounded } from '../common/fsx.ts';
import { parseJsonStrict } from '../common/json.ts';
import { checkEntryName } from '../common/tar-names.ts';
import { canonicalJson } from '../evidence/canonical.ts';
import { contentHashOf, recordHashFromParts } from '../evidence/chain.ts';
import { checkCheckpoint } from '../evidence/checkpoint.ts';
import type { EvidenceHeader } from '../evidence/types.ts';
import { identifyOscal, validateOscal, schemaVersionFor } from '../oscal/index.ts';
import { loadPublicKey } from '../trust/keys.ts';
import { PublicKeyVerifier } from '../trust/signer.ts';
import { parseSigstoreBundle } from '../trust/sigstore.ts';
import {
  CHAIN_FILE,
  chainLineSchema,
  CHECKPOINT_FILE,
  CHECKPOINT_KEY_FILE,
  EVIDENCE_FILE,
  EVIDENCE_SEALED_FILE,
  MANIFEST_FILE,
  manifestSchema,
  RECIPIENT_FILE,
  SIGNATURE_SUFFIX,
  type AuditManifest,
} from './format.ts';
import { openWith, recipientSchema } from './recipient.ts';

export interface AuditVerifyOptions {
  archive: string;
  /** The exporter's public key (PEM). */
  key: string;
  signature?: string;
  /** The auditor's private key, to check evidence encrypted to it. */
  decryptKey?: KeyObject;
  /** Pins the store's checkpoint key instead of trusting the one in the archive. */
  checkpointKey?: string;
  maxBytes?: number;
}

export interface AuditVerifyReport {
  ok: boolean;
  archive: string;
  signedBy: string;
  manifest: Pick<AuditManifest, 'framework' | 'period' | 'generatedAt' | 'store' | 'evidence'> | null;
  checked: { files: number; chainRecords: number; evidenceRecords: number; evidenceContents: boolean; oscalDocuments: number };
  problems: string[];
}

const MAX_ENTRIES = 10_000;
const DEFAULT_MAX_BYTES = 16 * 1024 ** 3;

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  for await (const c of createReadStream(path)) yield c as Buffer;
}

/** Extracts regular files only, refusing anything that could escape or overflow. */
async function extract(archive: string, dir: string, maxBytes: number): Promise<string[]> {
  const names: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  const ex = tar.extract();
  ex.on('entry', (header, stream, next) => {
    const fail = (msg: string) => {
      // Destroying the extractor destroys this entry's stream with the same error; the
      // pipeline reports it, so the entry's own error event must not go unheard.
      stream.on('error', () => undefined);
      ex.destroy(new AirlockError('VERIFY_FAILED', `${archive}: ${msg}`));
    };
    if (header.type !== 'file') return fail(`entry ${JSON.stringify(header.name)} is a ${header.type}, not a regular file`);
    const check = checkEntryName(header.name);
    if (!check.ok) return fail(`entry ${JSON.stringify(header.name)}: ${check.reason}`);
    if (seen.has(check.name)) return fail(`entry ${check.name} appears twice`);
    if (seen.size >= MAX_ENTRIES) return fail(`more than ${MAX_ENTRIES} entries`);
    seen.add(check.name);
    names.push(check.name);
    const target = join(dir, check.name);
    let n = 0;
    mkdirp(dirname(target))
      .then(() =>
        pipeline(
          stream,
          async function* (src: AsyncIterable<unknown>) {
            for await (const raw of src) {
              const c = raw as Buffer;
              n += c.length;
              total += c.length;
              if (total > maxBytes) throw new AirlockError('VERIFY_FAILED', `${archive}: more than ${maxBytes} bytes when unpacked`);
              yield c;
            }
          },
          createWriteStream(target, { mode: 0o600 }),
        ),
      )
      .then(() => (n === header.size ? next() : ex.destroy(new AirlockError('VERIFY_FAILED', `${archive}: entry ${check.name} is truncated`))))
      .catch((e: unknown) => ex.destroy(e as Error));
  });
  try {
    await pipeline(createReadStream(archive), createGunzip(), ex);
  } catch (e) {
    if (e instanceof AirlockError) throw e;
    throw new AirlockError('VERIFY_FAILED', `${archive}: not a readable tar.gz (${(e as Error).message})`);
  }
  return names;
}

async function* jsonLines(path: string, source: string): AsyncGenerator<{ line: number; value: unknown }> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text === '') continue;
    yield { line, value: parseJsonStrict(text, `${source}:${line}`, { maxBytes: 8 * 1024 * 1024, code: 'VERIFY_FAILED' }) };
  }
}

export async function verifyAudit(o: AuditVerifyOptions): Promise<AuditVerifyReport> {
  const problems: string[] = [];
  const sigPath = o.signature ?? `${o.archive}${SIGNATURE_SUFFIX}`;
  if (!(await pathExists(o.archive))) throw new AirlockError('NOT_FOUND', `${o.archive}: no such file`);
  if (!(await pathExists(sigPath))) throw new AirlockError('VERIFY_FAILED', `${sigPath}: the archive's signature is missing`);
  const verifier = new PublicKeyVerifier(await loadPublicKey(o.key));

  // 1. The signature over the archive's bytes.
  const bundle = parseSigstoreBundle(await readFileBounded(sigPath, 1024 * 1024, 'signature'), sigPath);
  const hint = bundle.verificationMaterial.publicKey.hint;
  if (hint !== verifier.keyId) {
    throw new AirlockError('UNTRUSTED', `${sigPath}: signed by key ${hint.slice(0, 16)}, not by ${o.key} (${verifier.keyId.slice(0, 16)})`);
  }
  const h = createHash('sha256');
  for await (const c of fileChunks(o.archive)) h.update(c);
  if (h.digest('base64') !== bundle.messageSignature.messageDigest.digest) {
    throw new AirlockError('VERIFY_FAILED', `${o.archive}: the archive is not the one signed (its digest differs from the signature's)`);
  }
  if (!(await verifier.verifyStream(fileChunks(o.archive), Buffer.from(bundle.messageSignature.signature, 'base64')))) {
    throw new AirlockError('VERIFY_FAILED', `${sigPath}: the signature does not verify with ${o.key}`);
  }

  const dir = await fsp.mkdtemp(join(tmpdir(), 'airlock-audit-'));
  try {
    // 2. Safe unpacking; the manifest; every file's digest.
    const names = await extract(o.archive, dir, o.maxBytes ?? DEFAULT_MAX_BYTES);
    if (!names.includes(MANIFEST_FILE)) throw new AirlockError('VERIFY_FAILED', `${o.archive}: no ${MANIFEST_FILE}`);
    const parsed = manifestSchema.safeParse(parseJsonStrict(await readFileBounded(join(dir, MANIFEST_FILE), 16 * 1024 * 1024, 'manifest'), `${o.archive}!${MANIFEST_FILE}`, { code: 'VERIFY_FAILED' }));
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new AirlockError('VERIFY_FAILED', `${o.archive}!${MANIFEST_FILE}: not an audit manifest (${i?.path.join('.') || 'root'}: ${i?.message ?? ''})`);
    }
    const m = parsed.data;
    const listed = new Map(m.files.map((f) => [f.path, f]));
    for (const n of names) if (n !== MANIFEST_FILE && !listed.has(n)) problems.push(`${n}: in the archive but not in the manifest`);
    for (const f of m.files) {
      if (!names.includes(f.path)) {
        problems.push(`${f.path}: in the manifest but not in the archive`);
        continue;
      }
      const d = createHash('sha256');
      let size = 0;
      for await (const c of fileChunks(join(dir, f.path))) {
        d.update(c);
        size += c.length;
      }
      if (d.digest('hex') !== f.sha256 || size !== f.size) problems.push(`${f.path}: its digest or size differs from the manifest`);
    }

    // 3. The chain proof and its checkpoint.
    const cpKeyPath = o.checkpointKey ?? join(dir, CHECKPOINT_KEY_FILE);
    const cpVerifier = new PublicKeyVerifier(await loadPublicKey(cpKeyPath));
    if (cpVerifier.keyId !== m.store.checkpointKeyId) problems.push(`${CHECKPOINT_KEY_FILE}: key ${cpVerifier.keyId.slice(0, 16)} is not the store's checkpoint key ${m.store.checkpointKeyId.slice(0, 16)} named in the manifest`);
    const cpFile = parseJsonStrict(await readFileBounded(join(dir, CHECKPOINT_FILE), 1024 * 1024, 'checkpoint'), CHECKPOINT_FILE, { code: 'VERIFY_FAILED' }) as { statement?: unknown; bundle?: unknown };
    const cp = checkCheckpoint({ statement: String(cpFile.statement ?? ''), bundle: JSON.stringify(cpFile.bundle ?? null), keyId: cpVerifier.keyId }, cpVerifier);
    if (!cp.ok) problems.push(`${CHECKPOINT_FILE}: ${cp.reason}`);
    else {
      if (cp.statement.storeId !== m.store.id) problems.push(`${CHECKPOINT_FILE}: belongs to store ${cp.statement.storeId}, not ${m.store.id}`);
      if (cp.statement.seq !== m.store.chain.toSeq || cp.statement.headHash !== m.store.chain.headHash) problems.push(`${CHECKPOINT_FILE}: does not match the chain the manifest names`);
    }
    const contentHashes = new Map<number, EvidenceHeader>();
    let chainRecords = 0;
    let prev: { seq: number; hash: string } | undefined;
    for await (const { line, value } of jsonLines(join(dir, CHAIN_FILE), CHAIN_FILE)) {
      const r = chainLineSchema.safeParse(value);
      if (!r.success) {
        problems.push(`${CHAIN_FILE}:${line}: not a chain entry`);
        break;
      }
      const c = r.data;
      const { dekId, iv, cipherHash, recordHash, ...rest } = c;
      const header = rest as Omit<EvidenceHeader, 'recordHash'>;
      if (recordHashFromParts(header, { dekId, iv, cipherHash }) !== recordHash) problems.push(`${CHAIN_FILE}:${line}: record ${c.seq} does not match its hash (altered)`);
      if (prev && (c.seq !== prev.seq + 1 || c.prevHash !== prev.hash)) problems.push(`${CHAIN_FILE}:${line}: record ${c.seq} does not follow record ${prev.seq} (removed, reordered or altered)`);
      if (!prev && c.seq !== m.store.chain.fromSeq) problems.push(`${CHAIN_FILE}:${line}: the chain starts at record ${c.seq}, not ${m.store.chain.fromSeq}`);
      prev = { seq: c.seq, hash: recordHash };
      contentHashes.set(c.seq, { ...header, recordHash });
      chainRecords++;
      if (problems.length > 100) break;
    }
    if (m.store.chain.fromSeq && (!prev || prev.seq !== m.store.chain.toSeq || prev.hash !== m.store.chain.headHash)) {
      problems.push(`${CHAIN_FILE}: does not end at the checkpoint's head (record ${m.store.chain.toSeq})`);
    }

    // 4. The evidence against the chain.
    let evidenceRecords = 0;
    let evidenceContents = false;
    const checkRecord = (value: unknown, where: string) => {
      const rec = value as EvidenceHeader & { title?: unknown; payload?: unknown };
      const chained = typeof rec?.seq === 'number' ? contentHashes.get(rec.seq) : undefined;
      if (!chained) return problems.push(`${where}: record ${String(rec?.seq)} is not in the chain proof`);
      const { title, payload, ...header } = rec;
      if (canonicalJson(header) !== canonicalJson(chained)) problems.push(`${where}: record ${rec.seq}'s fields differ from the chain`);
      const plain = Buffer.from(canonicalJson({ payload: payload ?? null, title }));
      if (contentHashOf(rec.id, plain) !== chained.contentHash) problems.push(`${where}: record ${rec.seq}'s title or payload differs from what the chain committed to (altered)`);
      if (rec.observedAt < m.period.from || rec.observedAt > m.period.to) problems.push(`${where}: record ${rec.seq} is outside the period`);
      evidenceRecords++;
    };
    if (m.evidence.encrypted) {
      if (o.decryptKey) {
        const info = recipientSchema.parse(parseJsonStrict(await readFileBounded(join(dir, RECIPIENT_FILE), 64 * 1024, 'recipient'), RECIPIENT_FILE, { code: 'VERIFY_FAILED' }));
        const opener = openWith(o.decryptKey, info, EVIDENCE_SEALED_FILE);
        const plainPath = join(dir, 'evidence.plain.jsonl');
        await pipeline(
          createReadStream(join(dir, EVIDENCE_SEALED_FILE)),
          async function* (src: AsyncIterable<unknown>) {
            for await (const c of src) yield opener.update(c as Buffer);
            yield opener.final();
          },
          createWriteStream(plainPath, { mode: 0o600 }),
        );
        for await (const { line, value } of jsonLines(plainPath, EVIDENCE_SEALED_FILE)) checkRecord(value, `${EVIDENCE_SEALED_FILE}:${line}`);
        evidenceContents = true;
      }
    } else {
      for await (const { line, value } of jsonLines(join(dir, EVIDENCE_FILE), EVIDENCE_FILE)) checkRecord(value, `${EVIDENCE_FILE}:${line}`);
      evidenceContents = true;
    }
    if (evidenceContents && evidenceRecords !== m.evidence.records) problems.push(`evidence: ${evidenceRecords} records, the manifest says ${m.evidence.records}`);

    // 5. OSCAL documents.
    let oscalDocuments = 0;
    for (const f of m.files.filter((x) => x.path.startsWith('oscal/') && x.path.endsWith('.json'))) {
      const doc = parseJsonStrict(await readFileBounded(join(dir, f.path), 256 * 1024 * 1024, 'OSCAL document'), f.path, { code: 'VERIFY_FAILED' });
      const id = identifyOscal(doc, f.path);
      const version = schemaVersionFor(id.declaredVersion ?? '');
      if (!version) {
        problems.push(`${f.path}: declares OSCAL version ${JSON.stringify(id.declaredVersion ?? null)}, which has no schema`);
        continue;
      }
      const r = await validateOscal(doc, id.model, version, { maxErrors: 5 });
      if (!r.valid) problems.push(`${f.path}: not valid OSCAL ${r.schemaVersion} ${id.model}: ${r.errors[0]?.pointer ?? ''} ${r.errors[0]?.message ?? ''}`);
      oscalDocuments++;
    }

    return {
      ok: problems.length === 0,
      archive: o.archive,
      signedBy: verifier.keyId,
      manifest: { framework: m.framework, period: m.period, generatedAt: m.generatedAt, store: m.store, evidence: m.evidence },
      checked: { files: m.files.length, chainRecords, evidenceRecords, evidenceContents, oscalDocuments },
      problems,
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
