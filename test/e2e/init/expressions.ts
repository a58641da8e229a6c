/**
 * The part of the Actions expression language Steward's workflows and root
 * action.yml use: context paths (a.b.c-d), 'strings', true/false/null, numbers,
 * == != ! && || and parentheses, and the status functions. Loose equality and
 * the && / || value semantics follow the GitHub/Forgejo rules for these cases.
 */
export type Value = string | number | boolean | null | Record<string, unknown>;
export interface ExprContext {
  [name: string]: unknown;
  status?: 'success' | 'failure';
}

const TOKEN = /\s*(\(|\)|==|!=|&&|\|\||!|'(?:[^']|'')*'|-?[0-9]+(?:\.[0-9]+)?|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)/y;

export function evaluate(expr: string, ctx: ExprContext): Value {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.trim().length) {
    const m = TOKEN.exec(expr.trim());
    if (!m) throw new Error(`cannot parse expression: ${expr}`);
    tokens.push(m[1]!);
  }
  let i = 0;
  const peek = () => tokens[i];
  const or = (): Value => {
    let v = and();
    while (peek() === '||') {
      i++;
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  };
  const and = (): Value => {
    let v = cmp();
    while (peek() === '&&') {
      i++;
      const r = cmp();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  const cmp = (): Value => {
    let v = unary();
    while (peek() === '==' || peek() === '!=') {
      const op = tokens[i++];
      const r = unary();
      v = looseEquals(v, r) === (op === '==');
    }
    return v;
  };
  const unary = (): Value => {
    if (peek() === '!') {
      i++;
      return !truthy(unary());
    }
    return primary();
  };
  const primary = (): Value => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of expression: ${expr}`);
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error(`missing ) in ${expr}`);
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^-?[0-9]/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    if (peek() === '(') {
      i++;
      if (tokens[i++] !== ')') throw new Error(`only argument-less functions are supported: ${expr}`);
      if (t === 'always') return true;
      if (t === 'success') return ctx.status !== 'failure';
      if (t === 'failure') return ctx.status === 'failure';
      if (t === 'cancelled') return false;
      throw new Error(`unknown function ${t}() in ${expr}`);
    }
    let v: unknown = ctx;
    for (const part of t.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return (v === undefined ? null : v) as Value;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in ${expr}`);
  return v;
}

export function truthy(v: Value): boolean {
  return !(v === null || v === false || v === 0 || v === '' || Number.isNaN(v));
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b) return a === b;
  const num = (v: Value) => (v === null ? 0 : typeof v === 'boolean' ? Number(v) : typeof v === 'string' ? (v.trim() === '' ? 0 : Number(v)) : NaN);
  return num(a) === num(b);
}

/** Replaces every ${{ … }} in a string; values print as the runner prints them. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => {
    const v = evaluate(e, ctx);
    return v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** An `if:` is an expression with or without ${{ }}; without a status function it means success() && it. */
export function condition(text: string | undefined, ctx: ExprContext): boolean {
  if (text === undefined) return ctx.status !== 'failure';
  const bare = text.trim().replace(/^\$\{\{(.*)\}\}$/s, '$1');
  const usesStatus = /\b(always|success|failure|cancelled)\(\)/.test(bare);
  return (usesStatus || ctx.status !== 'failure') && truthy(evaluate(bare, ctx));
}
