/** Human sizes and durations: "4GiB", "500MB", "1.5G"; "90d", "12h", "30m". */
import { AirlockError } from './errors.ts';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new AirlockError('USAGE', `${what}: "${text}" is not a size (examples: 4GiB, 700MB, 1048576)`);
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new AirlockError('USAGE', `${what}: "${text}" is out of range`);
  }
  return bytes;
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses "90d", "12h", "2w", "30m", "45s" into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/.exec(text);
  const unit = m ? DURATION_UNITS[m[2] ?? ''] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new AirlockError('USAGE', `${what}: "${text}" is not a duration (examples: 90d, 12h, 2w)`);
  }
  return Number(m[1]) * unit;
}
