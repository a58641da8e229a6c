import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { GITHUB_ACTION_SCHEMA_PATH, GITHUB_WORKFLOW_SCHEMA_PATH } from '../../support/contracts';

// As test/contracts/actions/SOURCE.md says: ajv 8, strict: false.
function compile(file: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}

let workflow: ValidateFunction | undefined;
let action: ValidateFunction | undefined;

/** The schema errors of a workflow file's text, as readable lines; [] when valid. */
export function workflowErrors(text: string): string[] {
  workflow ??= compile(GITHUB_WORKFLOW_SCHEMA_PATH);
  return errorsOf(workflow, parse(text));
}

export function actionErrors(text: string): string[] {
  action ??= compile(GITHUB_ACTION_SCHEMA_PATH);
  return errorsOf(action, parse(text));
}

function errorsOf(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
