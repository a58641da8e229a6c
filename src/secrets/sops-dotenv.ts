import { SopsError } from './sops-error';
import { flattenMetadata, unflattenMetadata } from './sops-metadata';
import { isSopsMap, sopsMap, type SopsEntry, type SopsMap } from './sops-tree';

/**
 * dotenv SOPS files (sops's stores/dotenv): `KEY=value` lines with `\n`
 * escaped, `#` comments, and the metadata flattened into `sops_…` lines.
 */
export interface ParsedDotenv {
  readonly tree: SopsMap;
  readonly metadata: unknown;
}

const PREFIX = 'sops_';

interface Line {
  readonly text: string;
  readonly key?: string;
  readonly value?: string;
}

function lines(text: string, file: string): Line[] {
  return text.split('\n').flatMap((text, i): Line[] => {
    if (text.length === 0) return [];
    if (text.startsWith('#')) return [{ text }];
    const eq = text.indexOf('=');
    if (eq < 0) throw new SopsError(file, `invalid dotenv line ${i + 1}: expected KEY=value`);
    return [{ text, key: text.slice(0, eq), value: text.slice(eq + 1).replace(/\\n/g, '\n') }];
  });
}

export function parseSopsDotenv(text: string, file: string): ParsedDotenv {
  const entries: SopsEntry[] = [];
  const flat: Array<[string, string]> = [];
  for (const line of lines(text, file)) {
    if (line.key === undefined) continue;
    if (line.key.startsWith(PREFIX)) flat.push([line.key.slice(PREFIX.length), line.value!]);
    else entries.push({ key: line.key, value: line.value! });
  }
  return { tree: sopsMap(entries), metadata: flat.length > 0 ? unflattenMetadata(flat) : undefined };
}

function valueText(value: unknown, file: string, key: string): string {
  if (value === null || isSopsMap(value) || Array.isArray(value)) {
    throw new SopsError(file, 'dotenv files hold only plain values', key);
  }
  return String(value).replace(/\n/g, '\\n');
}

/**
 * Rewrites a dotenv file, keeping comments and every unchanged line byte for
 * byte; new keys go after the existing ones, the metadata last (sorted, as
 * sops writes it).
 */
export function emitSopsDotenv(tree: SopsMap, metadata: Record<string, unknown>, original?: string, file = 'file'): string {
  const wanted = new Map(tree.entries.map((e) => [e.key, e.value]));
  const written = new Set<string>();
  const out: string[] = [];
  for (const line of original !== undefined ? lines(original, file) : []) {
    if (line.key === undefined) {
      out.push(line.text);
    } else if (!line.key.startsWith(PREFIX) && wanted.has(line.key) && !written.has(line.key)) {
      const value = wanted.get(line.key);
      out.push(value === line.value ? line.text : `${line.key}=${valueText(value, file, line.key)}`);
      written.add(line.key);
    }
  }
  for (const e of tree.entries) {
    if (!written.has(e.key)) out.push(`${e.key}=${valueText(e.value, file, e.key)}`);
  }
  for (const [k, v] of flattenMetadata(metadata)) out.push(`${PREFIX}${k}=${v}`);
  return out.join('\n') + '\n';
}
