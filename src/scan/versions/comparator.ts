/**
 * One interface for every ecosystem's version ordering. `compare` returns -1, 0 or 1 and
 * throws an AirlockError (BAD_INPUT) for a string the ecosystem cannot order; `isValid`
 * says whether a string is a version the ecosystem's own tool would accept.
 */
import { AirlockError } from '../../common/errors.ts';

export interface VersionComparator {
  /** Short name of the scheme ("dpkg", "semver", "pep440", ...). */
  readonly scheme: string;
  compare(a: string, b: string): -1 | 0 | 1;
  isValid(v: string): boolean;
}

export function sign(n: number | bigint): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function invalidVersion(scheme: string, v: string, why?: string): AirlockError {
  const shown = v.length > 80 ? `${v.slice(0, 80)}...` : v;
  return new AirlockError('BAD_INPUT', `invalid ${scheme} version ${JSON.stringify(shown)}${why ? `: ${why}` : ''}`);
}

/** Compares two strings of decimal digits as unbounded integers (no precision loss). */
export function compareDigits(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain byte-wise (code unit) string ordering, as C's strcmp and Java's compareTo. */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}
