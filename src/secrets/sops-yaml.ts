import { Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { SopsError } from './sops-error';
import { jsonToPlain, plainToTree } from './sops-json';
import { isSopsMap, sameNode, sopsMap, type SopsEntry, type SopsMap, type SopsNode } from './sops-tree';

/**
 * YAML SOPS files. Edits go through eemeli/yaml's Document so that comments
 * (sops encrypts them too), key order and untouched values survive a rewrite.
 */
export interface ParsedYaml {
  readonly tree: SopsMap;
  readonly metadata: unknown;
}

const PARSE_OPTIONS = { intAsBigInt: true, uniqueKeys: false, prettyErrors: false } as const;

function parseSingleDocument(text: string, file: string): Document.Parsed {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  if (!Array.isArray(docs)) throw new SopsError(file, 'empty YAML file');
  if (docs.length !== 1) throw new SopsError(file, 'multi-document YAML files are not supported');
  const doc = docs[0]!;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new SopsError(file, `invalid YAML${line ? ` at line ${line}` : ''}: ${e.code}`);
  }
  return doc;
}

export function parseSopsYaml(text: string, file: string): ParsedYaml {
  const doc = parseSingleDocument(text, file);
  if (doc.contents === null) return { tree: sopsMap([]), metadata: undefined };
  if (!isMap(doc.contents)) throw new SopsError(file, 'a SOPS YAML file must be a mapping at the top level');
  const root = nodeToTree(doc, doc.contents, file, []) as SopsMap;
  const metaPair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'sops');
  return {
    tree: sopsMap(root.entries.filter((e) => e.key !== 'sops')),
    metadata: metaPair ? plainOf(doc, metaPair.value, file) : undefined,
  };
}

function nodeToTree(doc: Document, node: unknown, file: string, path: readonly string[]): SopsNode {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return nodeToTree(doc, node.resolve(doc), file, path);
  if (isMap(node)) {
    const entries: SopsEntry[] = [];
    for (const pair of node.items) {
      const rawKey = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof rawKey !== 'string') {
        throw new SopsError(file, 'only string keys are supported', [...path, String(rawKey)].join('.'));
      }
      entries.push({ key: rawKey, value: nodeToTree(doc, pair.value, file, [...path, rawKey]) });
    }
    return sopsMap(entries);
  }
  if (isSeq(node)) return node.items.map((item) => nodeToTree(doc, item, file, path));
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number') return v;
    throw new SopsError(file, `unsupported YAML value of type ${typeof v}`, path.join('.'));
  }
  throw new SopsError(file, 'unsupported YAML node', path.join('.'));
}

function plainOf(doc: Document, node: unknown, file: string): unknown {
  return jsonToPlain(nodeToTree(doc, node, file, ['sops']));
}

function treeToNode(doc: Document, value: SopsNode): unknown {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    for (const item of value) seq.items.push(treeToNode(doc, item));
    return seq;
  }
  if (isSopsMap(value)) {
    const map = new YAMLMap();
    for (const e of value.entries) map.items.push(doc.createPair(e.key, treeToNode(doc, e.value)));
    return map;
  }
  const scalar = new Scalar(value);
  if (typeof value === 'string' && value.includes('\n')) scalar.type = Scalar.BLOCK_LITERAL;
  return scalar;
}

function plainToNode(doc: Document, value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    for (const item of value) seq.items.push(plainToNode(doc, item));
    return seq;
  }
  if (value !== null && typeof value === 'object') {
    const map = new YAMLMap();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) map.items.push(doc.createPair(k, plainToNode(doc, v, k)));
    return map;
  }
  const scalar = new Scalar(value);
  if (typeof value === 'string' && value.includes('\n')) scalar.type = Scalar.BLOCK_LITERAL;
  // Go's yaml quotes a timestamp-looking string; sops files show it that way.
  if (key === 'lastmodified') scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** Brings an existing node in line with the tree, touching only what differs. */
function syncNode(doc: Document, node: unknown, value: SopsNode): unknown {
  if (isAlias(node)) return sameNode(nodeToTree(doc, node, 'file', []), value) ? node : treeToNode(doc, value);
  if (isSopsMap(value) && isMap(node)) {
    const items = value.entries.map((e) => {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === e.key);
      if (!pair) return doc.createPair(e.key, treeToNode(doc, e.value));
      pair.value = syncNode(doc, pair.value, e.value);
      return pair;
    });
    node.items = items;
    return node;
  }
  if (Array.isArray(value) && isSeq(node) && node.items.length === value.length) {
    node.items = node.items.map((item, i) => syncNode(doc, item, value[i]!));
    return node;
  }
  if (!isSopsMap(value) && !Array.isArray(value) && isScalar(node)) {
    if (node.value !== value) {
      node.value = value;
      if (typeof value === 'string' && value.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
    }
    return node;
  }
  return treeToNode(doc, value);
}

/** The indentation the file already uses; sops writes 4. */
export function detectYamlIndent(original: string | undefined): number {
  const m = original ? /^[^\s#][^\n]*:[ \t]*\n( +)[^\s-]/m.exec(original) : null;
  return m ? m[1]!.length : 4;
}

export function emitSopsYaml(tree: SopsMap, metadata: Record<string, unknown>, original?: string): string {
  const doc = original !== undefined ? parseSingleDocument(original, 'file') : new Document(new YAMLMap(), PARSE_OPTIONS);
  if (!isMap(doc.contents)) doc.contents = new YAMLMap() as never;
  const root = doc.contents as YAMLMap;
  const metaPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'sops');
  syncNode(doc, root, tree);
  const existingMeta = metaPair?.value;
  if (metaPair && isMap(existingMeta)) {
    for (const [k, v] of Object.entries(metadata)) {
      const pair = existingMeta.items.find((p) => isScalar(p.key) && p.key.value === k);
      const replacement = plainToNode(doc, v, k);
      if (!pair) existingMeta.items.push(doc.createPair(k, replacement));
      else if (!sameNode(plainToTree(plainOf(doc, pair.value, 'file')), plainToTree(v))) pair.value = replacement;
    }
    existingMeta.items = existingMeta.items.filter((p) => isScalar(p.key) && Object.hasOwn(metadata, String(p.key.value)));
    root.items.push(metaPair);
  } else {
    root.items.push(doc.createPair('sops', plainToNode(doc, metadata)));
  }
  return doc.toString({ indent: detectYamlIndent(original), indentSeq: true, lineWidth: 0, minContentWidth: 0 });
}
