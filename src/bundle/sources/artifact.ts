/**
 * Non-image content travels as OCI 1.1 artifacts: a manifest with an artifactType, the
 * empty config `{}`, and one layer carrying the content (the convention ORAS and
 * registries understand). No timestamps go in, so the same content always yields the
 * same digests and a delta leaves unchanged artifacts out.
 */
import type { OciLayout } from '../../oci/layout.ts';
import type { Descriptor } from '../../oci/manifest.ts';
import { EMPTY_JSON, EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST, TITLE_ANNOTATION } from '../../oci/media-types.ts';
import { jsonBytes } from '../../common/json.ts';

export const FILE_ARTIFACT_TYPE = 'application/vnd.airlock.file.v1';
export const VULNDB_ARTIFACT_TYPE = 'application/vnd.airlock.vulndb.v1';
export const VULNDB_LAYER_MEDIA_TYPE = 'application/vnd.airlock.vulndb.layer.v1+sqlite';
export const POLICY_ARTIFACT_TYPE = 'application/vnd.airlock.policy.v1';
export const POLICY_LAYER_MEDIA_TYPE = 'application/vnd.airlock.policy.layer.v1.tar+gzip';

export async function writeArtifactManifest(
  out: OciLayout,
  artifactType: string,
  layer: { mediaType: string; digest: string; size: number; title: string },
): Promise<Descriptor> {
  await out.putBytes(EMPTY_JSON);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: EMPTY_JSON.length },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size, annotations: { [TITLE_ANNOTATION]: layer.title } }],
  };
  const stored = await out.putBytes(jsonBytes(manifest));
  return { mediaType: OCI_MANIFEST, digest: stored.digest, size: stored.size, artifactType };
}

/** Turns a file or folder name into a valid OCI reference-name component. */
export function refComponent(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || 'unnamed';
}
