import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics';

// Anchors and aliases are legitimate YAML, but a few hundred aliases expanding
// each other is a memory bomb; no real project needs more than this.
const MAX_ALIASES = 100;

export type KeyPath = (string | number)[];

/** A parsed YAML file that can say where any key of it sits. */
export interface YamlSource {
  file: string;
  value: unknown;
  locate(path: KeyPath): { line: number; column: number };
}

export function keyName(path: KeyPath): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

export function parseYamlSource(file: string, text: string, diags: Diagnostic[]): YamlSource | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter, prettyErrors: false, strict: true });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const at = pos(e.pos[0]);
      const key = e.code === 'DUPLICATE_KEY' ? duplicateKeyName(doc, e.pos[0]) : '';
      diags.push({ file, ...at, key, message: yamlMessage(e.code, e.message) });
    }
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    diags.push({ file, line: 1, column: 1, key: '', message: `too many YAML aliases (more than ${MAX_ALIASES} expansions): write the values out instead of nesting anchors` });
    return undefined;
  }
  return { file, value, locate: (path) => pos(offsetOf(doc, path)) };
}

function yamlMessage(code: string, raw: string): string {
  const first = raw.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping; remove or rename one of them';
  return `invalid YAML: ${first}`;
}

function duplicateKeyName(doc: Document, offset: number): string {
  let found = '';
  const visit = (node: unknown, path: string[]) => {
    if (!isMap(node)) {
      if (isSeq(node)) node.items.forEach((it, i) => visit(it, [...path, `[${i}]`]));
      return;
    }
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '?';
      const r = (pair.key as Node | null)?.range;
      if (r && r[0] === offset) found = [...path, k].join('.').replace(/\.\[/g, '[');
      visit(pair.value, [...path, k]);
    }
  };
  visit(doc.contents, []);
  return found;
}

/** Offset of the key at `path`, or of the deepest parent that exists. */
function offsetOf(doc: Document, path: KeyPath): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}
