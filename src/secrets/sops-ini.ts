import { SopsError } from './sops-error';
import { unflattenMetadata } from './sops-metadata';
import { sopsMap, type SopsEntry, type SopsMap } from './sops-tree';

/**
 * INI SOPS files, read only: sections become mappings (the key path is
 * `section:key:`), the `[sops]` section holds the flattened metadata. Keys
 * outside any section belong to `DEFAULT`, as in go-ini, which sops uses.
 */
export interface ParsedIni {
  readonly tree: SopsMap;
  readonly metadata: unknown;
}

function unquote(value: string): string {
  const m = /^(["'`])([\s\S]*)\1$/.exec(value);
  return m ? m[2]! : value;
}

export function parseSopsIni(text: string, file: string): ParsedIni {
  const sections = new Map<string, Map<string, string>>([['DEFAULT', new Map()]]);
  let current = sections.get('DEFAULT')!;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      const name = section[1]!.trim();
      if (!sections.has(name)) sections.set(name, new Map());
      current = sections.get(name)!;
      return;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) throw new SopsError(file, `invalid INI line ${i + 1}: expected key = value`);
    current.set(m[1]!, unquote(m[2]!));
  });
  const meta = sections.get('sops');
  sections.delete('sops');
  // go-ini always has a DEFAULT section; an empty one adds nothing to the MAC.
  if (sections.get('DEFAULT')!.size === 0) sections.delete('DEFAULT');
  const entries: SopsEntry[] = [...sections].map(([name, keys]) => ({
    key: name,
    value: sopsMap([...keys].map(([key, value]) => ({ key, value }))),
  }));
  return { tree: sopsMap(entries), metadata: meta ? unflattenMetadata([...meta]) : undefined };
}
