/** Inflating one zip entry's raw DEFLATE bytes, with the checks a hostile archive needs. */
import { inflateRawSync } from 'node:zlib';
import { AirlockError } from '../common/errors.ts';

/**
 * Inflates a zip entry, refusing output beyond `size` (what the zip's directory declares,
 * already checked against the limits) or short of it. `label` names the entry in errors.
 */
export function inflateEntry(raw: Uint8Array, size: number, label: string): Buffer {
  let data: Buffer;
  try {
    // One output buffer of the declared size (plus a byte, to see a longer output) instead of 16 KiB pieces.
    data = inflateRawSync(raw, { maxOutputLength: size + 1, chunkSize: Math.max(64, size + 1) });
  } catch (e) {
    throw new AirlockError('BAD_INPUT', `${label}: corrupt zip entry: ${(e as Error).message}`);
  }
  if (data.length !== size) throw new AirlockError('BAD_INPUT', `${label}: entry size does not match the zip directory`);
  return data;
}
