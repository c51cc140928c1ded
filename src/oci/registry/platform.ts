/**
 * Platform filters for image indexes: `os/arch[/variant]`, e.g. `linux/amd64`,
 * `linux/arm64/v8`. A filter without a variant matches every variant of the arch.
 * Pure functions.
 */
import { AirlockError } from '../../common/errors.ts';
import type { Descriptor, ImageIndex } from '../manifest.ts';

export interface PlatformFilter {
  os: string;
  architecture: string;
  variant?: string;
}

const PART = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function parsePlatform(value: string): PlatformFilter {
  const parts = value.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p))) {
    throw new AirlockError('USAGE', `platform "${value.slice(0, 100)}": expected os/arch[/variant], e.g. linux/amd64`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: PlatformFilter): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function platformMatches(desc: Descriptor, filters: readonly PlatformFilter[]): boolean {
  const p = desc.platform;
  if (!p) return false;
  return filters.some((f) => f.os === p.os && f.architecture === p.architecture && (f.variant === undefined || f.variant === p.variant));
}

/** Docker buildx attaches attestations as index entries that name the image they describe. */
const ATTESTATION_FOR = 'vnd.docker.reference.digest';

/**
 * The index with only the manifests for the requested platforms (and the attestation
 * manifests of those). Entries without a platform are not images and are dropped.
 */
export function filterIndex(index: ImageIndex, filters: readonly PlatformFilter[]): ImageIndex {
  const kept = index.manifests.filter((d) => platformMatches(d, filters));
  const keptDigests = new Set(kept.map((d) => d.digest));
  const manifests = index.manifests.filter((d) => keptDigests.has(d.digest) || keptDigests.has(d.annotations?.[ATTESTATION_FOR] ?? ''));
  return { ...index, manifests };
}
