import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runPlan } from '../../../src/plan/run-plan';
import { savePlan } from '../../../src/plan/save';
import type { TargetFactory } from '../../../src/targets/target';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvTargetFactory } from '../../support/testenv-project';
import { convergeOptions, convergeProject, removeAll, runConverge } from '../../support/converge-fixture';

const env = loadTestenv()!;
const skip = testenvSkip();

/** The testenv factory, counting the targets (and so the SSH connections) each run opens. */
function counting(): { factory: TargetFactory; created: string[] } {
  const base = testenvTargetFactory(env);
  const created: string[] = [];
  return { created, factory: (spec, runtime) => (created.push(spec.name), base(spec, runtime)) };
}

test('a converge opens each target once: plan, prepare and apply share it; a saved plan too', { skip }, async (t) => {
  const p = await convergeProject(env, 'one');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  let c = counting();
  const first = await runConverge(convergeOptions(env, p, { createTarget: c.factory }));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  assert.deepEqual(first.steps.filter((s) => s.action === 'prepare').length, 3, 'every target was observed, prepared and applied');
  assert.deepEqual(c.created.sort(), ['core', 't1', 't2']);

  p.commit({ 'services/worker/service.yml': serviceYml('t2', env.images.v2) }, 'worker v2');
  const planFile = join(p.dir, '.steward/plan.json');
  const run = await runPlan({ projectDir: p.dir, createTarget: testenvTargetFactory(env) });
  savePlan(run.plan, run.markdown, planFile);
  c = counting();
  const saved = await runConverge(convergeOptions(env, p, { createTarget: c.factory, planPath: planFile }));
  assert.equal(saved.result, 'success', JSON.stringify(saved.errors));
  assert.deepEqual(c.created.sort(), ['core', 't1', 't2'], 'the saved plan is checked on every target at once, then applied on the same');
});
