import { parse } from 'yaml';

/**
 * Key names of a SOPS file, read without decrypting: SOPS leaves keys in
 * clear text, so validation and PR plans need no age key.
 */
export function listSecretKeys(path: string, text: string): string[] {
  if (path.endsWith('.env')) {
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && l.includes('='))
      .map((l) => l.slice(0, l.indexOf('=')))
      .filter((k) => !k.startsWith('sops_'))
      .sort();
  }
  const doc = parse(text, { maxAliasCount: 100 }) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return [];
  return Object.keys(doc).filter((k) => k !== 'sops').sort();
}
