import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeSteps } from '../../../src/converge/execute';
import type { PlanStep } from '../../../src/plan/types';

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
