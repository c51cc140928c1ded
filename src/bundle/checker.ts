/**
 * The bookkeeping of verification, independent of where bytes come from (a folder, a
 * tar stream, parts): given the signed descriptor, it checks the index against it, each
 * blob against the list, and at the end walks the Merkle tree from the index through
 * every manifest to prove that everything reachable is either in the bundle or named as
 * held by the base. Problems are collected as one line each.
 */
import { createHash } from 'node:crypto';
import { parseIndex, childrenOf, isTraversable, type Descriptor, MAX_MANIFEST_BYTES } from '../oci/manifest.ts';
import { REF_NAME_ANNOTATION } from '../oci/media-types.ts';
import { walkTree } from '../oci/walk.ts';
import type { BlobRef, BundleDescriptor } from './descriptor.ts';

export class BundleChecker {
  readonly descriptor: BundleDescriptor;
  readonly problems: string[] = [];
  readonly listed: Map<string, BlobRef>;
  readonly omitted: Map<string, BlobRef>;
  /** Blobs whose content was proven. */
  readonly seen = new Set<string>();
  /** Bytes of proven manifests and indexes, for the Merkle walk. */
  readonly #nodes = new Map<string, Buffer>();
  /** Traversable blobs announced by a parent, with their media type. */
  readonly #traversable = new Map<string, string>();
  #roots: Descriptor[] = [];
  #indexSeen = false;
  bytesChecked = 0;

  constructor(descriptor: BundleDescriptor) {
    this.descriptor = descriptor;
    this.listed = new Map(descriptor.blobs.map((b) => [b.digest, b]));
    this.omitted = new Map(descriptor.omitted.map((b) => [b.digest, b]));
  }

  problem(line: string): void {
    if (this.problems.length < 1000) this.problems.push(line);
  }

  get indexSeen(): boolean {
    return this.#indexSeen;
  }

  /** Checks index.json against the descriptor and the items against the index. */
  checkIndex(bytes: Buffer): void {
    this.#indexSeen = true;
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (digest !== this.descriptor.index.digest || bytes.length !== this.descriptor.index.size) {
      this.problem(`index.json: does not match the signed descriptor (altered)`);
      return;
    }
    let manifests: Descriptor[];
    try {
      manifests = parseIndex(bytes, 'index.json').manifests;
    } catch (e) {
      this.problem((e as Error).message);
      return;
    }
    this.#roots = manifests;
    for (const m of manifests) this.#announce(m);
    for (const item of this.descriptor.items) {
      const entry = manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === item.name);
      if (!entry) this.problem(`item ${item.name}: not in index.json`);
      else if (entry.digest !== item.digest || entry.size !== item.size) this.problem(`item ${item.name}: index.json points to a different manifest`);
    }
    if (manifests.length !== this.descriptor.items.length) this.problem(`index.json: ${manifests.length} entries for ${this.descriptor.items.length} items`);
  }

  #announce(d: Descriptor): void {
    if (isTraversable(d.mediaType)) this.#traversable.set(d.digest, d.mediaType);
  }

  /** Whether the caller should keep this blob's bytes (a manifest or index to walk). */
  wantsBytes(digest: string): boolean {
    const b = this.listed.get(digest);
    return this.#traversable.has(digest) && b !== undefined && b.size <= MAX_MANIFEST_BYTES;
  }

  /** Checks a blob's declared size before reading it; false means skip its content. */
  checkDeclared(digest: string, size: number, where: string): boolean {
    const b = this.listed.get(digest);
    if (!b) {
      this.problem(`${where}: not listed in the signed descriptor`);
      return false;
    }
    if (b.size !== size) {
      this.problem(`blob ${digest}: ${size} bytes, the descriptor says ${b.size}`);
      return false;
    }
    return true;
  }

  /** Records a blob whose content was hashed. */
  blobHashed(expected: string, actualDigest: string, size: number, bytes?: Buffer): void {
    this.bytesChecked += size;
    const b = this.listed.get(expected);
    if (!b) return;
    if (actualDigest !== expected) {
      this.problem(`blob ${expected}: content does not match its digest (tampered or damaged)`);
      return;
    }
    if (size !== b.size) {
      this.problem(`blob ${expected}: ${size} bytes, the descriptor says ${b.size} (truncated)`);
      return;
    }
    this.seen.add(expected);
    if (bytes && this.#traversable.has(expected)) {
      this.#nodes.set(expected, bytes);
      try {
        for (const c of childrenOf(this.#traversable.get(expected) as string, bytes, `blob ${expected}`)) this.#announce(c);
      } catch (e) {
        this.problem((e as Error).message);
      }
    }
  }

  /**
   * Final checks: every listed blob was proven, and the Merkle walk from the index
   * reaches only blobs that are present or omitted (held by the base). Returns the
   * omitted manifests whose children could not be walked here (the store walks them).
   */
  async finish(): Promise<Descriptor[]> {
    if (!this.#indexSeen) this.problem('index.json: missing');
    for (const b of this.descriptor.blobs) {
      if (!this.seen.has(b.digest) && !this.problems.some((p) => p.includes(b.digest))) this.problem(`blob ${b.digest}: missing`);
    }
    if (!this.#indexSeen) return [];
    const tree = await walkTree(this.#roots, { read: async (d) => this.#nodes.get(d.digest) }, 'bundle').catch((e: unknown) => {
      this.problem((e as Error).message);
      return { blobs: [], unresolved: [] };
    });
    const reachable = new Set<string>();
    for (const d of tree.blobs) {
      reachable.add(d.digest);
      const ref = this.listed.get(d.digest) ?? this.omitted.get(d.digest);
      if (!ref) this.problem(`blob ${d.digest}: referenced by a manifest but neither in the bundle nor held by its base (incomplete)`);
      else if (ref.size !== d.size) this.problem(`blob ${d.digest}: referenced with size ${d.size}, listed with ${ref.size}`);
    }
    const unresolvedOmitted: Descriptor[] = [];
    for (const d of tree.unresolved) {
      if (this.omitted.has(d.digest)) unresolvedOmitted.push(d);
      else if (this.seen.has(d.digest)) this.problem(`blob ${d.digest}: manifest appears before its parent (not in canonical order)`);
    }
    for (const b of this.descriptor.blobs) {
      if (!reachable.has(b.digest)) this.problem(`blob ${b.digest}: listed but not referenced by any manifest`);
    }
    return unresolvedOmitted;
  }
}
