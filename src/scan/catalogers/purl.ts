/**
 * package-url strings (https://github.com/package-url/purl-spec): type, namespace,
 * name, version, sorted qualifiers, each component percent-encoded. Written by hand
 * because the purl builder packages on npm either pull in large dependency trees or
 * do not follow the spec's per-type normalisation that advisories are keyed by.
 */

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

/** Percent-encodes everything outside the purl "unreserved" set. */
export function purlEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function normaliseName(type: string, name: string): string {
  if (type === 'pypi') return name.toLowerCase().replace(/[-_.]+/g, '-');
  if (['npm', 'deb', 'apk', 'gem'].includes(type)) return type === 'npm' || type === 'gem' ? name : name.toLowerCase();
  return name;
}

export function purl(p: PurlParts): string {
  const type = p.type.toLowerCase();
  let out = `pkg:${type}/`;
  if (p.namespace) {
    const ns = type === 'deb' || type === 'apk' || type === 'rpm' ? p.namespace.toLowerCase() : p.namespace;
    out += ns.split('/').filter((s) => s !== '').map(purlEncode).join('/') + '/';
  }
  out += purlEncode(normaliseName(type, p.name));
  if (p.version !== undefined && p.version !== '') out += `@${purlEncode(p.version)}`;
  const qs = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (qs.length > 0) out += '?' + qs.map(([k, v]) => `${k}=${purlEncode(v)}`).join('&');
  if (p.subpath) out += '#' + p.subpath.split('/').filter((s) => s !== '' && s !== '.' && s !== '..').map(purlEncode).join('/');
  return out;
}

/** Parses a purl back into its parts (used for SBOM input); undefined when malformed. */
export function parsePurl(s: string): PurlParts | undefined {
  const m = /^pkg:([a-zA-Z.+-][a-zA-Z0-9.+-]*)\/(.+)$/.exec(s.trim());
  if (!m) return undefined;
  const type = m[1]!.toLowerCase();
  let rest = m[2]!;
  let subpath: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const qualifiers: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const kv of rest.slice(q + 1).split('&')) {
      const eq = kv.indexOf('=');
      if (eq > 0) qualifiers[kv.slice(0, eq).toLowerCase()] = safeDecode(kv.slice(eq + 1));
    }
    rest = rest.slice(0, q);
  }
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    version = safeDecode(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const segs = rest.split('/').filter((x) => x !== '').map(safeDecode);
  const name = segs.pop();
  if (!name) return undefined;
  const namespace = segs.length > 0 ? segs.join('/') : undefined;
  return { type, name, ...(namespace ? { namespace } : {}), ...(version !== undefined ? { version } : {}), qualifiers, ...(subpath ? { subpath } : {}) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const RPM_NAMESPACES: Record<string, string> = {
  redhat: 'Red Hat',
  rhel: 'Red Hat',
  centos: 'Red Hat',
  almalinux: 'AlmaLinux',
  alma: 'AlmaLinux',
  rocky: 'Rocky Linux',
  'rocky-linux': 'Rocky Linux',
  opensuse: 'SUSE',
  suse: 'SUSE',
  sles: 'SUSE',
  mariner: 'Mariner',
  azurelinux: 'Mariner',
};

/** The OSV ecosystem and package name a purl stands for; undefined for unknown types. */
export function purlEcosystem(p: PurlParts): { ecosystem: string; name: string } | undefined {
  const ns = p.namespace;
  const joined = ns ? `${ns}/${p.name}` : p.name;
  switch (p.type) {
    case 'deb':
      return { ecosystem: ns?.toLowerCase() === 'ubuntu' ? 'Ubuntu' : 'Debian', name: p.name };
    case 'apk':
      return { ecosystem: ns === 'wolfi' ? 'Wolfi' : ns === 'chainguard' ? 'Chainguard' : 'Alpine', name: p.name };
    case 'rpm':
      return { ecosystem: RPM_NAMESPACES[ns?.toLowerCase() ?? ''] ?? 'Red Hat', name: p.name };
    case 'npm':
      return { ecosystem: 'npm', name: joined };
    case 'pypi':
      return { ecosystem: 'PyPI', name: p.name };
    case 'golang':
      return { ecosystem: 'Go', name: joined };
    case 'maven':
      return { ecosystem: 'Maven', name: ns ? `${ns}:${p.name}` : p.name };
    case 'cargo':
      return { ecosystem: 'crates.io', name: p.name };
    case 'gem':
      return { ecosystem: 'RubyGems', name: p.name };
    case 'composer':
      return { ecosystem: 'Packagist', name: joined };
    case 'nuget':
      return { ecosystem: 'NuGet', name: p.name };
    default:
      return undefined;
  }
}

/**
 * An OS package purl. A version epoch ("1:2.3-4") goes into the `epoch` qualifier as
 * Trivy and the purl spec's rpm type do; a source package that differs from the binary
 * goes into `upstream` ("name" or "name@version"), as Syft writes it, so that SBOM
 * formats without a source field (SPDX) still carry what distro advisories are keyed by.
 */
export function osPurl(
  type: 'deb' | 'rpm' | 'apk',
  namespace: string,
  p: { name: string; version: string; arch?: string; distro?: string; sourceName?: string; sourceVersion?: string },
): string {
  const m = /^(\d+):(.+)$/.exec(p.version);
  const srcName = p.sourceName ?? p.name;
  const srcVersion = p.sourceVersion ?? p.version;
  const upstream = srcVersion !== p.version ? `${srcName}@${srcVersion}` : srcName !== p.name ? srcName : undefined;
  return purl({ type, namespace, name: p.name, version: m ? m[2]! : p.version, qualifiers: { arch: p.arch, distro: p.distro, epoch: m && m[1] !== '0' ? m[1] : undefined, upstream } });
}
