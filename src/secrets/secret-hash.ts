import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A keyed hash of an app's secret values, part of the app's hash on the
 * target: a rotated secret changes it (so the app is redeployed) while the
 * hash, stored in a container label, reveals nothing a guesser could test
 * values against without the key.
 */
const DOMAIN = 'steward/secret-values/v1';
const HKDF_SALT = 'steward';
const HKDF_INFO = 'steward secret-values hash key v1';

/**
 * HMAC-SHA256 over the values sorted by name, each name and value length-
 * prefixed so that no two different sets encode alike ({a:"bc"} vs {ab:"c"}).
 */
export function secretValuesHash(values: Readonly<Record<string, string>>, hashKey: Uint8Array): string {
  if (hashKey.length < 16) throw new Error('secret hash key too short (need at least 16 bytes)');
  const mac = createHmac('sha256', hashKey);
  mac.update(DOMAIN);
  const names = Object.keys(values).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  mac.update(u32(names.length));
  for (const name of names) {
    for (const part of [name, values[name]!]) {
      const bytes = Buffer.from(part, 'utf8');
      mac.update(u32(bytes.length));
      mac.update(bytes);
    }
  }
  return `hmac-sha256:${mac.digest('hex')}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * A stable hash key derived from the age identity that decrypts the secrets,
 * so every run on the runner computes the same hashes without storing
 * another key.
 */
export function deriveSecretHashKey(identity: string): Uint8Array {
  const ikm = identity.trim();
  if (ikm === '') throw new Error('no age identity to derive the secret hash key from');
  return new Uint8Array(hkdfSync('sha256', Buffer.from(ikm, 'utf8'), HKDF_SALT, HKDF_INFO, 32));
}
