/**
 * dpkg: /var/lib/dpkg/status and the one-file-per-package status.d/ of distroless
 * images. Binary packages map to their source package through `Source:` ("name" or
 * "name (version)"), which is how Debian and Ubuntu advisories are keyed.
 */
import { AirlockError } from '../../common/errors.ts';
import { distroRelease, osEcosystem, purlDistro } from '../os-release.ts';
import { type Cataloger, packagesFromText } from './cataloger.ts';
import { osPurl } from './purl.ts';

export interface DpkgEntry {
  name: string;
  version: string;
  architecture?: string;
  sourceName: string;
  sourceVersion: string;
  status?: string;
}

const NOT_INSTALLED = new Set(['not-installed', 'config-files']);

/** Parses RFC 822-style paragraphs (continuation lines folded into the field). */
export function parseControlParagraphs(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let cur: Record<string, string> = Object.create(null) as Record<string, string>;
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(cur).length > 0) out.push(cur);
      cur = Object.create(null) as Record<string, string>;
      last = undefined;
    } else if (line[0] === ' ' || line[0] === '\t') {
      if (last !== undefined && (cur[last]?.length ?? 0) < 1_000_000) cur[last] += '\n' + line.trim();
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      cur[last] = line.slice(colon + 1).trim();
    }
  }
  if (Object.keys(cur).length > 0) out.push(cur);
  return out;
}

export function parseDpkgStatus(text: string, source: string): DpkgEntry[] {
  const out: DpkgEntry[] = [];
  for (const p of parseControlParagraphs(text)) {
    const name = p.Package;
    const version = p.Version;
    if (!name || !version) continue;
    const status = p.Status;
    if (status !== undefined) {
      const state = status.split(/\s+/)[2];
      if (state === undefined) throw new AirlockError('BAD_INPUT', `${source}: package ${name}: malformed Status "${status}"`);
      if (NOT_INSTALLED.has(state)) continue;
    }
    let sourceName = name;
    let sourceVersion = version;
    if (p.Source) {
      const m = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(p.Source.trim());
      if (m) {
        sourceName = m[1]!;
        if (m[2]) sourceVersion = m[2];
      }
    }
    out.push({ name, version, sourceName, sourceVersion, ...(p.Architecture ? { architecture: p.Architecture } : {}), ...(status ? { status } : {}) });
  }
  return out;
}

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;

export const dpkgCataloger: Cataloger = {
  name: 'dpkg',
  kind: 'os',
  hint: { names: ['status'], folders: ['status.d'] },
  matches: (p) => p === STATUS || (STATUS_D.test(p) && !/\.(md5sums|preinst|postinst|prerm|postrm|list|conffiles|triggers|shlibs|symbols|templates|config)$/.test(p)),
  async catalog(ctx, paths) {
    const eco = osEcosystem(ctx.os, 'Debian');
    const release = distroRelease(ctx.os);
    const ns = ctx.os?.id === 'ubuntu' ? 'ubuntu' : 'debian';
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const e of parseDpkgStatus(text, path)) {
        out.push({
          ecosystem: eco,
          name: e.name,
          version: e.version,
          purl: osPurl('deb', ns, { name: e.name, version: e.version, arch: e.architecture, distro: purlDistro(ctx.os), sourceName: e.sourceName, sourceVersion: e.sourceVersion }),
          ...(release ? { distroRelease: release } : {}),
          sourceName: e.sourceName,
          sourceVersion: e.sourceVersion,
          locations: [path],
          foundBy: 'dpkg',
        });
      }
    });
  },
};
