import Ajv from 'ajv';
import schema from '../../schemas/plan.schema.json';
import { orderSteps, StepOrderError } from './order';
import type { Plan } from './types';

let validate: ReturnType<Ajv['compile']> | undefined;

/** Why a loaded plan.json is not a plan (first problem), or undefined when it is one. */
export function planSchemaErrors(plan: unknown): string | undefined {
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(schema);
  if (validate(plan)) return orderErrors(plan as Plan);
  const e = validate.errors?.[0];
  return e ? `${e.instancePath || '/'} ${e.message}` : 'invalid';
}

function orderErrors(plan: Plan): string | undefined {
  try {
    orderSteps(plan.steps);
    return undefined;
  } catch (e) {
    if (e instanceof StepOrderError) return e.message;
    throw e;
  }
}
