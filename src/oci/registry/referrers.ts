/**
 * Referrers (distribution spec 1.1): signatures, SBOMs and attestations that point at a
 * manifest through their `subject`. Registries without the referrers API get the
 * spec's fallback: an image index under the tag `sha256-<hex>` listing the referrers,
 * which the pusher maintains.
 */
import { jsonBytes } from '../../common/json.ts';
import { type Descriptor, parseIndex, parseManifest } from '../manifest.ts';
import { OCI_INDEX, isIndexMediaType } from '../media-types.ts';
import { getManifest, getReferrers, headManifest, pushScope, putManifest, referrersTag } from './api.ts';
import type { RegistryClient } from './client.ts';

/** The subject a manifest or index refers to, if any. */
export function subjectOf(mediaType: string, bytes: Buffer, source: string): Descriptor | undefined {
  return isIndexMediaType(mediaType) ? parseIndex(bytes, source).subject : parseManifest(bytes, source).subject;
}

/** The descriptor a referrers list holds for a manifest: with its artifactType and annotations. */
export function referrerDescriptor(desc: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>, bytes: Buffer, source: string): Descriptor {
  const out: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
  if (isIndexMediaType(desc.mediaType)) {
    const i = parseIndex(bytes, source);
    if (i.artifactType) out.artifactType = i.artifactType;
    if (i.annotations) out.annotations = i.annotations;
  } else {
    const m = parseManifest(bytes, source);
    out.artifactType = m.artifactType ?? m.config.mediaType;
    if (m.annotations) out.annotations = m.annotations;
  }
  return out;
}

/** Adds a referrer to the subject's fallback tag index, unless it is listed already. */
export async function addToReferrersTag(client: RegistryClient, repo: string, subject: string, referrer: Descriptor): Promise<boolean> {
  const tag = referrersTag(subject);
  let manifests: Descriptor[] = [];
  if ((await headManifest(client, repo, tag, [pushScope(repo)])) !== undefined) {
    const current = await getManifest(client, repo, tag, OCI_INDEX);
    manifests = parseIndex(current.bytes, `${client.registry}/${repo}:${tag}`).manifests;
  }
  if (manifests.some((d) => d.digest === referrer.digest)) return false;
  await putManifest(client, repo, tag, OCI_INDEX, jsonBytes({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...manifests, referrer] }));
  return true;
}

/** Makes sure the registry lists a pushed referrer (via its API, or the fallback tag). */
export async function ensureListed(client: RegistryClient, repo: string, subject: string, referrer: Descriptor): Promise<void> {
  const listed = await getReferrers(client, repo, subject);
  if (listed.via === 'api' || listed.manifests.some((d) => d.digest === referrer.digest)) return;
  await addToReferrersTag(client, repo, subject, referrer);
}
