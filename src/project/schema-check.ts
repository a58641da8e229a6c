import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import projectSchema from '../../schemas/project.schema.json';
import networkSchema from '../../schemas/network.schema.json';
import serviceSchema from '../../schemas/service.schema.json';
import composeSpec from '../../schemas/compose-spec.json';
import type { Diagnostic } from './diagnostics';
import { keyName, type KeyPath, type YamlSource } from './yaml-source';
import { DIR_PATTERN, EMAIL_PATTERN, HTTP_PATH_PATTERN, IMAGE_PATTERN } from './patterns';

export type SchemaName = 'project' | 'network' | 'service' | 'compose';

const schemas: Record<SchemaName, object> = { project: projectSchema, network: networkSchema, service: serviceSchema, compose: composeSpec };
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    // The Compose Specification's $schema URL lacks the '#' ajv knows, and its formats are advisory.
    // verbose: errors carry the schema node they come from, as schemaPath is relative to a $ref'd definition.
    const ajv = name === 'compose' ? new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: false, validateFormats: false }) : new Ajv({ allErrors: true, strict: false, verbose: true });
    v = ajv.compile(schemas[name]);
    compiled.set(name, v);
  }
  return v;
}

/** Schema violations of one file as diagnostics, one per offending key. */
export function checkSchema(name: SchemaName, src: YamlSource, diags: Diagnostic[]): boolean {
  const validate = validator(name);
  if (validate(src.value)) return true;
  const seen = new Set<string>();
  for (const err of pickErrors(validate.errors ?? [])) {
    const path = errorPath(err);
    const { line, column } = src.locate(path);
    const message = describe(err, name, valueAt(src.value, path));
    const id = `${keyName(path)}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    diags.push({ file: src.file, line, column, key: keyName(path), message });
  }
  return false;
}

// oneOf/anyOf produce one error per branch plus a summary; people want the summary.
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors.filter((e) => {
    // propertyNames reports the bad name itself; its inner pattern error would repeat it.
    if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return false;
    // if/then/else: the failing branch names the key itself; "must match then" says nothing more.
    if (e.keyword === 'if') return false;
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') return true;
    return ![...oneOfPaths].some((p) => e.schemaPath.includes('/oneOf/') && e.instancePath.startsWith(p) && (e.instancePath === p || e.keyword !== 'required'));
  });
}

function errorPath(err: ErrorObject): KeyPath {
  const parts: KeyPath = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (err.keyword === 'additionalProperties') parts.push((err.params as { additionalProperty: string }).additionalProperty);
  if (err.keyword === 'propertyNames') parts.push((err.params as { propertyName: string }).propertyName);
  return parts;
}

const patternHints: Record<string, string> = {
  '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$': 'a DNS label: lowercase letters, digits and "-", 1 to 63 characters, not starting or ending with "-"',
  '^(@|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$': 'a DNS label (lowercase letters, digits, "-") or "@" for the bare domain',
  '^[0-9]{1,9}(ms|s|m)$': 'a duration such as 500ms, 90s or 2m (a whole number of at most 9 digits)',
  '^/': 'an absolute path starting with "/"',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'an environment variable name (letters, digits, "_", not starting with a digit)',
  '^https?://': 'a URL starting with https:// or http://',
  [DIR_PATTERN]: 'an absolute path of letters, digits and "._-" segments, no "." or ".." segment, e.g. /var/lib/steward',
  [HTTP_PATH_PATTERN]: 'a URL path starting with "/", without spaces, quotes or control characters',
  [EMAIL_PATTERN]: 'an e-mail address such as admin@example.org',
  [IMAGE_PATTERN]: 'an image reference such as caddy:2, registry.example.org:5000/team/app:1.4 or app@sha256:<digest>',
  '^(node|engine)\\.[A-Za-z0-9_.-]+ ?(==|!=) ?[A-Za-z0-9_.:/-]+$': 'a placement constraint such as node.role==worker or node.labels.zone!=b',
  '^(node|engine)\\.[A-Za-z0-9_.-]+$': 'a node attribute to spread over, such as node.id or node.labels.zone',
  '^[a-z_][a-z0-9_-]{0,31}$': 'a user name: lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters',
};

// More allowed keys than this and the list stops helping (the Compose service has ~90).
const MAX_LISTED_KEYS = 20;

function describe(err: ErrorObject, name: SchemaName, value: unknown): string {
  const schema = schemas[name];
  const p = err.params as Record<string, unknown>;
  const got = ` (got ${shown(err.instancePath, value)})`;
  switch (err.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      if (allowed.length > MAX_LISTED_KEYS) {
        const near = closest(String(p.additionalProperty), allowed);
        return `unknown key "${p.additionalProperty}"${near ? `; did you mean "${near}"?` : ''} (see the Compose Specification for the keys allowed here)`;
      }
      return `unknown key "${p.additionalProperty}"${allowed.length ? `; allowed keys here: ${allowed.join(', ')}` : ''}`;
    }
    case 'required':
      return `missing required key "${p.missingProperty}"`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}${got}`;
    case 'type':
      return `must be ${article(String(p.type))}${got}`;
    case 'pattern':
      return `must be ${patternHints[String(p.pattern)] ?? `text matching ${p.pattern}`}${got}`;
    case 'propertyNames':
      return 'invalid key name: use an environment variable name (letters, digits, "_", not starting with a digit)';
    case 'minimum':
    case 'maximum':
      return `must be ${err.keyword === 'minimum' ? 'at least' : 'at most'} ${p.limit}${got}`;
    case 'minLength':
      return 'must not be empty';
    case 'minProperties':
      return `must have at least ${p.limit} entr${p.limit === 1 ? 'y' : 'ies'}`;
    case 'uniqueItems':
      return `must not list the same item twice (items ${p.j} and ${p.i} are equal)`;
    case 'oneOf':
    case 'anyOf':
      return (name === 'service' ? serviceOneOfHint(err.schemaPath, got) : undefined) ?? branchTypes(schema, err.schema, got) ?? `matches none of the allowed forms${got}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}${got}`;
    default:
      return `${err.message ?? 'is invalid'}${got}`;
  }
}

function serviceOneOfHint(schemaPath: string, got: string): string | undefined {
  if (schemaPath.includes('/sso/')) return `must be true, false, one_factor, two_factor or { policy: one_factor | two_factor, groups: [group names of letters, digits and . _ @ -] }${got}`;
  if (schemaPath.includes('/volumes/')) return 'a volume needs exactly one of "name" (a named volume) or "host" (a host path)';
  if (schemaPath.includes('/command/')) return 'must be a string or a list of strings';
  return undefined;
}

// "must be a string or a list" when every branch of a oneOf is a plain type.
function branchTypes(schema: object, branchSchemas: unknown, got: string): string | undefined {
  const branches = branchSchemas as { type?: string | string[]; $ref?: string }[] | undefined;
  if (!Array.isArray(branches)) return undefined;
  const types: string[] = [];
  for (const b of branches) {
    const node = (b.$ref ? nodeAt(schema, b.$ref) : b) as { type?: string | string[] } | undefined;
    if (!node?.type) return undefined;
    types.push(...[node.type].flat());
  }
  return `must be ${[...new Set(types)].map(article).join(' or ')}${got}`;
}

function nodeAt(schema: object, pointer: string): unknown {
  let node: unknown = schema;
  for (const seg of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) node = (node as Record<string, unknown>)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let v = root;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

// Environment values may hold what a person would rather not see in a CI log.
const UNQUOTED = /(^|\/)(env|environment)(\/|$)/;
const MAX_SHOWN = 60;

/** The bad value as a person would write it: strings in quotes, cut when long. */
function shown(instancePath: string, value: unknown): string {
  if (UNQUOTED.test(instancePath)) return 'a value not shown here';
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

function article(t: string): string {
  const map: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'a mapping (key: value)', array: 'a list' };
  return t.split(',').map((x) => map[x] ?? x).join(' or ');
}

/** The allowed key within two edits of a misspelt one, if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of candidates) {
    const d = editDistance(word, key);
    if (d <= 2 && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
