import { parseSopsDotenv, emitSopsDotenv } from './sops-dotenv';
import { SopsError } from './sops-error';
import { parseSopsIni } from './sops-ini';
import { emitSopsJson, parseSopsJson } from './sops-json';
import type { SopsMap } from './sops-tree';
import { emitSopsYaml, parseSopsYaml } from './sops-yaml';

/** The file formats sops reads, told apart as sops does: by extension. */
export type SopsFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';

export interface ParsedSopsFile {
  readonly format: SopsFormat;
  readonly tree: SopsMap;
  /** The raw `sops` section, undefined when the file has none. */
  readonly metadata: unknown;
}

export function sopsFormatFromPath(path: string): SopsFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.env') || /(^|\/)\.env(\.[^/]*)?$/.test(lower)) return 'dotenv';
  if (lower.endsWith('.ini')) return 'ini';
  return 'binary';
}

export function parseSopsFile(text: string, format: SopsFormat, file: string): ParsedSopsFile {
  switch (format) {
    case 'yaml':
      return { format, ...parseSopsYaml(text, file) };
    case 'json':
    case 'binary':
      return { format, ...parseSopsJson(text, file) };
    case 'dotenv':
      return { format, ...parseSopsDotenv(text, file) };
    case 'ini':
      return { format, ...parseSopsIni(text, file) };
  }
}

export function emitSopsFile(
  format: SopsFormat,
  tree: SopsMap,
  metadata: Record<string, unknown>,
  original: string | undefined,
  file: string,
): string {
  switch (format) {
    case 'yaml':
      return emitSopsYaml(tree, metadata, original);
    case 'json':
    case 'binary':
      return emitSopsJson(tree, metadata, original);
    case 'dotenv':
      return emitSopsDotenv(tree, metadata, original, file);
    case 'ini':
      throw new SopsError(file, 'Steward reads INI SOPS files but does not write them; use YAML, JSON or dotenv');
  }
}
