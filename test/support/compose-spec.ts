import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { COMPOSE_SPEC_PATH } from './contracts';

let validate: ReturnType<Ajv['compile']> | undefined;

/** Validates a compose file against the Compose Specification schema; returns the errors. */
export function composeSpecErrors(yamlText: string): string[] {
  if (!validate) {
    const schema = JSON.parse(readFileSync(COMPOSE_SPEC_PATH, 'utf8'));
    // The schema's $schema has no trailing '#', which ajv does not know: skip meta-validation.
    const ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false, allErrors: true });
    validate = ajv.compile(schema);
  }
  if (validate(parse(yamlText))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
