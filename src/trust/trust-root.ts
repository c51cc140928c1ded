/**
 * The trust root of the isolated side: which public keys may sign bundles, and for
 * which channels. A trust file (YAML or JSON):
 *
 *   keys:
 *     - name: release-2026
 *       publicKey: |
 *         -----BEGIN PUBLIC KEY-----
 *         ...
 *       channels: [stable, security]   # or ["*"]
 *
 * `--key KEY.pub` is the shortcut for one key trusted on every channel.
 */
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { parseYaml } from '../common/yaml.ts';
import { keyIdOf, loadPublicKey, publicKeyFromPem } from './keys.ts';
import { PublicKeyVerifier } from './signer.ts';

const TrustFileSchema = z
  .object({
    keys: z
      .array(
        z
          .object({
            name: z.string().min(1).max(200).optional(),
            id: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits').optional(),
            publicKey: z.string().min(1).max(16384),
            channels: z.array(z.string().min(1).max(128)).min(1).max(1000).default(['*']),
          })
          .strict(),
      )
      .min(1, 'at least one key is required')
      .max(1000),
  })
  .strict();

export interface TrustedKey {
  id: string;
  name: string;
  verifier: PublicKeyVerifier;
  channels: readonly string[];
}

export class TrustRoot {
  readonly keys: readonly TrustedKey[];
  readonly source: string;

  constructor(keys: readonly TrustedKey[], source: string) {
    this.keys = keys;
    this.source = source;
  }

  find(keyId: string): TrustedKey | undefined {
    return this.keys.find((k) => k.id === keyId);
  }

  /** Why the key may not sign for the channel, or undefined when it may. */
  refusal(keyId: string, channel: string): string | undefined {
    const key = this.find(keyId);
    if (!key) return `signed by key ${keyId.slice(0, 16)}, which ${this.source} does not trust`;
    if (!key.channels.includes('*') && !key.channels.includes(channel)) {
      return `key ${key.name} (${keyId.slice(0, 16)}) is not trusted for channel "${channel}" (allowed: ${key.channels.join(', ')})`;
    }
    return undefined;
  }
}

export async function loadTrustFile(path: string): Promise<TrustRoot> {
  const bytes = await readFileBounded(path, 4 * 1024 * 1024, 'trust file');
  const parsed = TrustFileSchema.safeParse(parseYaml(bytes, path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AirlockError('BAD_INPUT', `${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const keys = parsed.data.keys.map((k, i) => {
    const key = publicKeyFromPem(k.publicKey, `${path}: keys.${i}.publicKey`);
    const id = keyIdOf(key);
    if (k.id !== undefined && k.id !== id) {
      throw new AirlockError('BAD_INPUT', `${path}: keys.${i}.id ${k.id.slice(0, 16)} does not match its public key (${id.slice(0, 16)})`);
    }
    return { id, name: k.name ?? id.slice(0, 16), verifier: new PublicKeyVerifier(key), channels: k.channels };
  });
  return new TrustRoot(keys, path);
}

export async function trustRootFromKey(path: string): Promise<TrustRoot> {
  const key = await loadPublicKey(path);
  const id = keyIdOf(key);
  return new TrustRoot([{ id, name: path, verifier: new PublicKeyVerifier(key), channels: ['*'] }], path);
}

/** Resolves the `--trust FILE | --key PUB` pair every verifying command takes. */
export async function resolveTrust(opts: { trust?: string; key?: string }): Promise<TrustRoot> {
  if (opts.trust && opts.key) throw new AirlockError('USAGE', 'give either --trust or --key, not both');
  if (opts.trust) return loadTrustFile(opts.trust);
  if (opts.key) return trustRootFromKey(opts.key);
  throw new AirlockError('USAGE', 'a trust root is required: --trust TRUST_FILE or --key PUBLIC_KEY');
}
