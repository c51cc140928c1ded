/**
 * The distribution spec 1.1 endpoints Airlock uses, on one repository: manifests (get,
 * head, put), blobs (head, get, mount, monolithic and chunked upload) and referrers.
 * Every manifest read is digest-checked here, before any caller sees it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { AirlockError } from '../../common/errors.ts';
import { parseJsonStrict } from '../../common/json.ts';
import { type Descriptor, MAX_MANIFEST_BYTES, parseIndex } from '../manifest.ts';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, isIndexMediaType, isManifestMediaType } from '../media-types.ts';
import { type RegistryClient, type RegistryResponse, header, readBounded, readBoundedBytes } from './client.ts';

export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

export const pullScope = (repo: string): string => `repository:${repo}:pull`;
export const pushScope = (repo: string): string => `repository:${repo}:pull,push`;

export interface FetchedManifest {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** GET a manifest by tag or digest, proving its digest (against the requested one, or the header). */
export async function getManifest(client: RegistryClient, repo: string, selector: string, accept = MANIFEST_ACCEPT): Promise<FetchedManifest> {
  const what = `manifest ${repo}:${selector}`;
  const res = await client.request('GET', `/v2/${repo}/manifests/${selector}`, { headers: { accept }, scopes: [pullScope(repo)], followRedirects: true });
  await client.expect(res, [200], `get ${what}`);
  const bytes = await readBoundedBytes(res.body, MAX_MANIFEST_BYTES, `${client.registry}: ${what}`);
  const digest = sha256(bytes);
  const claimed = selector.startsWith('sha256:') ? selector : header(res, 'docker-content-digest');
  if (claimed !== undefined && claimed.startsWith('sha256:') && claimed !== digest) {
    throw new AirlockError('VERIFY_FAILED', `${client.registry}: ${what}: content does not match digest ${claimed} (got ${digest})`);
  }
  let mediaType = (header(res, 'content-type') ?? '').split(';')[0]?.trim() ?? '';
  const doc = parseJsonStrict(bytes, `${client.registry}: ${what}`, { maxBytes: MAX_MANIFEST_BYTES }) as { mediaType?: unknown; manifests?: unknown };
  if (typeof doc?.mediaType === 'string') mediaType = doc.mediaType;
  else if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) mediaType = Array.isArray(doc?.manifests) ? OCI_INDEX : OCI_MANIFEST;
  if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) {
    throw new AirlockError('UNSUPPORTED', `${client.registry}: ${what}: media type "${mediaType.slice(0, 100)}" is not an image manifest or index`);
  }
  return { mediaType, digest, size: bytes.length, bytes };
}

/** HEAD a manifest: its digest when present, undefined on 404. */
export async function headManifest(client: RegistryClient, repo: string, selector: string, scopes = [pullScope(repo)]): Promise<string | undefined> {
  const res = await client.request('HEAD', `/v2/${repo}/manifests/${selector}`, { headers: { accept: MANIFEST_ACCEPT }, scopes });
  await res.body.dump();
  if (res.status === 404) return undefined;
  await client.expect(res, [200], `head manifest ${repo}:${selector}`);
  return header(res, 'docker-content-digest') ?? (selector.startsWith('sha256:') ? selector : undefined);
}

/** PUTs a manifest; returns the `OCI-Subject` header (set by registries with the referrers API). */
export async function putManifest(client: RegistryClient, repo: string, selector: string, mediaType: string, bytes: Buffer): Promise<string | undefined> {
  const res = await client.request('PUT', `/v2/${repo}/manifests/${selector}`, {
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
    body: () => bytes,
    scopes: [pushScope(repo)],
  });
  await client.expect(res, [201, 200], `put manifest ${repo}:${selector}`);
  await res.body.dump();
  const got = header(res, 'docker-content-digest');
  if (got && got !== sha256(bytes)) {
    throw new AirlockError('VERIFY_FAILED', `${client.registry}: put manifest ${repo}:${selector}: registry stored digest ${got}, expected ${sha256(bytes)}`);
  }
  return header(res, 'oci-subject');
}

/** The referrers tag of the distribution spec's fallback: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/**
 * The referrers of a manifest: from the referrers API when the registry has it, from the
 * `sha256-<hex>` tag otherwise, or none.
 */
export async function getReferrers(client: RegistryClient, repo: string, digest: string): Promise<{ manifests: Descriptor[]; via: 'api' | 'tag' | 'none' }> {
  const res = await client.request('GET', `/v2/${repo}/referrers/${digest}`, { headers: { accept: OCI_INDEX }, scopes: [pullScope(repo)], followRedirects: true });
  const source = `${client.registry}: referrers of ${repo}@${digest}`;
  if (res.status === 200 && (header(res, 'content-type') ?? '').startsWith(OCI_INDEX)) {
    return { manifests: parseIndex(await readBoundedBytes(res.body, MAX_MANIFEST_BYTES, source), source).manifests, via: 'api' };
  }
  await res.body.dump();
  if (res.status !== 404 && res.status !== 200 && res.status !== 400 && res.status !== 405) await client.expect(res, [200, 404], `referrers of ${repo}@${digest}`);
  if ((await headManifest(client, repo, referrersTag(digest))) === undefined) return { manifests: [], via: 'none' };
  const index = await getManifest(client, repo, referrersTag(digest), OCI_INDEX);
  if (!isIndexMediaType(index.mediaType)) throw new AirlockError('BAD_INPUT', `${source}: tag ${referrersTag(digest)} is not an image index`);
  return { manifests: parseIndex(index.bytes, source).manifests, via: 'tag' };
}

export async function blobExists(client: RegistryClient, repo: string, digest: string, scopes = [pullScope(repo)]): Promise<boolean> {
  const res = await client.request('HEAD', `/v2/${repo}/blobs/${digest}`, { scopes, followRedirects: true });
  await res.body.dump();
  if (res.status === 404) return false;
  await client.expect(res, [200], `head blob ${repo}@${digest}`);
  return true;
}

export async function getBlob(client: RegistryClient, repo: string, digest: string): Promise<RegistryResponse> {
  const res = await client.request('GET', `/v2/${repo}/blobs/${digest}`, { scopes: [pullScope(repo)], followRedirects: true });
  await client.expect(res, [200], `get blob ${repo}@${digest}`);
  return res;
}

/** Tries a cross-repository mount. Returns true when mounted, or the upload URL the registry opened instead. */
export async function mountBlob(client: RegistryClient, repo: string, digest: string, from: string): Promise<true | URL> {
  const q = new URLSearchParams({ mount: digest, from });
  const res = await client.request('POST', `/v2/${repo}/blobs/uploads/?${q.toString()}`, {
    headers: { 'content-length': '0' },
    scopes: [pushScope(repo), pullScope(from)],
  });
  await client.expect(res, [201, 202], `mount blob ${digest} from ${from}`);
  await res.body.dump();
  if (res.status === 201) return true;
  return uploadLocation(client, res);
}

function uploadLocation(client: RegistryClient, res: RegistryResponse): URL {
  const loc = header(res, 'location');
  if (!loc) throw new AirlockError('BAD_INPUT', `${client.registry}: upload response without a Location header`);
  return client.url(loc);
}

export async function startUpload(client: RegistryClient, repo: string): Promise<URL> {
  const res = await client.request('POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' }, scopes: [pushScope(repo)] });
  await client.expect(res, [202], `start upload to ${repo}`);
  await res.body.dump();
  return uploadLocation(client, res);
}

function withDigest(url: URL, digest: string): URL {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u;
}

/** Monolithic upload: the whole blob in one PUT. */
export async function putBlobMonolithic(client: RegistryClient, repo: string, location: URL, digest: string, size: number, file: string): Promise<void> {
  const res = await client.request('PUT', withDigest(location, digest), {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: () => createReadStream(file),
    scopes: [pushScope(repo)],
  });
  await client.expect(res, [201], `upload blob ${digest} to ${repo}`);
  await res.body.dump();
}

/** The byte offset a chunked upload has reached, from the registry's `Range: 0-<last>` header. */
async function uploadOffset(client: RegistryClient, repo: string, location: URL): Promise<{ offset: number; location: URL }> {
  const res = await client.request('GET', location, { scopes: [pushScope(repo)] });
  await client.expect(res, [204], `upload status for ${repo}`);
  await res.body.dump();
  const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
  const next = header(res, 'location');
  return { offset: range ? Number(range[1]) + 1 : 0, location: next ? client.url(next) : location };
}

/**
 * Chunked upload: PATCH chunks with Content-Range, then PUT with the digest. After a
 * failed chunk the registry is asked where the upload stands and sending resumes there.
 */
export async function putBlobChunked(
  client: RegistryClient,
  repo: string,
  start: URL,
  digest: string,
  size: number,
  file: string,
  chunkSize: number,
  onBytes?: (n: number) => void,
): Promise<void> {
  let location = start;
  let offset = 0;
  let failures = 0;
  while (offset < size) {
    const end = Math.min(size, offset + chunkSize) - 1;
    const from = offset;
    try {
      const res = await client.request('PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - from + 1), 'content-range': `${from}-${end}` },
        body: () => createReadStream(file, { start: from, end }),
        scopes: [pushScope(repo)],
        // Registries append PATCH data whatever its Content-Range says: a replayed chunk
        // would be stored twice. After a failure the registry is asked where it stands.
        retry: false,
      });
      await client.expect(res, [202], `upload chunk ${from}-${end} of ${digest} to ${repo}`);
      await res.body.dump();
      const loc = header(res, 'location');
      if (loc) location = client.url(loc);
      const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
      offset = range ? Number(range[1]) + 1 : end + 1;
      onBytes?.(offset - from);
    } catch (e) {
      if (!(e instanceof AirlockError) || e.code !== 'IO' || failures++ >= 3) throw e;
      const status = await uploadOffset(client, repo, location);
      location = status.location;
      offset = status.offset;
    }
  }
  const res = await client.request('PUT', withDigest(location, digest), { headers: { 'content-length': '0' }, scopes: [pushScope(repo)] });
  await client.expect(res, [201], `finish upload of ${digest} to ${repo}`);
  await res.body.dump();
}

/** Tags the repository has (one page per request, following Link headers). */
export async function listTags(client: RegistryClient, repo: string, maxTags = 100_000): Promise<string[]> {
  const tags: string[] = [];
  let next: string | undefined = `/v2/${repo}/tags/list?n=1000`;
  while (next && tags.length < maxTags) {
    const res = await client.request('GET', next, { scopes: [pullScope(repo)] });
    if (res.status === 404) {
      await res.body.dump();
      return tags;
    }
    await client.expect(res, [200], `list tags of ${repo}`);
    const doc = parseJsonStrict(await readBounded(res.body, 8 * 1024 * 1024, repo), `${client.registry}: tags of ${repo}`) as { tags?: unknown };
    if (Array.isArray(doc?.tags)) for (const t of doc.tags) if (typeof t === 'string') tags.push(t);
    const link = /<([^>]+)>;\s*rel="?next"?/.exec(header(res, 'link') ?? '');
    next = link?.[1];
  }
  return tags;
}
