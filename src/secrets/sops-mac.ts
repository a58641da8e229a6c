import { createHash, timingSafeEqual } from 'node:crypto';
import { macBytes, type TypedScalar } from './sops-scalars';

/**
 * sops's integrity check: SHA-512 over every MACed leaf's bytes in document
 * order, as uppercase hex. With `mac_only_encrypted` the hash starts from a
 * fixed prefix so that the two modes can never produce the same MAC.
 */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

export class SopsMacBuilder {
  private readonly hash = createHash('sha512');

  constructor(macOnlyEncrypted: boolean) {
    if (macOnlyEncrypted) this.hash.update(MAC_ONLY_ENCRYPTED_INIT);
  }

  add(value: TypedScalar): void {
    this.hash.update(macBytes(value));
  }

  digest(): string {
    return this.hash.digest('hex').toUpperCase();
  }
}

export function macsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
