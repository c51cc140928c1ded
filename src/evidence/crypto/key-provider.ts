/**
 * A key encryption key (KEK) behind an interface: it wraps and unwraps the data keys
 * that encrypt evidence payloads, and never leaves its provider. The passphrase-
 * protected key file is one provider; a PKCS#11 HSM is another, with the same shape.
 */
export interface KeyProvider {
  /** `file`, `pkcs11`, ... recorded with every wrapped data key. */
  readonly name: string;
  /** A stable, non-secret identifier of the KEK, recorded with every wrapped key. */
  readonly kekId: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}
