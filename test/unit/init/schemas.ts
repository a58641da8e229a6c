import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

// As ../shared/contracts/actions/SOURCE.md says: ajv 8, strict: false.
const CONTRACTS = new URL('../../../../shared/contracts/actions/', import.meta.url);

function compile(file: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(JSON.parse(readFileSync(new URL(file, CONTRACTS), 'utf8')));
}

let workflow: ValidateFunction | undefined;
let action: ValidateFunction | undefined;

/** The schema errors of a workflow file's text, as readable lines; [] when valid. */
export function workflowErrors(text: string): string[] {
  workflow ??= compile('github-workflow.json');
  return errorsOf(workflow, parse(text));
}

export function actionErrors(text: string): string[] {
  action ??= compile('github-action.json');
  return errorsOf(action, parse(text));
}

function errorsOf(validate: ValidateFunction, doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
