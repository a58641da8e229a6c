import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepLineFormatter } from '../../../src/converge/step-line';
import type { StepOutcome } from '../../../src/converge/execute';
import type { PlanStep } from '../../../src/plan/types';

const steps: PlanStep[] = [
  { id: 'prepare:t1', action: 'prepare', target: 't1', reasons: [], after: [] },
  { id: 'update:t1/web', action: 'update', target: 't1', app: 'web', reasons: [], after: [] },
  { id: 'deploy:core/grafana', action: 'deploy', target: 'core', app: 'grafana', reasons: [], after: [] },
  { id: 'remove-leftover:core/stray-1', action: 'remove-leftover', target: 'core', container: 'stray-1', containers: ['a'.repeat(64)], reasons: [], after: [] },
];
const out = (s: PlanStep, result: StepOutcome['result'], durationMs: number, message = ''): StepOutcome => ({ id: s.id, action: s.action, target: s.target, app: s.app, result, message, durationMs });

test('one line per finished step, in columns; what went wrong after the time', () => {
  const line = stepLineFormatter(steps, { colour: false });
  assert.equal(line(out(steps[1], 'success', 2345)), 'ok    update            web       @t1     2.3 s');
  assert.equal(line(out(steps[0], 'success', 80)), 'ok    prepare           -         @t1     0.1 s');
  assert.equal(line(out(steps[3], 'success', 300)), 'ok    remove-leftover   stray-1   @core   0.3 s');
  assert.equal(
    line(out(steps[2], 'rolled-back', 20_012, 'not healthy; token hunter2'), (s) => s.replace('hunter2', '***')),
    'BACK  deploy            grafana   @core   20.0 s   not healthy; token ***',
  );
  assert.equal(line(out(steps[1], 'skipped', 0, 'skipped: deploy:core/grafana rolled-back')), 'SKIP  update            web       @t1     0.0 s   skipped: deploy:core/grafana rolled-back');
});

test('colour only when asked, on the result word alone', () => {
  assert.equal(stepLineFormatter(steps, { colour: true })(out(steps[1], 'success', 2345)), '\x1b[32mok    \x1b[0mupdate            web       @t1     2.3 s');
  assert.equal(stepLineFormatter(steps, { colour: true })(out(steps[1], 'failed', 1000, 'x')), '\x1b[31mFAIL  \x1b[0mupdate            web       @t1     1.0 s   x');
  assert.ok(!stepLineFormatter(steps, { colour: false })(out(steps[1], 'failed', 1000, 'x')).includes('\x1b'));
});
