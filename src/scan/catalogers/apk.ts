/** apk: /lib/apk/db/installed (Alpine, Wolfi, Chainguard); `o:` is the origin (source) package. */
import { distroRelease, osEcosystem, purlDistro } from '../os-release.ts';
import { type Cataloger, packagesFromText } from './cataloger.ts';
import { osPurl } from './purl.ts';

export interface ApkEntry {
  name: string;
  version: string;
  arch?: string;
  origin?: string;
  license?: string;
}

export function parseApkInstalled(text: string): ApkEntry[] {
  const out: ApkEntry[] = [];
  let cur: Record<string, string> = Object.create(null) as Record<string, string>;
  const flush = (): void => {
    if (cur.P && cur.V) {
      out.push({ name: cur.P, version: cur.V, ...(cur.A ? { arch: cur.A } : {}), ...(cur.o ? { origin: cur.o } : {}), ...(cur.L ? { license: cur.L } : {}) });
    }
    cur = Object.create(null) as Record<string, string>;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line[1] !== ':') continue;
    const k = line[0]!;
    // only the first occurrence counts (file lines R:, Z: repeat)
    if ('PVAoL'.includes(k) && cur[k] === undefined) cur[k] = line.slice(2).trim();
  }
  flush();
  return out;
}

export const apkCataloger: Cataloger = {
  name: 'apk',
  kind: 'os',
  hint: { names: ['installed'] },
  matches: (p) => p === 'lib/apk/db/installed',
  async catalog(ctx, paths) {
    const eco = osEcosystem(ctx.os, 'Alpine');
    const release = distroRelease(ctx.os);
    const ns = ctx.os?.id === 'wolfi' || ctx.os?.id === 'chainguard' ? ctx.os.id : 'alpine';
    return packagesFromText(ctx, paths, (text, path, out) => {
      for (const e of parseApkInstalled(text)) {
        out.push({
          ecosystem: eco,
          name: e.name,
          version: e.version,
          purl: osPurl('apk', ns, { name: e.name, version: e.version, arch: e.arch, distro: purlDistro(ctx.os), sourceName: e.origin ?? e.name }),
          ...(release ? { distroRelease: release } : {}),
          sourceName: e.origin ?? e.name,
          sourceVersion: e.version,
          locations: [path],
          foundBy: 'apk',
          ...(e.license ? { licenses: [e.license] } : {}),
        });
      }
    });
  },
};
