/**
 * Canonical JSON for hashing: object keys sorted by code unit, no whitespace, the
 * number and string forms of JSON.stringify (which match RFC 8785 for the integers,
 * finite doubles and strings evidence holds). Hand-written because it is short and the
 * hash format must never change under a dependency update.
 *
 * Two paths give the same text. The fast one copies the value with each object's keys
 * inserted in sorted order and lets the engine's JSON.stringify write it (about three
 * times faster than concatenating strings in JavaScript). It cannot be used where an
 * engine would not keep insertion order: integer-like keys ("7", "10"), which JavaScript
 * objects always enumerate first and in numeric order, and "__proto__", which an
 * assignment would not store as a key. Values holding either take the reference path.
 */
import { hash } from 'node:crypto';

const UNSORTABLE = Symbol('unsortable');
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

export function canonicalJson(value: unknown): string {
  const sorted = sortedCopy(value);
  return sorted === UNSORTABLE ? canonicalJsonReference(value) : (JSON.stringify(sorted) ?? 'null');
}

/** The reference definition: string concatenation, key by key. */
export function canonicalJsonReference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJsonReference(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJsonReference(v)}`).join(',')}}`;
}

function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return value === undefined ? null : UNSORTABLE;
    return value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return UNSORTABLE; // a hole: the reference path writes it as nothing
      const v = sortedCopy(value[i]);
      if (v === UNSORTABLE) return UNSORTABLE;
      out[i] = v;
    }
    return out;
  }
  // Objects other than plain ones (Dates, buffers, maps) keep the reference path's meaning.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return UNSORTABLE;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k === '__proto__' || INDEX_KEY.test(k)) return UNSORTABLE;
    const v = o[k];
    if (v === undefined) continue;
    const c = sortedCopy(v);
    if (c === UNSORTABLE) return UNSORTABLE;
    out[k] = c;
  }
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return `sha256:${hash('sha256', data, 'hex')}`;
}
