/**
 * The format-independent shape of a SOPS document, ordered like the file:
 * sops's MAC covers values in document order, so a plain JS object (which
 * reorders integer-like keys) cannot stand in for a mapping.
 */
export type SopsScalar = string | number | bigint | boolean | null;
export interface SopsMap {
  readonly kind: 'map';
  readonly entries: ReadonlyArray<SopsEntry>;
}
export interface SopsEntry {
  readonly key: string;
  readonly value: SopsNode;
}
export type SopsNode = SopsScalar | SopsMap | ReadonlyArray<SopsNode>;

export function sopsMap(entries: ReadonlyArray<SopsEntry>): SopsMap {
  return { kind: 'map', entries };
}

export function isSopsMap(node: unknown): node is SopsMap {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && (node as SopsMap).kind === 'map';
}

export function getEntry(map: SopsMap, key: string): SopsNode | undefined {
  return map.entries.find((e) => e.key === key)?.value;
}

/** Replaces `key` in place, or appends it, keeping every other entry's position. */
export function withEntry(map: SopsMap, key: string, value: SopsNode): SopsMap {
  const i = map.entries.findIndex((e) => e.key === key);
  if (i < 0) return sopsMap([...map.entries, { key, value }]);
  const entries = map.entries.slice();
  entries[i] = { key, value };
  return sopsMap(entries);
}

export function withoutEntry(map: SopsMap, key: string): SopsMap {
  return sopsMap(map.entries.filter((e) => e.key !== key));
}

/**
 * Visits every non-null scalar in document order, with its key path (list
 * items keep their parent's path, as in sops), and rebuilds the tree from the
 * visitor's results. Null leaves are kept and not visited: sops neither
 * encrypts nor MACs them.
 */
export function mapLeaves(
  node: SopsNode,
  visit: (leaf: Exclude<SopsScalar, null>, path: readonly string[]) => SopsScalar,
  path: readonly string[] = [],
): SopsNode {
  if (node === null) return null;
  if (Array.isArray(node)) return node.map((item) => mapLeaves(item, visit, path));
  if (isSopsMap(node)) {
    return sopsMap(node.entries.map((e) => ({ key: e.key, value: mapLeaves(e.value, visit, [...path, e.key]) })));
  }
  return visit(node as Exclude<SopsScalar, null>, path);
}

/** Every map's and list's key path, the root's included: the places a sops comment can be bound to. */
export function containerPaths(node: SopsNode, path: readonly string[] = [], out: string[][] = []): string[][] {
  if (Array.isArray(node)) {
    out.push([...path]);
    for (const item of node) containerPaths(item, path, out);
  } else if (isSopsMap(node)) {
    out.push([...path]);
    for (const e of node.entries) containerPaths(e.value, [...path, e.key], out);
  }
  return out;
}

/** The additional authenticated data sops binds a value to: `a:b:c:`. */
export function pathAad(path: readonly string[]): string {
  return path.join(':') + ':';
}

export function sameNode(a: SopsNode, b: SopsNode): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameNode(x, b[i]!));
  }
  if (isSopsMap(a) || isSopsMap(b)) {
    return isSopsMap(a) && isSopsMap(b) && a.entries.length === b.entries.length
      && a.entries.every((e, i) => e.key === b.entries[i]!.key && sameNode(e.value, b.entries[i]!.value));
  }
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}
