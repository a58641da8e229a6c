import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import projectSchema from '../../schemas/project.schema.json';
import networkSchema from '../../schemas/network.schema.json';
import serviceSchema from '../../schemas/service.schema.json';
import type { Diagnostic } from './diagnostics';
import { keyName, type KeyPath, type YamlSource } from './yaml-source';

export type SchemaName = 'project' | 'network' | 'service';

const schemas: Record<SchemaName, object> = { project: projectSchema, network: networkSchema, service: serviceSchema };
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const ajv = new Ajv({ allErrors: true, strict: false });
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
    const message = describe(err, schemas[name]);
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
  '^[0-9]+(ms|s|m)$': 'a duration such as 500ms, 90s or 2m',
  '^/': 'an absolute path starting with "/"',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'an environment variable name (letters, digits, "_", not starting with a digit)',
  '^https?://': 'a URL starting with https:// or http://',
};

function describe(err: ErrorObject, schema: object): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const allowed = allowedKeys(schema, err.schemaPath);
      return `unknown key "${p.additionalProperty}"${allowed.length ? `; allowed keys here: ${allowed.join(', ')}` : ''}`;
    }
    case 'required':
      return `missing required key "${p.missingProperty}"`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'type':
      return `must be ${article(String(p.type))}`;
    case 'pattern':
      return `must be ${patternHints[String(p.pattern)] ?? `text matching ${p.pattern}`}`;
    case 'propertyNames':
      return 'invalid key name: use an environment variable name (letters, digits, "_", not starting with a digit)';
    case 'minimum':
    case 'maximum':
      return `must be ${err.keyword === 'minimum' ? 'at least' : 'at most'} ${p.limit}`;
    case 'minLength':
      return 'must not be empty';
    case 'minProperties':
      return `must have at least ${p.limit} entr${p.limit === 1 ? 'y' : 'ies'}`;
    case 'uniqueItems':
      return `must not list the same item twice (items ${p.j} and ${p.i} are equal)`;
    case 'oneOf':
      return oneOfHint(err.schemaPath) ?? 'matches none of the allowed forms';
    default:
      return err.message ?? 'is invalid';
  }
}

function oneOfHint(schemaPath: string): string | undefined {
  if (schemaPath.includes('/volumes/')) return 'a volume needs exactly one of "name" (a named volume) or "host" (a host path)';
  if (schemaPath.includes('/command/')) return 'must be a string or a list of strings';
  return undefined;
}

function article(t: string): string {
  const map: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'a mapping (key: value)', array: 'a list' };
  return t.split(',').map((x) => map[x] ?? x).join(' or ');
}

function allowedKeys(schema: object, schemaPath: string): string[] {
  // schemaPath is like "#/properties/converge/additionalProperties"
  let node: unknown = schema;
  for (const seg of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    node = (node as Record<string, unknown>)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  const props = (node as { properties?: Record<string, unknown> })?.properties;
  return props ? Object.keys(props) : [];
}
