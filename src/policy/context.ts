/**
 * The evaluation context Kyverno builds for a resource (`pkg/engine/context`): the
 * admission request, the `images` map, the namespace, element variables and context
 * entries. Values from a kyverno test values file are set at their dotted paths.
 */
import { isObject } from './jmespath.ts';
import type { Resource } from './types.ts';
import { resourceNamespace } from './match.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface ImageInfo {
  registry: string;
  path: string;
  name: string;
  tag: string;
  digest: string;
  reference: string;
  referenceWithTag: string;
}

/**
 * Parses an image reference as Kyverno does (`pkg/utils/image/infos.go`): the default
 * registry docker.io is added when the first segment is not a host, tag `latest` when
 * neither tag nor digest is given, a one-segment path becomes `library/<name>`, and
 * `reference` prefers the digest.
 */
export function parseImage(image: string): ImageInfo {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const full = slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first) ? `docker.io/${image}` : image;
  const cut = full.indexOf('/');
  const registry = full.slice(0, cut);
  let rest = full.slice(cut + 1);
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let path = rest;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!digest && !tag) tag = 'latest';
  const referenceWithTag = `${registry}/${path}:${tag}`;
  if (!path.includes('/')) path = `library/${path}`;
  const reference = digest ? `${registry}/${path}@${digest}` : `${registry}/${path}:${tag}`;
  return { registry, path, name, tag, digest, reference, referenceWithTag };
}

const get = (v: unknown, ...keys: string[]): unknown => {
  let cur = v;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
};

/** The pod spec of a Pod, a controller's template, or a CronJob's job template. */
export function podSpecOf(resource: Resource): Record<string, unknown> | undefined {
  const candidates = [get(resource, 'spec', 'jobTemplate', 'spec', 'template', 'spec'), get(resource, 'spec', 'template', 'spec'), resource.kind === 'Pod' ? get(resource, 'spec') : undefined];
  for (const c of candidates) if (isObject(c)) return c;
  return undefined;
}

export function imagesOf(resource: Resource): Record<string, Record<string, ImageInfo>> {
  const spec = podSpecOf(resource);
  const out: Record<string, Record<string, ImageInfo>> = {};
  if (!spec) return out;
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c) || typeof c.name !== 'string' || typeof c.image !== 'string') continue;
      (out[field] ??= {})[c.name] = parseImage(c.image);
    }
  }
  return out;
}

/** Sets value at a dotted path inside target (creating maps). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = target;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = value;
    else {
      if (!isObject(cur[k])) cur[k] = {};
      cur = cur[k] as Record<string, unknown>;
    }
  });
}

const imageCache = new WeakMap<Resource, Record<string, Record<string, ImageInfo>>>();

export function buildContext(resource: Resource, operation: Operation, values: Record<string, unknown> = {}): Record<string, unknown> {
  const request: Record<string, unknown> = { operation };
  // On DELETE Kyverno reads request.object variables from request.oldObject.
  request.object = resource;
  if (operation === 'DELETE') request.oldObject = resource;
  if (operation === 'UPDATE') request.oldObject = structuredClone(resource);
  const ns = resource.kind === 'Namespace' ? '' : resourceNamespace(resource);
  if (ns) request.namespace = ns;
  let images = imageCache.get(resource);
  if (!images) {
    images = imagesOf(resource);
    imageCache.set(resource, images);
  }
  const ctx: Record<string, unknown> = { request, images };
  for (const [k, v] of Object.entries(values)) setPath(ctx, k, v);
  return ctx;
}
