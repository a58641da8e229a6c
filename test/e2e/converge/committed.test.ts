import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRender } from '../../../src/render/run-render';
import { runPlan } from '../../../src/plan/run-plan';
import { DirtyTreeError } from '../../../src/plan/committed';
import { GitProject } from '../../support/git-project';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork, testenvTargetFactory } from '../../support/testenv-project';
import { convergeOptions, observeAll, removeAll, runConverge } from '../../support/converge-fixture';

const env = loadTestenv()!;
const skip = testenvSkip();

test('plan and converge deploy what is committed: a dirty tree is refused naming the files; --allow-dirty applies it and keeps the converged ref', { skip }, async (t) => {
  const p = new GitProject({
    'project.yml': 'name: cmt\ndomain: cmt.test\nconverge: { health_timeout: 20s, lock_timeout: 1s }\n',
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1),
  });
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const first = await runConverge(convergeOptions(env, p));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  const good = p.head();
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), good);
  const deployed = (await observeAll(env, p)).core.apps[0].hash;

  // An edit and a new file, rendered but not committed; a plan file in .steward/ is not project input.
  p.write({ 'services/web/service.yml': serviceYml('core', env.images.v2), 'services/web/files/extra.conf': 'x\n', '.steward/plan.json': '{}' });
  runRender(p.dir);

  const refused = await runConverge(convergeOptions(env, p));
  assert.equal(refused.result, 'failure');
  assert.match(refused.errors[0].message, /has changes that are not committed: .*services\/web\/files\/extra\.conf \(untracked\), .*services\/web\/service\.yml \(modified\)/);
  assert.ok(!refused.errors[0].message.includes('.steward'), refused.errors[0].message);
  assert.equal(refused.errors[0].stage, 'plan');
  assert.deepEqual(refused.steps, []);
  assert.equal((await observeAll(env, p)).core.apps[0].hash, deployed, 'nothing was applied');
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), good);

  await assert.rejects(runPlan({ projectDir: p.dir, createTarget: testenvTargetFactory(env) }), (e: Error) => e instanceof DirtyTreeError && /services\/web\/service\.yml \(modified\)/.test(e.message));
  const dirtyPlan = await runPlan({ projectDir: p.dir, createTarget: testenvTargetFactory(env), allowDirty: true });
  assert.ok(dirtyPlan.plan.dirty?.some((f) => f.startsWith('services/web/service.yml')));
  assert.match(dirtyPlan.markdown, /\*\*Not committed\*\* \(planned with --allow-dirty\)/);

  const tried = await runConverge(convergeOptions(env, p, { allowDirty: true }));
  assert.equal(tried.result, 'success', JSON.stringify(tried.errors));
  assert.notEqual((await observeAll(env, p)).core.apps[0].hash, deployed, 'the experiment was applied');
  assert.equal(tried.convergedRef.advanced, false);
  assert.match(tried.convergedRef.reason!, /^applied files not committed at [0-9a-f]{7} \(--allow-dirty\): .*services\/web\/service\.yml \(modified\)/);
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), good, 'no converged ref for content not in a commit');

  // Once committed, the same content converges and the ref moves.
  const committed = p.commit({ '.steward': null }, 'web v2');
  const r = await runConverge(convergeOptions(env, p));
  assert.equal(r.result, 'success', JSON.stringify(r.errors));
  assert.equal(r.convergedRef.advanced, true);
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), committed);
});
