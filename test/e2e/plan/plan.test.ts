import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan } from '../../../src/plan/run-plan';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import { toDeployable } from '../../../src/converge/deployable';
import { GitProject } from '../../support/git-project';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { removeProjectNetworks, serviceYml, testenvNetwork, testenvTargetFactory } from '../../support/testenv-project';
import { execFileSync } from 'node:child_process';

const env = loadTestenv();
const skip = testenvSkip();

test('plan against real targets: first run, converged, a change, drift, unreachable', { skip }, async () => {
  const createTarget = testenvTargetFactory(env!);
  const p = new GitProject({
    'project.yml': 'name: pe2e\ndomain: pe2e.test\nconverge: { health_timeout: 30s }\n',
    'network.yml': testenvNetwork(env!),
    'services/web/service.yml': serviceYml('core', env!.images.v1),
    'services/api/service.yml': serviceYml('t1', env!.images.v1, 'depends_on: [web]\n'),
  });
  const cleanup = async () => {
    for (const [t, app] of [['core', 'web'], ['t1', 'api']]) {
      const target = createTarget(loadProject(p.dir).network.targets[t]);
      await target.remove({ project: 'pe2e', app }).catch(() => {});
      await target.close();
    }
    await removeProjectNetworks(env!, 'pe2e');
    p.cleanup();
  };
  after(cleanup);

  // 1. First run: both apps to deploy, dependency first.
  let run = await runPlan({ projectDir: p.dir, createTarget });
  assert.equal(run.exitCode, 2);
  assert.deepEqual(run.plan.steps.map((s) => s.id), ['prepare:core', 'prepare:t1', 'deploy:core/web', 'deploy:t1/api']);
  assert.deepEqual(run.plan.steps[3].after, ['deploy:core/web', 'prepare:t1']);

  // Apply what was planned with the driver, then record the converged commit.
  const project = loadProject(p.dir);
  const rendered = renderProject(project);
  for (const step of run.plan.steps) {
    const target = createTarget(project.network.targets[step.target]);
    try {
      if (step.action === 'prepare') assert.ok((await target.prepare('pe2e')).ok);
      else {
        const r = await target.apply(toDeployable(project, rendered, rendered.manifest.apps.find((a) => a.name === step.app)!));
        assert.ok(r.ok, r.message);
      }
    } finally {
      await target.close();
    }
  }
  p.markConverged();

  // 2. Converged: nothing to do.
  run = await runPlan({ projectDir: p.dir, createTarget });
  assert.equal(run.exitCode, 0, run.markdown);
  assert.match(run.markdown, /\*\*0 to deploy, 0 to update, 0 to remove, 0 drifted\*\*/);

  // 3. A commit changes api: one update, attributed, with the compose diff.
  const sha = p.commit({ 'services/api/service.yml': serviceYml('t1', env!.images.v2, 'depends_on: [web]\n') }, 'api v2');
  run = await runPlan({ projectDir: p.dir, createTarget });
  assert.equal(run.exitCode, 2);
  assert.deepEqual(run.plan.steps.map((s) => s.id), ['prepare:t1', 'update:t1/api']);
  assert.deepEqual(run.plan.steps[1].reasons, [{ commit: sha.slice(0, 7), file: 'services/api/service.yml', why: 'service.yml changed' }]);
  assert.match(run.markdown, /^-    image: "?10\.231\.77\.1:5311\/steward-test\/web:1"?$/m);
  assert.match(run.markdown, /^\+    image: "?10\.231\.77\.1:5311\/steward-test\/web:2"?$/m);

  // 4. Drift without a commit: web stopped by hand on the local engine.
  p.git('reset', '-q', '--hard', 'HEAD~1');
  execFileSync('docker', ['-H', env!.localDockerHost, 'compose', '-p', 'pe2e-web', 'stop'], { stdio: 'pipe' });
  run = await runPlan({ projectDir: p.dir, createTarget });
  assert.equal(run.exitCode, 2);
  assert.deepEqual(run.plan.steps.map((s) => s.id), ['prepare:core', 'update:core/web']);
  assert.match(run.plan.steps[1].drift!, /^container stopped/);
  assert.match(run.markdown, /update ⚠ drift \| `web` \| drift: container stopped/);

  // 5. An unreachable target: the others are still planned; exit 1 names it.
  p.commit({ 'network.yml': testenvNetwork(env!, '  gone: { address: 10.231.77.99, dir: /tmp/steward-gone }\n') }, 'add a dead target');
  run = await runPlan({ projectDir: p.dir, createTarget: testenvTargetFactory(env!, { connectTimeoutMs: 2000, commandTimeoutMs: 8000 }) });
  assert.equal(run.exitCode, 1);
  assert.deepEqual(run.plan.targets.map((t) => [t.name, t.status]).find(([n]) => n === 'gone'), ['gone', 'unknown']);
  assert.match(run.errors[0], /^target gone could not be observed: .*10\.231\.77\.99/);
  assert.ok(run.plan.steps.some((s) => s.id === 'update:core/web'), 'the other targets are still planned');
});
