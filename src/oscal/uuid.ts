/**
 * Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name), so that the
 * same data exported twice gets the same identifiers. Node has randomUUID but no v5, and
 * the algorithm is a dozen lines, so it is written here rather than added as a package.
 *
 * Scheme: every UUID in an exported document is uuidV5(AIRLOCK_OSCAL_NAMESPACE, name)
 * with a path-like name, `<framework>/<document>/<kind>/<key>...`, for example
 * `nist-800-53-r5/component-definition/component/kyverno`. Entities keep their UUID
 * across revisions of the document (OSCAL asks that of components and requirements). A
 * document's own UUID should change when the document does, so its name ends with the
 * SHA-256 of the document's canonical JSON without that UUID.
 */
import { createHash } from 'node:crypto';

/** Fixed for Airlock's OSCAL exports; changing it changes every exported UUID. */
export const AIRLOCK_OSCAL_NAMESPACE = '6b1f3c52-3f0e-4d8e-9a43-0c5d2f7e8a19';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

const AIRLOCK_NS_BYTES = uuidBytes(AIRLOCK_OSCAL_NAMESPACE);

export function uuidV5(namespace: string, name: string): string {
  const ns = namespace === AIRLOCK_OSCAL_NAMESPACE ? AIRLOCK_NS_BYTES : uuidBytes(namespace);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The UUID of an entity named by path segments (joined with "/"). */
export function stableUuid(...path: string[]): string {
  return uuidV5(AIRLOCK_OSCAL_NAMESPACE, path.join('/'));
}
