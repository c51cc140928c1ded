/**
 * NuGet version ordering (NuGet.Versioning's VersionComparer): up to four numeric parts
 * (missing parts are 0), SemVer 2.0 pre-release labels compared case-insensitively,
 * build metadata ignored. Written by hand: no npm package implements NuGet's rules.
 */
import { compareDigits, compareStrings, invalidVersion, type VersionComparator } from './comparator.ts';

const NUGET = /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

interface NuGetVersion {
  parts: string[];
  pre: string[];
}

function parse(v: string): NuGetVersion {
  const m = NUGET.exec(v.trim());
  if (!m) throw invalidVersion('nuget', v);
  return { parts: [m[1], m[2], m[3], m[4]].map((p) => p ?? '0'), pre: m[5] ? m[5].split('.') : [] };
}

function compareLabel(a: string, b: string): -1 | 0 | 1 {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return compareDigits(a, b);
  if (an) return -1;
  if (bn) return 1;
  return compareStrings(a.toLowerCase(), b.toLowerCase());
}

export function compareNuGet(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 4; i++) {
    const c = compareDigits(x.parts[i] as string, y.parts[i] as string);
    if (c) return c;
  }
  if (x.pre.length === 0 || y.pre.length === 0) return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const c = compareLabel(x.pre[i] as string, y.pre[i] as string);
    if (c) return c;
  }
  return x.pre.length === y.pre.length ? 0 : x.pre.length < y.pre.length ? -1 : 1;
}

export const nugetComparator: VersionComparator = {
  scheme: 'nuget',
  compare: compareNuGet,
  isValid: (v) => NUGET.test(v.trim()),
};
