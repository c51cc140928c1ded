/**
 * Image references (`[registry/]repository[:tag][@sha256:...]`), parsed the way Docker
 * and containers/image do: a first component with a dot, a colon or `localhost` is a
 * registry, otherwise the image is on Docker Hub (`docker.io`), where one-component
 * names live under `library/`. Pure: string in, typed value or AirlockError out.
 * Written here because the grammar is small and the npm parsers either lack the Docker
 * Hub normalisation or pull in a whole client.
 */
import { AirlockError } from '../../common/errors.ts';

export const DOCKER_HUB = 'docker.io';
/** The API endpoint behind the `docker.io` name. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export interface ImageReference {
  /** Registry host with optional port, e.g. `docker.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path, e.g. `library/nginx`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const MAX_REF = 1024;
const MAX_NAME = 255;

function bad(ref: string, why: string): never {
  throw new AirlockError('BAD_INPUT', `image reference "${ref.slice(0, 200)}": ${why}`);
}

export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref.length === 0) bad(input, 'empty');
  if (ref.length > MAX_REF) bad(input, `longer than ${MAX_REF} characters`);
  if (/^[a-z]+:\/\//i.test(ref)) bad(input, 'must not carry a URL scheme');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) bad(input, `digest "${digest.slice(0, 80)}" is not sha256:<64 lowercase hex digits>`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(input, `tag "${tag.slice(0, 140)}" is not valid`);
  }
  const slash = rest.indexOf('/');
  let registry = DOCKER_HUB;
  let repository = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first;
      repository = rest.slice(slash + 1);
      if (!HOST.test(registry)) bad(input, `registry "${registry.slice(0, 100)}" is not a host name with optional port`);
    }
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (repository.length === 0) bad(input, 'no repository');
  for (const c of repository.split('/')) {
    if (!COMPONENT.test(c)) bad(input, `path component "${c.slice(0, 100)}" must be lowercase letters and digits separated by . _ __ or -`);
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository.length > MAX_NAME) bad(input, `repository longer than ${MAX_NAME} characters`);
  const out: ImageReference = { registry, repository };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  if (tag === undefined && digest === undefined) out.tag = 'latest';
  return out;
}

/** `registry/repository[:tag][@digest]` in full (no Docker Hub shortening). */
export function formatReference(r: ImageReference): string {
  return `${r.registry}/${r.repository}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** The tag or digest to ask the registry for: the digest wins when both are given. */
export function referenceSelector(r: ImageReference): string {
  return r.digest ?? r.tag ?? 'latest';
}

/** Host name the API is reached at (Docker Hub's API lives on another host). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/**
 * Where a source image lands in a mirror registry: the source registry is dropped and
 * the repository path kept under the prefix (`docker.io/library/nginx:1.25` with prefix
 * `mirror` becomes `<registry>/mirror/library/nginx:1.25`).
 */
export function mirrorReference(source: ImageReference, targetRegistry: string, prefix?: string): ImageReference {
  const p = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (p !== '') {
    for (const c of p.split('/')) {
      if (!COMPONENT.test(c)) bad(p, `prefix component "${c.slice(0, 100)}" is not a valid repository path component`);
    }
  }
  const host = targetRegistry.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  if (!HOST.test(host)) bad(targetRegistry, 'registry must be a host name with optional port');
  const out: ImageReference = { registry: host, repository: p ? `${p}/${source.repository}` : source.repository };
  if (source.tag !== undefined) out.tag = source.tag;
  if (source.digest !== undefined) out.digest = source.digest;
  return out;
}
