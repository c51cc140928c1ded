/**
 * /etc/os-release (freedesktop os-release(5)): a pure parser, and the mapping from an
 * OS to the OSV ecosystem and release key that distro advisories use.
 */
import type { Ecosystem, OsRelease } from './types.ts';

const MAX_LINES = 1000;

export function parseOsRelease(text: string): OsRelease | undefined {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n').slice(0, MAX_LINES)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    fields[key] = value.slice(0, 256);
  }
  const id = fields.ID?.toLowerCase();
  if (!id) return undefined;
  const r: OsRelease = { id };
  if (fields.VERSION_ID) r.versionId = fields.VERSION_ID;
  if (fields.VERSION_CODENAME) r.versionCodename = fields.VERSION_CODENAME;
  if (fields.PRETTY_NAME) r.prettyName = fields.PRETTY_NAME;
  return r;
}

/** Ecosystem of the OS packages on this OS, as OSV names it. */
export function osEcosystem(os: OsRelease | undefined, fallback: Ecosystem): Ecosystem {
  switch (os?.id) {
    case 'debian':
      return 'Debian';
    case 'ubuntu':
      return 'Ubuntu';
    case 'alpine':
      return 'Alpine';
    case 'rhel':
      return 'Red Hat';
    case 'almalinux':
      return 'AlmaLinux';
    case 'rocky':
      return 'Rocky Linux';
    case 'sles':
    case 'sled':
    case 'opensuse-leap':
    case 'opensuse-tumbleweed':
      return 'SUSE';
    case 'mariner':
    case 'azurelinux':
      return 'Mariner';
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    default:
      return fallback;
  }
}

/** The release key advisories use: Debian "12", Ubuntu "22.04", Alpine "v3.20", RHEL "9". */
export function distroRelease(os: OsRelease | undefined): string | undefined {
  const v = os?.versionId;
  if (!os || !v) return undefined;
  switch (os.id) {
    case 'debian':
    case 'rhel':
    case 'almalinux':
    case 'rocky':
    case 'centos':
      return v.split('.')[0];
    case 'alpine': {
      const [maj, min] = v.split('.');
      return min === undefined ? `v${maj}` : `v${maj}.${min}`;
    }
    default:
      return v;
  }
}

/** The purl `distro` qualifier: debian-12, ubuntu-22.04, alpine-3.20.3. */
export function purlDistro(os: OsRelease | undefined): string | undefined {
  if (!os) return undefined;
  return os.versionId ? `${os.id}-${os.versionId}` : os.id;
}
