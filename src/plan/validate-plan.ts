import Ajv from 'ajv';
import schema from '../../schemas/plan.schema.json';

let validate: ReturnType<Ajv['compile']> | undefined;

/** Why a loaded plan.json is not a plan (first problem), or undefined when it is one. */
export function planSchemaErrors(plan: unknown): string | undefined {
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(schema);
  if (validate(plan)) return undefined;
  const e = validate.errors?.[0];
  return e ? `${e.instancePath || '/'} ${e.message}` : 'invalid';
}
