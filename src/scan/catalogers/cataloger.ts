/**
 * The interface every cataloger implements (one file per package type, like Syft's
 * catalogers). A cataloger says from the path alone which files it wants, then turns
 * those files, read through the VirtualFs, into Packages. Parsing is pure and lives in
 * exported functions next to each cataloger; the cataloger only reads and maps.
 */
import type { OsRelease, Package } from '../types.ts';
import type { VirtualFs } from '../targets/vfs.ts';

/**
 * os: packages the OS package manager installed; installed: language packages
 * installed on disk (node_modules, site-packages, jars); declared: lock files and
 * manifests in a source tree. Images and rootfs run os + installed; dir: runs
 * installed + declared (the same split Trivy makes between image and fs scans).
 */
export type CatalogerKind = 'os' | 'installed' | 'declared';

export interface CatalogContext {
  fs: VirtualFs;
  /** Whether the tree is an installed system (rootfs, image) or a source tree (dir). */
  tree: 'installed' | 'source';
  os?: OsRelease;
  /** Records a problem with one file without stopping the scan. */
  warn(message: string): void;
}

/**
 * What `matches` needs of a file's name, as data: a folder is listed on a worker thread
 * (see walk-worker.ts), which hands over only the files that pass some hint, so that
 * `matches` is asked of a few thousand paths instead of every file of a host. Every path
 * `matches` accepts must have one of these names, one of these extensions (lower-cased,
 * from the last dot: ".jar", ".egg-info"), a name ending in one of these suffixes (as
 * written: ".cdx.json"), or a parent folder of one of these names.
 */
export interface FileHint {
  names?: readonly string[];
  extensions?: readonly string[];
  suffixes?: readonly string[];
  folders?: readonly string[];
}

export interface Cataloger {
  readonly name: string;
  readonly kind: CatalogerKind;
  readonly hint: FileHint;
  matches(path: string): boolean;
  catalog(ctx: CatalogContext, paths: readonly string[]): Promise<Package[]>;
}

export const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/** Reads a wanted file as UTF-8 text. */
export async function readText(ctx: CatalogContext, path: string, maxBytes = MAX_METADATA_BYTES): Promise<string | undefined> {
  const b = await ctx.fs.readFile(path, maxBytes);
  return b?.toString('utf8');
}

/**
 * The loop most catalogers share: read each matched file as text (skipping those that
 * cannot be read), and let `collect` push the packages it finds in it.
 */
export async function packagesFromText(
  ctx: CatalogContext,
  paths: readonly string[],
  collect: (text: string, path: string, out: Package[]) => void,
): Promise<Package[]> {
  const out: Package[] = [];
  for (const path of paths) {
    const text = await readText(ctx, path);
    if (text !== undefined) collect(text, path, out);
  }
  return out;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Whether a path passes a hint (see FileHint). */
export function hintAccepts(hint: FileHint, path: string): boolean {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (hint.names?.includes(name)) return true;
  const dot = name.lastIndexOf('.');
  if (dot >= 0 && hint.extensions?.includes(name.slice(dot).toLowerCase())) return true;
  if (hint.suffixes?.some((s) => name.endsWith(s))) return true;
  const parent = slash < 0 ? '' : path.slice(path.lastIndexOf('/', slash - 1) + 1, slash);
  return hint.folders?.includes(parent) ?? false;
}

/** One hint that every path passing any of `hints` passes. */
export function mergeHints(hints: readonly FileHint[]): Required<FileHint> {
  const union = (k: keyof FileHint): string[] => [...new Set(hints.flatMap((h) => h[k] ?? []))].sort();
  return { names: union('names'), extensions: union('extensions'), suffixes: union('suffixes'), folders: union('folders') };
}
