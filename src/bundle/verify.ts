/**
 * Bundle verification. Signature first: the descriptor must be signed by a key the trust
 * root accepts for the bundle's channel, and not expired. Then every blob's size and
 * digest, streamed (folder bundles hash on every core), then completeness by a Merkle
 * walk from the index. Every problem is one line. Verification writes nothing unless a
 * staging layout is given (apply), and then only verified blobs, into that layout.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { type Progress, silentProgress } from '../common/progress.ts';
import { BlobPool, BlobPoolError, forEachLimit } from '../oci/blob-pool.ts';
import { digestHex } from '../oci/digest.ts';
import { INDEX_FILE, type OciLayout } from '../oci/layout.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.ts';
import { checkSigstoreSignature, parseSigstoreBundle } from '../trust/sigstore.ts';
import type { TrustRoot } from '../trust/trust-root.ts';
import { BundleChecker } from './checker.ts';
import { type BlobRef, type BundleDescriptor, DESCRIPTOR_FILE, parseDescriptor, SIGNATURE_FILE, totalBytes } from './descriptor.ts';
import { type BundleLocation, locateBundle, readHead, readMember, tarBytes, tarMembers } from './format.ts';

export interface VerifyOptions {
  trust: TrustRoot;
  now?: Date;
  progress?: Progress;
  /** Apply: verified blobs are written here (a staging layout), nothing else is. */
  stage?: OciLayout;
  /** Apply: blobs the destination already holds need not be read from a folder bundle. */
  alreadyHeld?: (ref: BlobRef) => Promise<boolean>;
  pool?: BlobPool;
}

export interface VerifyReport {
  ok: boolean;
  bundle: string;
  format: BundleLocation['kind'];
  problems: string[];
  warnings: string[];
  descriptor?: BundleDescriptor;
  descriptorDigest?: string;
  keyId?: string;
  blobsChecked: number;
  bytesChecked: number;
  /** Omitted manifests (held by the base) whose children the destination must hold. */
  baseRoots: Descriptor[];
}

interface Authenticated {
  descriptor: BundleDescriptor;
  descriptorDigest: string;
  keyId: string;
}

/** Signature, trust for the channel, and validity period; throws with one line on failure. */
export function authenticate(descriptorBytes: Buffer, signatureBytes: Buffer | undefined, trust: TrustRoot, now: Date, where: string): Authenticated & { warnings: string[] } {
  if (!signatureBytes) throw new AirlockError('VERIFY_FAILED', `${where}: no signature (${SIGNATURE_FILE} is missing)`);
  const sig = parseSigstoreBundle(signatureBytes, `${where}: ${SIGNATURE_FILE}`);
  const keyId = sig.verificationMaterial.publicKey.hint;
  const key = trust.find(keyId);
  if (!key) throw new AirlockError('UNTRUSTED', `${where}: ${trust.refusal(keyId, '') as string}`);
  const check = checkSigstoreSignature(sig, descriptorBytes, key.verifier);
  if (!check.ok) throw new AirlockError('VERIFY_FAILED', `${where}: signature invalid: ${check.reason}`);
  // Only now is the descriptor's content trustworthy enough to read.
  const descriptor = parseDescriptor(descriptorBytes, `${where}: ${DESCRIPTOR_FILE}`);
  const refusal = trust.refusal(keyId, descriptor.channel);
  if (refusal) throw new AirlockError('UNTRUSTED', `${where}: ${refusal}`);
  const warnings: string[] = [];
  if (now.getTime() > Date.parse(descriptor.expires)) {
    throw new AirlockError('EXPIRED', `${where}: bundle expired on ${descriptor.expires}`);
  }
  if (Date.parse(descriptor.created) > now.getTime() + 24 * 3600_000) {
    warnings.push(`bundle created ${descriptor.created}, in the future by this host's clock: check the clock`);
  }
  const descriptorDigest = `sha256:${createHash('sha256').update(descriptorBytes).digest('hex')}`;
  return { descriptor, descriptorDigest, keyId, warnings };
}

function emptyReport(bundle: string, format: BundleLocation['kind']): VerifyReport {
  return { ok: false, bundle, format, problems: [], warnings: [], blobsChecked: 0, bytesChecked: 0, baseRoots: [] };
}

export async function verifyBundle(path: string, options: VerifyOptions): Promise<VerifyReport> {
  const loc = await locateBundle(path);
  const report = emptyReport(path, loc.kind);
  const now = options.now ?? new Date();
  let auth: Authenticated & { warnings: string[] };
  try {
    const head = await readHead(loc);
    auth = authenticate(head.descriptor, head.signature, options.trust, now, path);
  } catch (e) {
    if (e instanceof AirlockError && e.exitCode === 1) {
      // The message carries the first detail; the rest follow one per line.
      report.problems.push(e.message, ...e.details.slice(1));
      return report;
    }
    throw e;
  }
  Object.assign(report, { descriptor: auth.descriptor, descriptorDigest: auth.descriptorDigest, keyId: auth.keyId });
  report.warnings.push(...auth.warnings);
  const checker = new BundleChecker(auth.descriptor);
  const progress = options.progress ?? silentProgress;
  progress.start('verify', totalBytes(auth.descriptor.blobs));
  try {
    if (loc.kind === 'dir') await verifyFolder(loc.path, checker, options, progress);
    else await verifyStream(loc, checker, options, progress);
  } catch (e) {
    if (!(e instanceof AirlockError && e.exitCode === 1)) throw e;
    checker.problem(e.message);
    for (const d of e.details.slice(1)) checker.problem(d);
  } finally {
    progress.stop();
  }
  report.baseRoots = await checker.finish();
  report.problems.push(...checker.problems);
  report.blobsChecked = checker.seen.size;
  report.bytesChecked = checker.bytesChecked;
  report.ok = report.problems.length === 0;
  return report;
}

async function verifyFolder(root: string, checker: BundleChecker, options: VerifyOptions, progress: Progress): Promise<void> {
  const indexBytes = await readFileBounded(join(root, INDEX_FILE), MAX_MANIFEST_BYTES, INDEX_FILE).catch((e: unknown) => {
    throw new AirlockError('VERIFY_FAILED', (e as Error).message);
  });
  checker.checkIndex(indexBytes);
  if (checker.problems.length > 0) return;
  // Files under blobs/ that the descriptor does not list.
  const present = await fsp.readdir(join(root, 'blobs', 'sha256')).catch(() => [] as string[]);
  for (const name of present) {
    if (!checker.listed.has(`sha256:${name}`)) checker.problem(`blobs/sha256/${name.slice(0, 80)}: not listed in the signed descriptor`);
  }
  const pool = options.pool ?? new BlobPool();
  try {
    // Manifests first, so their children are announced to the checker; then the rest.
    const blobs = [...checker.descriptor.blobs];
    const small = blobs.filter((b) => checker.wantsBytes(b.digest));
    const visit = async (b: BlobRef) => {
      const file = join(root, 'blobs', 'sha256', digestHex(b.digest));
      if (!checker.wantsBytes(b.digest) && options.alreadyHeld && (await options.alreadyHeld(b))) {
        // The destination proved this blob when it stored it; the copy here is not needed.
        checker.seen.add(b.digest);
        progress.advance(b.size);
        return;
      }
      let st;
      try {
        st = await fsp.lstat(file);
      } catch {
        checker.problem(`blob ${b.digest}: missing`);
        return;
      }
      if (!st.isFile()) return checker.problem(`blob ${b.digest}: not a regular file`);
      if (!checker.checkDeclared(b.digest, st.size, `blobs/sha256/${digestHex(b.digest)}`)) return;
      if (checker.wantsBytes(b.digest)) {
        const bytes = await readFileBounded(file, MAX_MANIFEST_BYTES);
        const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        checker.blobHashed(b.digest, digest, bytes.length, bytes);
        if (options.stage && digest === b.digest) await options.stage.putBytes(bytes);
      } else {
        try {
          const r = options.stage ? await options.stage.putFile(pool, file) : await pool.hash(file, b.size);
          checker.blobHashed(b.digest, r.digest, r.size);
        } catch (e) {
          if (e instanceof BlobPoolError && e.code === 'ETOOBIG') checker.problem(`blob ${b.digest}: larger than the declared ${b.size} bytes`);
          else throw e;
        }
      }
      progress.advance(b.size);
    };
    // Walk manifests level by level until no new ones appear, then hash the rest on every core.
    let pending = small;
    const done = new Set<string>();
    while (pending.length > 0) {
      for (const b of pending) done.add(b.digest);
      await forEachLimit(pending, 4, visit);
      pending = blobs.filter((b) => !done.has(b.digest) && checker.wantsBytes(b.digest));
    }
    const rest = blobs.filter((b) => !done.has(b.digest)).sort((a, b) => b.size - a.size);
    await forEachLimit(rest, 8, visit);
  } finally {
    if (!options.pool) await pool.close();
  }
}

async function verifyStream(loc: BundleLocation, checker: BundleChecker, options: VerifyOptions, progress: Progress): Promise<void> {
  let order = 0;
  for await (const m of tarMembers(tarBytes(loc, (line) => checker.problem(line)), loc.path)) {
    order++;
    if (m.kind === 'dir') continue;
    if (m.kind === 'meta') {
      if (m.name === INDEX_FILE) checker.checkIndex(await readMember(m.stream, MAX_MANIFEST_BYTES, `${loc.path}: ${INDEX_FILE}`));
      else if (order > 4) checker.problem(`${loc.path}: ${m.name} appears twice or out of place`);
      continue;
    }
    if (!checker.indexSeen) {
      checker.problem(`${loc.path}: blob ${m.digest} before index.json (not in canonical order)`);
      return;
    }
    if (!checker.checkDeclared(m.digest, m.size, `blobs/sha256/${digestHex(m.digest)}`)) {
      // A declared size that disagrees with the signed one is not read at all.
      continue;
    }
    if (checker.wantsBytes(m.digest)) {
      const bytes = await readMember(m.stream, MAX_MANIFEST_BYTES, `blob ${m.digest}`);
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      checker.blobHashed(m.digest, digest, bytes.length, bytes);
      if (options.stage && digest === m.digest) await options.stage.putBytes(bytes);
    } else if (options.stage) {
      try {
        await options.stage.putStream(m.stream, `blob ${m.digest}`, { digest: m.digest, size: m.size });
        checker.blobHashed(m.digest, m.digest, m.size);
      } catch (e) {
        if (!(e instanceof AirlockError && e.code === 'VERIFY_FAILED')) throw e;
        checker.blobHashed(m.digest, 'sha256:mismatch', m.size);
      }
    } else {
      const hash = createHash('sha256');
      let n = 0;
      for await (const c of m.stream) {
        hash.update(c);
        n += c.length;
      }
      checker.blobHashed(m.digest, `sha256:${hash.digest('hex')}`, n);
    }
    progress.advance(m.size);
  }
}
