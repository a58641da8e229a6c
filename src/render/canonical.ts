import { createHash } from 'node:crypto';

/** JSON with sorted keys: the same value always gives the same bytes. */
export function canonicalJson(value: unknown, indent = 0): string {
  return indent ? JSON.stringify(sortKeys(value), null, indent) : compactJson(value);
}

function compactJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : compactJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${JSON.stringify(k)}:${compactJson(o[k])}`);
  return `{${parts.join(',')}}`;
}

/**
 * Block-style YAML with sorted keys, for plain data (maps, lists, strings,
 * numbers, booleans). Hand-rolled because it is the hot path of render and
 * must never change its bytes with a library upgrade.
 */
export function canonicalYaml(value: unknown): string {
  const out: string[] = [];
  emit(value, 0, out);
  return out.join('');
}

function emit(v: unknown, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (!v.length) return void out.push(`${pad}[]\n`);
    for (const item of v) {
      if (isCollection(item) && !isEmpty(item)) {
        // "- " then the first line of the nested block on the same line.
        const inner: string[] = [];
        emit(item, indent + 2, inner);
        const text = inner.join('');
        out.push(`${pad}- ${text.slice(indent + 2)}`);
      } else out.push(`${pad}- ${scalar(item)}\n`);
    }
    return;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort().filter((k) => o[k] !== undefined);
    if (!keys.length) return void out.push(`${pad}{}\n`);
    for (const k of keys) {
      const val = o[k];
      if (isCollection(val) && !isEmpty(val)) {
        out.push(`${pad}${key(k)}:\n`);
        emit(val, Array.isArray(val) ? indent + 2 : indent + 2, out);
      } else out.push(`${pad}${key(k)}: ${scalar(val)}\n`);
    }
    return;
  }
  out.push(`${pad}${scalar(v)}\n`);
}

function isCollection(v: unknown): v is object {
  return !!v && typeof v === 'object';
}

function isEmpty(v: object): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).every((k) => (v as Record<string, unknown>)[k] === undefined);
}

// Words that YAML 1.1 or 1.2 would read as something other than a string.
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~|nan|\.nan|inf|\.inf|-\.inf|\+\.inf)$/i;
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+=-]*(?:[ :][A-Za-z0-9_./@+=-]+)*$/;
const NUMBERISH = /^[-+]?(\d|\.\d)|^0[xob]/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  const s = String(v);
  if (PLAIN.test(s) && !RESERVED.test(s) && !NUMBERISH.test(s) && !s.includes(': ') && !s.includes(' #')) return s;
  return JSON.stringify(s);
}

function key(k: string): string {
  return PLAIN.test(k) && !RESERVED.test(k) && !k.includes(' ') && !k.includes(':') ? k : JSON.stringify(k);
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const o = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = sortKeys(o[k]);
    return out;
  }
  return value;
}

/** Compose interpolates "$" in every string; user values must reach the container as written. */
export function escapeDollar(s: string): string {
  return s.replace(/\$/g, '$$$$');
}
