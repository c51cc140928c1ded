/**
 * Loads and cross-checks the compliance content folder:
 *
 *   content/frameworks/<framework-id>.yaml        control index (ControlIndex)
 *   content/policies/<policy-name>/policy.yaml    one Kyverno policy with Airlock's annotations
 *   content/policies/<policy-name>/controls.yaml  control mapping with one-line rationales
 *   content/policies/<policy-name>/kyverno-test.yaml and the resource files it names
 *
 * Every mapping must name a framework and a control that exist, the policy's
 * airlock.dev/controls annotation must agree with controls.yaml, and each policy's test
 * must expect at least one pass and one fail. Symbolic links and nested folders are
 * refused: the content is packed into signed bundles and must be exactly what is listed.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirlockError, ioError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { MAX_CONTENT_FILE_BYTES, parseControlIndex, parseControlMapping, parsePolicyHead, type PolicyHead } from './parse.ts';
import { parseKyvernoTestOutline, type KyvernoTestOutline } from './kyverno-test-file.ts';
import { FRAMEWORK_ID, POLICY_NAME, type ControlIndex } from './schema.ts';

export const CONTENT_DIR_ENV = 'AIRLOCK_CONTENT_DIR';
const MAX_FRAMEWORKS = 200;
const MAX_POLICIES = 5000;
const MAX_FILES_PER_POLICY = 64;

export interface MappingEntry {
  control: string;
  rationale: string;
}

export interface PolicyEntry {
  name: string;
  /** Absolute path of the policy's folder. */
  dir: string;
  head: PolicyHead;
  /** Framework id to the controls the policy supports, with rationales. */
  mappings: Map<string, MappingEntry[]>;
  test: KyvernoTestOutline;
  /** File names in the folder, sorted. */
  files: string[];
}

export interface Content {
  root: string;
  frameworks: Map<string, ControlIndex>;
  /** Sorted by name. */
  policies: PolicyEntry[];
}

/**
 * The content folder: $AIRLOCK_CONTENT_DIR, else content/ at the project root (running
 * from source), else content/ beside the single-file build (dist/content).
 */
export function defaultContentDir(): string {
  const env = process.env[CONTENT_DIR_ENV];
  if (env && env.trim() !== '') return env;
  const fromSource = fileURLToPath(new URL('../../content', import.meta.url));
  const besideBuild = fileURLToPath(new URL('./content', import.meta.url));
  return existsSync(join(fromSource, 'frameworks')) ? fromSource : besideBuild;
}

async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return (await fsp.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw ioError(dir, e, 'list');
  }
}

async function readContentFile(path: string): Promise<Buffer> {
  let st;
  try {
    st = await fsp.lstat(path);
  } catch (e) {
    throw ioError(path, e);
  }
  if (st.isSymbolicLink()) throw new AirlockError('BAD_INPUT', `${path}: symbolic links are not allowed in content`);
  return readFileBounded(path, MAX_CONTENT_FILE_BYTES, 'content file');
}

async function loadFrameworks(root: string): Promise<Map<string, ControlIndex>> {
  const dir = join(root, 'frameworks');
  const out = new Map<string, ControlIndex>();
  for (const ent of await listDir(dir)) {
    const path = join(dir, ent.name);
    if (ent.isSymbolicLink()) throw new AirlockError('BAD_INPUT', `${path}: symbolic links are not allowed in content`);
    if (!ent.isFile() || !ent.name.endsWith('.yaml')) throw new AirlockError('BAD_INPUT', `${path}: unexpected entry; only <framework-id>.yaml files belong here`);
    if (out.size >= MAX_FRAMEWORKS) throw new AirlockError('BAD_INPUT', `${dir}: more than ${MAX_FRAMEWORKS} frameworks`);
    const index = parseControlIndex(await readContentFile(path), path);
    const stem = ent.name.slice(0, -'.yaml'.length);
    if (index.id !== stem) throw new AirlockError('BAD_INPUT', `${path}: id ${index.id} does not match the file name ${stem}`);
    out.set(index.id, index);
  }
  return out;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

async function loadPolicy(dir: string, name: string, frameworks: Map<string, ControlIndex>): Promise<PolicyEntry> {
  const files: string[] = [];
  for (const ent of await listDir(dir)) {
    const path = join(dir, ent.name);
    if (ent.isSymbolicLink()) throw new AirlockError('BAD_INPUT', `${path}: symbolic links are not allowed in content`);
    if (!ent.isFile()) throw new AirlockError('BAD_INPUT', `${path}: only plain files belong in a policy folder`);
    files.push(ent.name);
  }
  if (files.length > MAX_FILES_PER_POLICY) throw new AirlockError('BAD_INPUT', `${dir}: more than ${MAX_FILES_PER_POLICY} files`);
  for (const required of ['policy.yaml', 'controls.yaml', 'kyverno-test.yaml']) {
    if (!files.includes(required)) throw new AirlockError('BAD_INPUT', `${join(dir, required)}: missing`);
  }
  const policyPath = join(dir, 'policy.yaml');
  const head = parsePolicyHead(await readContentFile(policyPath), policyPath);
  if (head.name !== name) throw new AirlockError('BAD_INPUT', `${policyPath}: policy name ${head.name} does not match its folder ${name}`);

  const mappingPath = join(dir, 'controls.yaml');
  const mapping = parseControlMapping(await readContentFile(mappingPath), mappingPath);
  if (mapping.policy !== name) throw new AirlockError('BAD_INPUT', `${mappingPath}: policy ${mapping.policy} does not match its folder ${name}`);
  const mappings = new Map<string, MappingEntry[]>();
  for (const [fw, entries] of Object.entries(mapping.mappings)) {
    const index = frameworks.get(fw);
    if (!index) throw new AirlockError('BAD_INPUT', `${mappingPath}: unknown framework ${fw}`);
    const known = new Set(index.controls.map((c) => c.id));
    for (const e of entries) {
      if (!known.has(e.control)) throw new AirlockError('BAD_INPUT', `${mappingPath}: ${fw} has no control ${e.control}`);
    }
    mappings.set(fw, entries);
  }
  const annotated = head.annotatedControls;
  for (const fw of new Set([...annotated.keys(), ...mappings.keys()])) {
    const a = annotated.get(fw) ?? [];
    const m = (mappings.get(fw) ?? []).map((e) => e.control);
    if (!sameIds(a, m)) {
      throw new AirlockError('BAD_INPUT', `${policyPath}: annotation airlock.dev/controls for ${fw} (${a.join(', ') || 'none'}) differs from controls.yaml (${m.join(', ') || 'none'})`);
    }
  }

  const testPath = join(dir, 'kyverno-test.yaml');
  const test = parseKyvernoTestOutline(await readContentFile(testPath), testPath);
  for (const f of [...test.policyFiles, ...test.resourceFiles, ...(test.variablesFile ? [test.variablesFile] : [])]) {
    if (!files.includes(f)) throw new AirlockError('BAD_INPUT', `${testPath}: names ${f}, which is not a file in ${dir}`);
  }
  if (!test.policyFiles.includes('policy.yaml')) throw new AirlockError('BAD_INPUT', `${testPath}: must test policy.yaml`);
  if (test.expected.pass < 1 || test.expected.fail < 1) {
    throw new AirlockError('BAD_INPUT', `${testPath}: needs at least one passing and one failing resource (has ${test.expected.pass} pass, ${test.expected.fail} fail)`);
  }
  if (test.policies.some((p) => p !== name)) throw new AirlockError('BAD_INPUT', `${testPath}: results must name policy ${name}`);
  return { name, dir, head, mappings, test, files };
}

/** Reads the whole content folder and checks it; throws on the first problem. */
export async function loadContent(root: string = defaultContentDir()): Promise<Content> {
  const frameworks = await loadFrameworks(root);
  const pdir = join(root, 'policies');
  const policies: PolicyEntry[] = [];
  for (const ent of await listDir(pdir)) {
    const path = join(pdir, ent.name);
    if (ent.isSymbolicLink()) throw new AirlockError('BAD_INPUT', `${path}: symbolic links are not allowed in content`);
    if (!ent.isDirectory()) throw new AirlockError('BAD_INPUT', `${path}: unexpected entry; each policy lives in its own folder`);
    if (!POLICY_NAME.test(ent.name)) throw new AirlockError('BAD_INPUT', `${path}: folder name is not a valid policy name`);
    if (policies.length >= MAX_POLICIES) throw new AirlockError('BAD_INPUT', `${pdir}: more than ${MAX_POLICIES} policies`);
    policies.push(await loadPolicy(path, ent.name, frameworks));
  }
  return { root, frameworks, policies };
}

export function isFrameworkId(s: string): boolean {
  return FRAMEWORK_ID.test(s);
}
