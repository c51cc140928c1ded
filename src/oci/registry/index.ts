/** The OCI distribution client: the API other modules call. */
export { RegistryClient, type RegistryOptions } from './client.ts';
export { parseCreds, resolveCredentials, type Credentials, USERNAME_ENV, PASSWORD_ENV } from './credentials.ts';
export { pullImage, type PullOptions, type PullResult, type TransferEvent } from './pull.ts';
export { pushImage, BlobLocations, type PushOptions, type PushResult } from './push.ts';
export { parsePlatform, formatPlatform, filterIndex, type PlatformFilter } from './platform.ts';
export { parseReference, formatReference, mirrorReference, type ImageReference, DOCKER_HUB } from './reference.ts';
export { tagInLayout } from './layout-index.ts';
export { getReferrers, listTags } from './api.ts';
export { mirrorConfig, DISTROS, type Distro, type MirrorConfigInput } from './mirror-config.ts';
export type { PulledReferrer } from './pull.ts';
export { ClientPool } from './client-pool.ts';
