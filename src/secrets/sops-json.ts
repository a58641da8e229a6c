import { SopsError } from './sops-error';
import { isSopsMap, sopsMap, type SopsEntry, type SopsMap, type SopsNode } from './sops-tree';

/**
 * JSON SOPS files. A small ordered parser rather than JSON.parse, because the
 * MAC follows document order and JSON.parse moves integer-like keys first.
 * Numbers are float64, as in Go's decoder.
 */
export interface ParsedJson {
  readonly tree: SopsMap;
  readonly metadata: unknown;
}

export function parseSopsJson(text: string, file: string): ParsedJson {
  const p = new JsonParser(text, file);
  p.ws();
  if (text[p.pos] !== '{') throw new SopsError(file, 'a SOPS JSON file must be an object at the top level');
  const root = p.value() as SopsMap;
  p.ws();
  if (p.pos !== text.length) p.fail('unexpected content after the top-level object');
  const metaEntry = root.entries.find((e) => e.key === 'sops');
  return {
    tree: sopsMap(root.entries.filter((e) => e.key !== 'sops')),
    metadata: metaEntry ? jsonToPlain(metaEntry.value) : undefined,
  };
}

class JsonParser {
  pos = 0;
  constructor(private readonly text: string, private readonly file: string) {}

  fail(what: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new SopsError(this.file, `invalid JSON at line ${line}: ${what}`);
  }

  ws(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(): SopsNode {
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) this.fail('expected a value');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  string(): string {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(this.text.slice(this.pos));
    if (!m) this.fail('malformed string');
    this.pos += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  object(): SopsMap {
    this.pos++;
    const entries: SopsEntry[] = [];
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return sopsMap(entries);
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      entries.push({ key, value: this.value() });
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') return sopsMap(entries);
      if (c !== ',') this.fail('expected "," or "}"');
    }
  }

  array(): SopsNode[] {
    this.pos++;
    const items: SopsNode[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') return items;
      if (c !== ',') this.fail('expected "," or "]"');
    }
  }
}

/** A tree as plain JS (for metadata, which has no integer-like keys). */
export function jsonToPlain(node: SopsNode): unknown {
  if (Array.isArray(node)) return node.map(jsonToPlain);
  if (isSopsMap(node)) return Object.fromEntries(node.entries.map((e) => [e.key, jsonToPlain(e.value)]));
  return node;
}

export function plainToTree(value: unknown): SopsNode {
  if (Array.isArray(value)) return value.map(plainToTree);
  if (value !== null && typeof value === 'object') {
    return sopsMap(Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: plainToTree(v) })));
  }
  return (value ?? null) as SopsNode;
}

/** sops writes JSON with Go's escaping of <, > and &; we match it so a rewrite does not churn them. */
function goJsonString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function emitNode(node: SopsNode, indent: string, depth: number): string {
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (Array.isArray(node)) {
    if (node.length === 0) return '[]';
    return `[\n${node.map((v) => pad + emitNode(v, indent, depth + 1)).join(',\n')}\n${end}]`;
  }
  if (isSopsMap(node)) {
    if (node.entries.length === 0) return '{}';
    return `{\n${node.entries.map((e) => `${pad}${goJsonString(e.key)}: ${emitNode(e.value, indent, depth + 1)}`).join(',\n')}\n${end}}`;
  }
  if (typeof node === 'string') return goJsonString(node);
  if (typeof node === 'bigint') return node.toString();
  if (typeof node === 'number') return Number.isFinite(node) ? JSON.stringify(node) : 'null';
  return JSON.stringify(node);
}

/** The indentation the file already uses (sops's default is a tab). */
export function detectJsonIndent(original: string | undefined): string {
  const m = original ? /\n([ \t]+)"/.exec(original) : null;
  return m ? m[1]! : '\t';
}

export function emitSopsJson(tree: SopsMap, metadata: Record<string, unknown>, original?: string): string {
  const full = sopsMap([...tree.entries, { key: 'sops', value: plainToTree(metadata) }]);
  return emitNode(full, detectJsonIndent(original), 0) + '\n';
}
