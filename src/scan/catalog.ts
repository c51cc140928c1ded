/**
 * The scanner's front half: open a target, run the catalogers that apply to it through
 * one VirtualFs, and return the package inventory with the OS it runs on. This is what
 * `airlock sbom` prints and what `airlock scan` hands to the matcher.
 */
import { isAirlockError } from '../common/errors.ts';
import { mergeHints, type Cataloger } from './catalogers/cataloger.ts';
import { addOwnedFiles, isOwnershipFile, OWNERSHIP_HINT } from './catalogers/ownership.ts';
import { CATALOGERS } from './catalogers/registry.ts';
import { parseOsRelease } from './os-release.ts';
import { openDockerArchive } from './targets/docker-archive.ts';
import { DEFAULT_LIMITS, type LayerLimits } from './targets/layers.ts';
import { openOciImage } from './targets/oci.ts';
import { walkRootfs, type RootfsWalk } from './targets/rootfs.ts';
import { readSbomTarget } from './targets/sbom.ts';
import { parseTarget, type TargetKind } from './targets/target.ts';
import type { VirtualFs } from './targets/vfs.ts';
import type { OsRelease, Package } from './types.ts';

export interface CatalogTarget {
  kind: TargetKind;
  ref: string;
  /** Image manifest digest (oci:, docker-archive:). */
  digest?: string;
  layers?: string[];
}

export interface CatalogResult {
  target: CatalogTarget;
  os?: OsRelease;
  packages: Package[];
  /** Problems with single files that did not stop the scan. */
  warnings: string[];
  /** Language packages left out because an OS package installed them (see ownership.ts). */
  osOwned?: number;
}

export interface CatalogOptions {
  /** Restrict to these cataloger names. */
  catalogers?: readonly string[];
  limits?: LayerLimits;
  /** rootfs:/dir: folders not to enter, relative to the target ("work", "var/cache"). */
  skip?: readonly string[];
  /** Keep language packages that an OS package installed (left out by default, as Trivy does). */
  includeOsOwned?: boolean;
}

const OS_RELEASE = ['etc/os-release', 'usr/lib/os-release'];

function selectCatalogers(kind: TargetKind, names?: readonly string[]): Cataloger[] {
  const kinds = kind === 'dir' ? ['installed', 'declared'] : ['os', 'installed'];
  return CATALOGERS.filter((c) => (names ? names.includes(c.name) : kinds.includes(c.kind)));
}

async function readOs(fs: VirtualFs): Promise<OsRelease | undefined> {
  for (const p of OS_RELEASE) {
    const b = await fs.readFile(p, 64 * 1024).catch(() => undefined);
    if (b) return parseOsRelease(b.toString('utf8'));
  }
  return undefined;
}

function packageKey(p: Package): string {
  return `${p.purl}\u0000${p.locations[0] ?? ''}`;
}

export async function catalog(target: string, options: CatalogOptions = {}): Promise<CatalogResult> {
  const ref = await parseTarget(target);
  if (ref.kind === 'sbom') return readSbomTarget(ref.ref);
  const catalogers = selectCatalogers(ref.kind, options.catalogers);
  const ownership = ref.kind !== 'dir' && !options.includeOsOwned;
  // Asked of every file in the tree (hundreds of thousands on a host): a plain loop.
  const matchers = catalogers.map((c) => c.matches);
  const want = (p: string): boolean => {
    if (p === OS_RELEASE[0] || p === OS_RELEASE[1] || (ownership && isOwnershipFile(p))) return true;
    for (const m of matchers) if (m(p)) return true;
    return false;
  };
  const limits = options.limits ?? DEFAULT_LIMITS;
  // Wanted files in the order they arrive: all at once for an image, in batches while a
  // folder is being walked, so that cataloging overlaps the walk.
  const arrived: string[] = [];
  let wake: (() => void) | undefined;
  const onFiles = (paths: readonly string[]): void => {
    for (const p of paths) arrived.push(p);
    wake?.();
  };
  let fs: VirtualFs;
  let walk: RootfsWalk | undefined;
  const result: CatalogTarget = { kind: ref.kind, ref: ref.ref };
  if (ref.kind === 'rootfs' || ref.kind === 'dir') {
    const skip = new Set((options.skip ?? []).map((s) => s.replace(/^\/+|\/+$/g, '')));
    const hint = mergeHints([{ names: ['os-release'] }, ...(ownership ? [OWNERSHIP_HINT] : []), ...catalogers.map((c) => c.hint)]);
    walk = await walkRootfs(ref.ref, want, { skip, hint, ...(ref.kind === 'dir' ? { skipNames: new Set(['.git']) } : {}) }, onFiles);
    fs = walk.fs;
  } else {
    const img = ref.kind === 'oci' ? await openOciImage(ref.ref, want, limits) : await openDockerArchive(ref.ref, want, limits);
    fs = img.fs;
    result.digest = img.digest;
    result.layers = img.layers;
    onFiles(fs.files);
  }
  let walked = false;
  const walkDone = (walk?.done ?? Promise.resolve()).finally(() => {
    walked = true;
    wake?.();
  });
  // Caught here, thrown below after every file that arrived was read.
  walkDone.catch(() => undefined);
  const warnings: string[] = [];
  // Per cataloger: the packages of each file it read.
  const found = catalogers.map(() => new Map<string, Package[]>());
  const owned = new Set<string>();
  let os: OsRelease | undefined;
  try {
    os = ref.kind === 'dir' ? undefined : await readOs(fs);
    const ctx = { fs, tree: ref.kind === 'dir' ? ('source' as const) : ('installed' as const), ...(os ? { os } : {}), warn: (m: string) => warnings.push(m) };
    for (let next = 0; ; ) {
      while (next < arrived.length) {
        const path = arrived[next++]!;
        for (let i = 0; i < catalogers.length; i++) {
          const c = catalogers[i]!;
          if (!c.matches(path)) continue;
          // One file at a time, so that one bad file costs only its own packages.
          try {
            const layer = fs.layerOf(path);
            found[i]!.set(path, (await c.catalog(ctx, [path])).map((p) => (layer ? { ...p, layer } : p)));
          } catch (e) {
            if (!isAirlockError(e)) throw e;
            warnings.push(`${c.name}: ${e.message}`);
          }
        }
        if (ownership && isOwnershipFile(path)) await addOwnedFiles(fs, path, owned);
      }
      if (walked) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } catch (e) {
    walk?.stop();
    throw e;
  }
  await walkDone;
  // Reported by cataloger, then by path, whatever order the files arrived in.
  const packages: Package[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < catalogers.length; i++) {
    for (const path of fs.files) {
      for (const p of found[i]!.get(path) ?? []) {
        const k = packageKey(p);
        if (seen.has(k)) continue;
        seen.add(k);
        packages.push(p);
      }
    }
  }
  warnings.sort();
  if (!ownership) return { target: result, ...(os ? { os } : {}), packages, warnings };
  const kinds = new Map(catalogers.map((c) => [c.name, c.kind]));
  const kept = packages.filter((p) => kinds.get(p.foundBy) === 'os' || !owned.has(p.locations[0] ?? ''));
  return { target: result, ...(os ? { os } : {}), packages: kept, warnings, osOwned: packages.length - kept.length };
}
