import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * sops's value cipher: AES-256-GCM with a 32-byte nonce (sops's choice, not
 * GCM's usual 12) and the value's key path as additional data, serialised as
 * `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`.
 */
export type SopsValueType = 'str' | 'int' | 'int64' | 'float' | 'bool' | 'bytes' | 'comment';

export interface SopsCiphertext {
  readonly data: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly type: string;
}

export interface SopsPlaintext {
  readonly bytes: Buffer;
  readonly type: SopsValueType;
}

const NONCE_SIZE = 32;
const TAG_SIZE = 16;
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KNOWN_TYPES: ReadonlySet<string> = new Set(['str', 'int', 'int64', 'float', 'bool', 'bytes', 'comment']);

export function isSopsCiphertext(value: string): boolean {
  return ENC_RE.test(value);
}

/** Parses an ENC[…] string; returns null when it is not one (the caller names the file and key). */
export function parseSopsCiphertext(value: string): SopsCiphertext | null {
  const m = ENC_RE.exec(value);
  if (!m) return null;
  const [, data, iv, tag, type] = m;
  if (![data, iv, tag].every((part) => BASE64_RE.test(part!))) return null;
  const parsed = {
    data: Buffer.from(data!, 'base64'),
    iv: Buffer.from(iv!, 'base64'),
    tag: Buffer.from(tag!, 'base64'),
    type: type!,
  };
  if (parsed.tag.length !== TAG_SIZE || parsed.iv.length === 0) return null;
  return parsed;
}

/**
 * Decrypts one value. Returns null when authentication fails, so that the
 * caller decides what that means (tampering, wrong key, a comment bound to
 * another path).
 */
export function openSopsValue(ct: SopsCiphertext, key: Uint8Array, aad: string): SopsPlaintext | null {
  if (!KNOWN_TYPES.has(ct.type)) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, ct.iv, { authTagLength: TAG_SIZE });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(ct.tag);
    const bytes = Buffer.concat([decipher.update(ct.data), decipher.final()]);
    return { bytes, type: ct.type as SopsValueType };
  } catch {
    return null;
  }
}

/**
 * Encrypts one value. `iv` is only passed to re-create a known ciphertext
 * (tests); production calls always draw a fresh nonce.
 */
export function sealSopsValue(plain: SopsPlaintext, key: Uint8Array, aad: string, iv: Uint8Array = randomBytes(NONCE_SIZE)): string {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plain.bytes), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${Buffer.from(iv).toString('base64')},tag:${tag.toString('base64')},type:${plain.type}]`;
}
