import { test } from 'node:test';
import assert from 'node:assert/strict';
import { condition, evaluate, interpolate } from './expressions';

test('the expression subset the workflows use evaluates as Forgejo does', () => {
  const ctx = { inputs: { mode: 'plan', observe: '', 'dry-run': true }, steps: { diff: { outputs: { 'skipped-reason': '' } } }, github: { event_name: 'push' } };
  assert.equal(evaluate("inputs.observe || (inputs.mode == 'plan' && 'false' || 'true')", ctx), 'false');
  assert.equal(evaluate("inputs.observe || (inputs.mode == 'converge' && 'false' || 'true')", ctx), 'true');
  assert.equal(evaluate('inputs.dry-run == true', ctx), true);
  assert.equal(evaluate('inputs.full == true', ctx), false);
  assert.equal(evaluate("steps.diff.outputs.skipped-reason == '' || github.event_name != 'push'", ctx), true);
  assert.equal(interpolate('a ${{ inputs.mode }} b ${{ inputs.none }}.', ctx), 'a plan b .');
  assert.equal(condition('always()', { status: 'failure' }), true);
  assert.equal(condition("inputs.mode == 'plan'", { ...ctx, status: 'failure' }), false);
  assert.equal(condition(undefined, {}), true);
});
