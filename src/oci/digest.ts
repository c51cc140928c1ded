/** Content digests: only sha256 is accepted, as `sha256:<64 lowercase hex>`. */
import { AirlockError } from '../common/errors.ts';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

export function assertDigest(value: string, source: string): string {
  if (!DIGEST_RE.test(value)) {
    const alg = value.includes(':') ? value.slice(0, value.indexOf(':')) : '';
    const why = alg && alg !== 'sha256' ? `unsupported digest algorithm "${alg.slice(0, 32)}"` : 'malformed digest';
    throw new AirlockError('BAD_INPUT', `${source}: ${why}: "${value.slice(0, 80)}"`);
  }
  return value;
}

export function digestHex(digest: string): string {
  return digest.slice('sha256:'.length);
}
