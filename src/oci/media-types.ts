/** Media types Airlock reads and writes (OCI image spec 1.1, Docker v2 schema 2). */

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';

/** The empty JSON object `{}` used as config of artifacts (OCI image spec 1.1). */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === OCI_INDEX || mt === DOCKER_MANIFEST_LIST;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === OCI_MANIFEST || mt === DOCKER_MANIFEST;
}
