import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeSteps } from '../../../src/converge/execute';
import type { Plan, PlanStep } from '../../../src/plan/types';
import { StepOrderError } from '../../../src/plan/order';
import { planSchemaErrors } from '../../../src/plan/validate-plan';

const step = (id: string, target: string, after: string[] = [], extra: Partial<PlanStep> = {}): PlanStep => ({ id, action: 'deploy', target, app: id, reasons: [], after, ...extra });

test('dependants of a failed step are skipped with the reason; independent steps still run', async () => {
  const steps = [step('db', 'a'), step('web', 'a', ['db']), step('api', 'b'), step('cache', 'a', [], { held: 'self_heal: false' })];
  const ran: string[] = [];
  const out = await executeSteps(steps, async (s) => {
    ran.push(s.id);
    return s.id === 'db' ? { result: 'failed', message: 'health check failed' } : { result: 'success', message: 'ok' };
  }, { parallelism: 2 });
  assert.deepEqual(Object.fromEntries(out.map((o) => [o.id, [o.result, o.message]])), {
    db: ['failed', 'health check failed'],
    web: ['skipped', 'skipped: db failed'],
    api: ['success', 'ok'],
    cache: ['held', 'self_heal: false'],
  });
  assert.deepEqual(ran.sort(), ['api', 'db']);
});

test('at most `parallelism` steps run at once per target, targets in parallel', async () => {
  const steps = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2'].map((id) => step(id, id[0]));
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  await executeSteps(steps, async (s) => {
    running.set(s.target, (running.get(s.target) ?? 0) + 1);
    peak.set(s.target, Math.max(peak.get(s.target) ?? 0, running.get(s.target)!));
    await new Promise((r) => setTimeout(r, 20));
    running.set(s.target, running.get(s.target)! - 1);
    return { result: 'success', message: '' };
  }, { parallelism: 2 });
  assert.deepEqual(Object.fromEntries(peak), { a: 2, b: 2 });
});

test('a runner that throws counts as a failed step, not a crashed run', async () => {
  const out = await executeSteps([step('x', 'a')], async () => {
    throw new Error('ssh: connection refused');
  }, { parallelism: 1 });
  assert.deepEqual([out[0].result, out[0].message], ['failed', 'ssh: connection refused']);
});

test('a held step (self_heal: false) is report-only: its dependants and independent steps still run', async () => {
  const steps = [step('db', 'a', [], { held: 'self_heal: false: drift is reported, not corrected' }), step('web', 'a', ['db']), step('api', 'b', ['web'])];
  const ran: string[] = [];
  const out = await executeSteps(steps, async (s) => {
    ran.push(s.id);
    return { result: 'success', message: 'ok' };
  }, { parallelism: 1 });
  assert.deepEqual(out.map((o) => [o.id, o.result]), [['db', 'held'], ['web', 'success'], ['api', 'success']]);
  assert.deepEqual(ran, ['web', 'api']);
});

const within = <T>(p: Promise<T>, ms = 2000) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('executeSteps never settled')), ms).unref())]);

test('a saved plan whose `after` links make a cycle or name unknown steps is refused with a typed error, not left pending', async () => {
  const run = async () => ({ result: 'success' as const, message: '' });
  await assert.rejects(within(executeSteps([step('a', 't', ['c']), step('b', 't', ['a']), step('c', 't', ['b']), step('d', 't')], run, { parallelism: 1 })), (e: Error) => e instanceof StepOrderError && e.message === 'dependency cycle among steps: a -> c -> b -> a');
  await assert.rejects(within(executeSteps([step('a', 't', ['ghost'])], run, { parallelism: 1 })), (e: Error) => e instanceof StepOrderError && e.message === 'step a waits for ghost, which is not a step of the plan');
  await assert.rejects(within(executeSteps([step('a', 't'), step('a', 't')], run, { parallelism: 1 })), (e: Error) => e instanceof StepOrderError && e.message === 'two steps have the id a');
});

test('validate-plan refuses the same cycle with the same check', () => {
  const plan: Plan = { schema: 1, project: 'lab', commit: 'a'.repeat(40), from: null, mode: 'first-run', targets: [], observed: {}, summary: { deploy: 2, update: 0, remove: 0, drifted: 0, held: 0, unknownTargets: 0 },
    steps: [step('deploy:t/a', 't', ['deploy:t/b'], { app: 'a', reasons: [{ why: 'new app' }] }), step('deploy:t/b', 't', ['deploy:t/a'], { app: 'b', reasons: [{ why: 'new app' }] })] };
  assert.equal(planSchemaErrors(plan), 'dependency cycle among steps: deploy:t/a -> deploy:t/b -> deploy:t/a');
  plan.steps[0].after = [];
  assert.equal(planSchemaErrors(plan), undefined);
});

test('an onDone that throws is recorded on the outcome and the run still settles', async () => {
  const out = await within(executeSteps([step('a', 't'), step('b', 't', ['a'])], async () => ({ result: 'success', message: 'ok' }), { parallelism: 1, onDone: (o) => {
    if (o.id === 'a') throw new Error('log sink closed');
  } }));
  assert.deepEqual(out.map((o) => [o.id, o.result, o.message]), [['a', 'success', 'ok (reporting the step failed: log sink closed)'], ['b', 'success', 'ok']]);
});

test('a runner that throws synchronously fails its step only', async () => {
  const out = await within(executeSteps([step('a', 't'), step('b', 'u')], ((s: PlanStep) => {
    if (s.id === 'a') throw new Error('bad step');
    return Promise.resolve({ result: 'success' as const, message: 'ok' });
  }), { parallelism: 1 }));
  assert.deepEqual(out.map((o) => [o.id, o.result, o.message]), [['a', 'failed', 'bad step'], ['b', 'success', 'ok']]);
});
