/**
 * The one error type the secrets engine throws. It always names the file (and
 * the key path where one applies) and never carries a decrypted value, so that
 * callers can print `message` as-is.
 */
export class SopsError extends Error {
  readonly file: string;
  readonly key?: string;

  constructor(file: string, message: string, key?: string) {
    super(key ? `${file}: ${key}: ${message}` : `${file}: ${message}`);
    this.name = 'SopsError';
    this.file = file;
    this.key = key;
  }
}
