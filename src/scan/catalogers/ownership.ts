/**
 * Files that OS packages own: dpkg's var/lib/dpkg/info/*.list and apk's `F:`/`R:`
 * lines. A language package whose metadata file an OS package installed (Debian's
 * python3-* in dist-packages, the npm that ships inside the nodejs .deb) is already
 * covered by the OS package and its distro advisories, so it is not reported twice;
 * Trivy makes the same choice. rpm file lists come from the SQLite rpmdb's headers.
 */
import type { VirtualFs } from '../targets/vfs.ts';
import { MAX_METADATA_BYTES, type FileHint } from './cataloger.ts';
import { isRpmSqlite, readRpmSqlite } from './rpm.ts';

const DPKG_LIST = /^var\/lib\/dpkg\/info\/[^/]+\.list$/;
const APK_DB = 'lib/apk/db/installed';

/** The names of the ownership files, as a hint for the walk (see FileHint). */
export const OWNERSHIP_HINT: FileHint = { names: ['installed', 'rpmdb.sqlite'], extensions: ['.list'] };

/** Asked of every file in a tree: the cheap suffix tests come first. */
export function isOwnershipFile(path: string): boolean {
  return (path.endsWith('.list') && DPKG_LIST.test(path)) || path === APK_DB || (path.endsWith('.sqlite') && isRpmSqlite(path));
}

/** Pure: a dpkg .list file to tree paths. */
export function parseDpkgList(text: string): string[] {
  // A host has a hundred thousand of these lines: one slice per line, no regular expression.
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let a = start;
    let b = end;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    let line = text.slice(a, b);
    // Other white space (no-break space, line separators): what trim() does, the slow way.
    if (line.length > 0 && (line.charCodeAt(0) > 0x7f || line.charCodeAt(line.length - 1) > 0x7f)) line = line.trim();
    let slashes = 0;
    while (line.charCodeAt(slashes) === 0x2f) slashes++;
    if (slashes > 0) line = line.slice(slashes);
    if (line !== '' && line !== '.') out.push(line);
    start = end + 1;
  }
  return out;
}

/** The ASCII white space String.prototype.trim removes (dpkg writes no other). */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** Pure: apk installed db to the files it lists (F: folder, R: file in it). */
export function parseApkFiles(text: string): string[] {
  const out: string[] = [];
  let dir = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('F:')) dir = line.slice(2).trim();
    else if (line.startsWith('R:')) out.push(dir ? `${dir}/${line.slice(2).trim()}` : line.slice(2).trim());
    else if (line.trim() === '') dir = '';
  }
  return out;
}

/** Adds the files that one ownership file (see isOwnershipFile) lists to `owned`. */
export async function addOwnedFiles(fs: VirtualFs, path: string, owned: Set<string>): Promise<void> {
  const b = await fs.readFile(path, isRpmSqlite(path) ? MAX_METADATA_BYTES * 8 : MAX_METADATA_BYTES).catch(() => undefined);
  if (!b) return;
  if (isRpmSqlite(path)) {
    // an unreadable rpmdb is already a warning from the rpm cataloger
    const headers = (() => {
      try {
        return readRpmSqlite(b, path, true);
      } catch {
        return [];
      }
    })();
    for (const h of headers) for (const f of h.files ?? []) owned.add(f.replace(/^\/+/, ''));
    return;
  }
  for (const f of path === APK_DB ? parseApkFiles(b.toString('utf8')) : parseDpkgList(b.toString('utf8'))) owned.add(f);
}
