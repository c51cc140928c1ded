/**
 * Cluster mirror configuration for images pushed by Airlock: `registries.yaml` for k3s
 * and RKE2 (mirrors with a rewrite that adds the prefix, TLS CA and auth stanzas), and
 * ImageDigestMirrorSet / ImageTagMirrorSet for OpenShift 4.14+ (plus the CA ConfigMap).
 * The mapping is the one `mirrorReference` applies: the source registry is dropped and
 * the repository path kept under the prefix. Pure: options in, YAML documents out.
 */
import { stringify } from 'yaml';
import { AirlockError } from '../../common/errors.ts';
import type { Credentials } from './credentials.ts';
import { mirrorReference, parseReference } from './reference.ts';

export const DISTROS = ['k3s', 'rke2', 'openshift'] as const;
export type Distro = (typeof DISTROS)[number];

export interface MirrorConfigInput {
  distro: Distro;
  /** Mirror registry: `host[:port]` or `https://host[:port]` (`http://` for plain HTTP). */
  registry: string;
  /** Source registries (`docker.io`, `quay.io`...) or image references to take them from. */
  sources: readonly string[];
  prefix?: string;
  /** k3s/RKE2: the CA file's path on the nodes. */
  caFile?: string;
  /** OpenShift: the CA certificate (PEM) for the openshift-config ConfigMap. */
  caPem?: string;
  /** k3s/RKE2: credentials for the auth stanza. */
  creds?: Credentials;
  /** OpenShift: metadata.name of the mirror sets (default `airlock-mirror`). */
  name?: string;
}

export interface MirrorConfig {
  /** Where the file goes on the nodes (k3s/RKE2), or how it is applied (OpenShift). */
  target: string;
  documents: Record<string, unknown>[];
  yaml: string;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function registryEndpoint(registry: string): { host: string; scheme: 'http' | 'https' } {
  const m = /^(https?):\/\/(.*)$/i.exec(registry.trim());
  const scheme = (m?.[1]?.toLowerCase() ?? 'https') as 'http' | 'https';
  const host = (m?.[2] ?? registry.trim()).replace(/\/+$/, '');
  if (host.includes('/')) throw new AirlockError('USAGE', `--registry ${registry}: give the registry host (the path goes in --prefix)`);
  // Validates the host the same way pushes do.
  mirrorReference(parseReference('x/y:z'), host);
  return { host, scheme };
}

export function sourceRegistries(sources: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of sources) {
    const v = s.trim().replace(/\/+$/, '');
    if (v === '') throw new AirlockError('USAGE', '--source: empty value');
    out.add(v.includes('/') ? parseReference(v).registry : parseReference(`${v}/x/y`).registry);
  }
  if (out.size === 0) throw new AirlockError('USAGE', 'give at least one --source registry');
  return [...out].sort();
}

export function mirrorConfig(input: MirrorConfigInput): MirrorConfig {
  const { host, scheme } = registryEndpoint(input.registry);
  const sources = sourceRegistries(input.sources);
  const prefix = (input.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix) mirrorReference(parseReference('x/y:z'), host, prefix);
  const mirrorRoot = prefix ? `${host}/${prefix}` : host;

  if (input.distro === 'k3s' || input.distro === 'rke2') {
    const mirrors: Record<string, unknown> = {};
    for (const s of sources) {
      const entry: Record<string, unknown> = { endpoint: [`${scheme}://${host}`] };
      if (prefix) entry.rewrite = { '^(.*)$': `${prefix}/$1` };
      mirrors[s] = entry;
    }
    const doc: Record<string, unknown> = { mirrors };
    const cfg: Record<string, unknown> = {};
    if (input.caFile) cfg.tls = { ca_file: input.caFile };
    if (input.creds) cfg.auth = { username: input.creds.username, password: input.creds.password };
    if (Object.keys(cfg).length > 0) doc.configs = { [host]: cfg };
    const target = input.distro === 'k3s' ? '/etc/rancher/k3s/registries.yaml' : '/etc/rancher/rke2/registries.yaml';
    const head = `# ${target} on every node; restart ${input.distro === 'k3s' ? 'k3s (or k3s-agent)' : 'rke2-server (or rke2-agent)'} to apply.\n`;
    return { target, documents: [doc], yaml: head + stringify(doc, { lineWidth: 0 }) };
  }

  const name = input.name ?? 'airlock-mirror';
  if (!NAME.test(name)) throw new AirlockError('USAGE', `--name ${name}: must be a lowercase DNS subdomain name`);
  const mirrorsFor = (s: string): Record<string, unknown> => ({ source: s, mirrors: [mirrorRoot], mirrorSourcePolicy: 'NeverContactSource' });
  const documents: Record<string, unknown>[] = [
    { apiVersion: 'config.openshift.io/v1', kind: 'ImageDigestMirrorSet', metadata: { name }, spec: { imageDigestMirrors: sources.map(mirrorsFor) } },
    { apiVersion: 'config.openshift.io/v1', kind: 'ImageTagMirrorSet', metadata: { name }, spec: { imageTagMirrors: sources.map(mirrorsFor) } },
  ];
  let head = '# oc apply -f this file (OpenShift 4.14 or later).\n';
  if (input.caPem) {
    // OpenShift names the CA entry after the host, with ".." in place of the port's ":".
    documents.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-ca`, namespace: 'openshift-config' }, data: { [host.replace(':', '..')]: input.caPem } });
    head += `# Then trust the CA: oc patch image.config.openshift.io/cluster --type merge -p '{"spec":{"additionalTrustedCA":{"name":"${name}-ca"}}}'\n`;
  }
  if (scheme === 'http') head += `# Plain HTTP: add ${host} to spec.registrySources.insecureRegistries of image.config.openshift.io/cluster.\n`;
  return { target: 'oc apply -f', documents, yaml: head + documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n') };
}
