import type { SopsValueType } from './sops-cipher';

/**
 * Go's scalar conversions as sops uses them, so that the MAC we compute over
 * a value is byte for byte the one sops computes.
 */

export type TypedScalar = string | number | bigint | boolean | Uint8Array;

/** strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function goFormatFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead! + frac;
  const exp = Number(expText);
  const point = 1 + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** sops.ToBytes: what the MAC hashes for a leaf. */
export function macBytes(value: TypedScalar): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (typeof value === 'bigint') return Buffer.from(value.toString(), 'utf8');
  if (typeof value === 'number') return Buffer.from(goFormatFloat(value), 'utf8');
  if (typeof value === 'boolean') return Buffer.from(value ? 'True' : 'False', 'utf8');
  return Buffer.from(value);
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Turns decrypted bytes into the typed value sops would hold, following the
 * ENC type tag; null when the bytes do not parse as that type.
 */
export function typedFromPlaintext(bytes: Buffer, type: SopsValueType): TypedScalar | null {
  const text = bytes.toString('utf8');
  switch (type) {
    case 'str':
    case 'comment':
      return text;
    case 'bytes':
      return new Uint8Array(bytes);
    case 'int':
    case 'int64':
      return /^[+-]?\d+$/.test(text) ? BigInt(text.replace(/^\+/, '')) : null;
    case 'float':
      return parseGoFloat(text);
    case 'bool':
      return GO_TRUE.has(text) ? true : GO_FALSE.has(text) ? false : null;
  }
}

function parseGoFloat(text: string): number | null {
  const t = text.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
  return Number(t);
}

/** The plain JS value handed to callers: ints become numbers when exact, bytes become text. */
export function toPlainValue(value: TypedScalar): string | number | bigint | boolean {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return value;
}
