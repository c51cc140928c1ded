/**
 * Packs a framework's content into a folder that an update bundle carries as one item:
 *
 *   <out>/framework.yaml                   the control index
 *   <out>/policies/<name>/<file>           every file of every mapped policy
 *   <out>/manifest.json                    framework, policy names, and sha256 and size of each file
 *
 * The tree is deterministic (sorted, no timestamps), so the same content always packs to
 * the same bytes and a delta bundle carries only what changed. verifyPackedFramework
 * checks a received tree against its manifest before the policies are used.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError, ioError, errnoCode } from '../common/errors.ts';
import { readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { parseJsonStrict } from '../common/json.ts';
import { getFramework } from './catalog.ts';
import type { Content } from './content.ts';
import { isContainedRelativePath } from './kyverno-test-file.ts';
import { MAX_CONTENT_FILE_BYTES } from './parse.ts';
import { FRAMEWORK_ID, POLICY_NAME } from './schema.ts';

export const PACK_MANIFEST = 'manifest.json';
export const PACK_KIND = 'FrameworkPolicyPack';

const fileSchema = z
  .object({
    path: z.string().min(1).max(512).refine(isContainedRelativePath, 'must be a relative path inside the pack'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().min(0).max(MAX_CONTENT_FILE_BYTES),
  })
  .strict();

const manifestSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal(PACK_KIND),
    framework: z.object({ id: z.string().regex(FRAMEWORK_ID), name: z.string().min(1), version: z.string().min(1) }).strict(),
    policies: z.array(z.string().regex(POLICY_NAME)).max(5000),
    files: z.array(fileSchema).min(1).max(100_000),
  })
  .strict();

export type PackManifest = z.infer<typeof manifestSchema>;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function ensureEmptyDir(dir: string): Promise<void> {
  try {
    const st = await fsp.lstat(dir);
    if (!st.isDirectory()) throw new AirlockError('BAD_INPUT', `${dir}: exists and is not a folder`);
    if ((await fsp.readdir(dir)).length > 0) throw new AirlockError('BAD_INPUT', `${dir}: folder is not empty`);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw ioError(dir, e);
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (e2) {
      throw ioError(dir, e2, 'create');
    }
  }
}

/** Writes the pack of framework `id` into outDir (created, or an existing empty folder). */
export async function packFramework(content: Content, id: string, outDir: string): Promise<PackManifest> {
  const fw = getFramework(content, id);
  const policies = content.policies.filter((p) => (p.mappings.get(id)?.length ?? 0) > 0);
  await ensureEmptyDir(outDir);
  const files: PackManifest['files'] = [];
  const put = async (rel: string, data: Uint8Array): Promise<void> => {
    await writeFileAtomic(join(outDir, rel), data);
    files.push({ path: rel, sha256: sha256(data), size: data.byteLength });
  };
  await put('framework.yaml', await readFileBounded(join(content.root, 'frameworks', `${id}.yaml`), MAX_CONTENT_FILE_BYTES, 'control index'));
  for (const p of policies) {
    const dir = join(outDir, 'policies', p.name);
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (e) {
      throw ioError(dir, e, 'create');
    }
    for (const f of p.files) await put(`policies/${p.name}/${f}`, await readFileBounded(join(p.dir, f), MAX_CONTENT_FILE_BYTES, 'content file'));
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: PackManifest = {
    apiVersion: 'airlock.dev/v1alpha1',
    kind: PACK_KIND,
    framework: { id: fw.id, name: fw.name, version: fw.version },
    policies: policies.map((p) => p.name),
    files,
  };
  await writeFileAtomic(join(outDir, PACK_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const dir = rel === '' ? root : join(root, rel);
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw ioError(dir, e, 'list');
  }
  for (const ent of entries) {
    const r = rel === '' ? ent.name : `${rel}/${ent.name}`;
    if (ent.isSymbolicLink()) throw new AirlockError('VERIFY_FAILED', `${join(root, r)}: symbolic links are not allowed in a policy pack`);
    if (ent.isDirectory()) await walk(root, r, out);
    else if (ent.isFile()) out.push(r);
    else throw new AirlockError('VERIFY_FAILED', `${join(root, r)}: not a regular file`);
  }
}

/** Checks a packed tree: manifest valid, every listed file present with its digest, nothing extra. */
export async function verifyPackedFramework(dir: string): Promise<PackManifest> {
  const mpath = join(dir, PACK_MANIFEST);
  const raw = await readFileBounded(mpath, 16 * 1024 * 1024, 'manifest');
  const parsed = manifestSchema.safeParse(parseJsonStrict(raw, mpath));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AirlockError('BAD_INPUT', `${mpath}: ${i?.path.map(String).join('.') || '(document)'}: ${i?.message ?? 'invalid'}`);
  }
  const manifest = parsed.data;
  const listed = new Set<string>();
  for (const f of manifest.files) {
    if (listed.has(f.path)) throw new AirlockError('BAD_INPUT', `${mpath}: ${f.path} is listed twice`);
    listed.add(f.path);
  }
  const present: string[] = [];
  await walk(dir, '', present);
  for (const p of present) {
    if (p !== PACK_MANIFEST && !listed.has(p)) throw new AirlockError('VERIFY_FAILED', `${join(dir, p)}: not listed in ${PACK_MANIFEST}`);
  }
  for (const f of manifest.files) {
    const path = join(dir, f.path);
    const data = await readFileBounded(path, MAX_CONTENT_FILE_BYTES, 'packed file');
    if (data.byteLength !== f.size || sha256(data) !== f.sha256) throw new AirlockError('VERIFY_FAILED', `${path}: content does not match ${PACK_MANIFEST}`);
  }
  return manifest;
}
