import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml } from '../../support/testenv-project';
import { scratchDir } from '../../support/cleanup';
import { ALICE, convergeOptions, convergeProject, observeAll, removeAll, runConverge } from '../../support/converge-fixture';

const env = loadTestenv()!;
const skip = testenvSkip();
const hashes = (o: Awaited<ReturnType<typeof observeAll>>) =>
  Object.fromEntries(Object.values(o).flatMap((t) => t.apps.map((a) => [a.app, `${t.target}:${a.hash}:${a.status}:${a.containers.length}`])));

test('converge from scratch, then a second run changes nothing; secrets reach the app only', { skip }, async (t) => {
  const p = await convergeProject(env, 'cva');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const first = await runConverge(convergeOptions(env, p));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  assert.deepEqual(first.steps.map((s) => [s.id, s.result]), [
    ['prepare:core', 'success'],
    ['prepare:t1', 'success'],
    ['prepare:t2', 'success'],
    ['deploy:core/web', 'success'],
    ['deploy:t1/api', 'success'],
    ['deploy:t2/worker', 'success'],
  ]);
  assert.equal(first.convergedRef.advanced, true);
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), p.head());
  const seen = await observeAll(env, p);
  assert.deepEqual(Object.keys(hashes(seen)).sort(), ['api', 'web', 'worker']);
  for (const app of Object.values(seen).flatMap((x) => x.apps)) assert.equal(app.status, 'running');

  // The secret is in the container's environment, never in the record.
  const api = seen.t1.apps.find((a) => a.app === 'api')!;
  const tEnv = env.targets.find((x) => x.name === 't1')!;
  const inside = execFileSync('docker', ['-H', tEnv.socket, 'exec', api.containers[0].id, 'env'], { encoding: 'utf8' });
  assert.match(inside, /^API_TOKEN=tok-very-secret-123$/m);
  assert.ok(!JSON.stringify(first).includes('tok-very-secret-123'));
  assert.match(api.containers[0].labels['steward.secrets-hash'], /^hmac-sha256:/);

  const second = await runConverge(convergeOptions(env, p));
  assert.equal(second.result, 'success');
  assert.deepEqual(second.steps, [], 'idempotent: zero steps');
  assert.equal(second.summary, 'nothing to do: in sync');
  assert.deepEqual(hashes(await observeAll(env, p)), hashes(seen));
});

test('a failing app rolls back and keeps serving; independent apps still converge; the ref does not advance', { skip }, async (t) => {
  const p = await convergeProject(env, 'cvb');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  assert.equal((await runConverge(convergeOptions(env, p))).result, 'success');
  const good = p.head();
  const before = hashes(await observeAll(env, p));
  p.commit(
    {
      'services/web/service.yml': serviceYml('core', env.images.broken),
      'services/worker/service.yml': serviceYml('t2', env.images.v2),
    },
    'break web, upgrade worker',
  );
  const r = await runConverge(convergeOptions(env, p));
  assert.equal(r.result, 'failure');
  const res = Object.fromEntries(r.steps.map((s) => [s.id, s.result]));
  assert.equal(res['update:core/web'], 'rolled-back');
  assert.equal(res['update:t2/worker'], 'success');
  assert.match(r.errors.map((e) => e.message).join('\n'), /update:core\/web: .*rolled back to the previous release \(serving\)/);
  assert.equal(r.convergedRef.advanced, false);
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), good);
  const after = hashes(await observeAll(env, p));
  assert.equal(after.web, before.web, 'web still runs the previous version');
  assert.notEqual(after.worker, before.worker);

  // The next run redoes only what failed.
  const again = await runConverge(convergeOptions(env, p));
  assert.deepEqual(again.steps.filter((s) => s.action !== 'prepare').map((s) => s.id), ['update:core/web']);
});

test('drift is corrected; with self_heal: false it is only reported', { skip }, async (t) => {
  const p = await convergeProject(env, 'cvc');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  assert.equal((await runConverge(convergeOptions(env, p))).result, 'success');
  const stop = () => execFileSync('docker', ['-H', env.localDockerHost, 'compose', '-p', 'cvc-web', 'stop'], { stdio: 'pipe' });
  stop();
  let r = await runConverge(convergeOptions(env, p));
  assert.equal(r.result, 'success');
  assert.equal(r.drift.found, 1);
  assert.equal(r.drift.corrected, 1);
  assert.match(r.drift.items[0].drift, /^container stopped/);
  assert.equal((await observeAll(env, p)).core.apps[0].status, 'running');

  p.commit({ 'project.yml': 'name: cvc\ndomain: cvc.test\nconverge: { health_timeout: 20s, self_heal: false, lock_timeout: 1s }\n' }, 'report drift only');
  stop();
  r = await runConverge(convergeOptions(env, p));
  assert.equal(r.drift.found, 1);
  assert.equal(r.drift.corrected, 0);
  assert.deepEqual(r.steps.map((s) => [s.id, s.result]), [['update:core/web', 'held']]);
  assert.equal((await observeAll(env, p)).core.apps[0].status, 'stopped');
});

test('two converges at once: one applies, the other skips naming the holder', { skip }, async (t) => {
  const p = await convergeProject(env, 'cvd');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const stateDir = scratchDir('steward-state-');
  const [a, b] = await Promise.all([
    runConverge(convergeOptions(env, p, { stateDir, runId: 'run-a', lockWaitMs: 0 })),
    runConverge(convergeOptions(env, p, { stateDir, runId: 'run-b', lockWaitMs: 0 })),
  ]);
  const results = [a.result, b.result].sort();
  assert.deepEqual(results, ['skipped', 'success']);
  const skipped = a.result === 'skipped' ? a : b;
  assert.match(skipped.summary, /^skipped: another run holds the lock since \S+ \(run run-[ab]\)$/);
  const seen = await observeAll(env, p);
  for (const app of Object.values(seen).flatMap((x) => x.apps)) assert.equal(app.containers.length, 1, 'nothing applied twice');
});

test('SIGKILL in the middle of a converge, then a re-run: converged, nothing lost or duplicated', { skip }, async (t) => {
  const p = await convergeProject(env, 'cve');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const stateDir = scratchDir('steward-state-');
  const cli = new URL('../../../src/cli/index.ts', import.meta.url).pathname;
  // The killed run cannot remove its temp dirs (ssh control dir, compose stage): give it its own.
  const childTmp = scratchDir('steward-killed-');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'converge', '--project', p.dir], {
    env: { ...process.env, TMPDIR: childTmp, STEWARD_AGE_KEY: ALICE, STEWARD_STATE_DIR: stateDir, STEWARD_SSH_KEY: env.sshKey, STEWARD_KNOWN_HOSTS: env.knownHosts, DOCKER_HOST: env.localDockerHost },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Its SSH control masters outlive it (ControlPersist): end them through their sockets.
    for (const dir of readdirSync(childTmp).filter((d) => d.startsWith('stw-ssh-'))) {
      for (const sock of readdirSync(join(childTmp, dir)).filter((f) => f.startsWith('cm-'))) {
        try {
          execFileSync('ssh', ['-S', join(childTmp, dir, sock), '-O', 'exit', 'steward-killed-run'], { stdio: 'ignore', timeout: 5000 });
        } catch {
          /* the master had already gone */
        }
      }
    }
  });
  let log = '';
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d) => {
      log += d;
      // Kill once the first app is up and the rest are under way.
      if (/^ok +deploy +/m.test(log) && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => resolve());
  });
  assert.ok(child.killed, `the run ended before it could be killed:\n${log}`);
  assert.ok(readFileSync(join(stateDir, 'cve.lock'), 'utf8').includes('"pid"'), 'the killed run left its lock behind');

  const r = await runConverge(convergeOptions(env, p, { stateDir, lockWaitMs: 2000 }));
  assert.equal(r.result, 'success', JSON.stringify(r.errors));
  const seen = await observeAll(env, p);
  const apps = Object.values(seen).flatMap((x) => x.apps);
  assert.deepEqual(apps.map((a) => a.app).sort(), ['api', 'web', 'worker']);
  for (const a of apps) {
    assert.equal(a.status, 'running');
    assert.equal(a.containers.length, 1);
  }
  assert.equal((await runConverge(convergeOptions(env, p, { stateDir }))).steps.length, 0);
});

test('a saved plan is applied exactly; refused when made for another commit, when targets moved, or when not a plan', { skip }, async (t) => {
  const { runPlan } = await import('../../../src/plan/run-plan');
  const { savePlan } = await import('../../../src/plan/save');
  const { testenvTargetFactory } = await import('../../support/testenv-project');
  const { writeFileSync } = await import('node:fs');
  const p = await convergeProject(env, 'cvf');
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const planFile = join(p.dir, '.steward/plan.json');
  const plan = async () => {
    const run = await runPlan({ projectDir: p.dir, createTarget: testenvTargetFactory(env) });
    savePlan(run.plan, run.markdown, planFile);
    return run.plan;
  };
  const saved = await plan();
  const r = await runConverge(convergeOptions(env, p, { planPath: planFile }));
  assert.equal(r.result, 'success', JSON.stringify(r.errors));
  assert.deepEqual(r.steps.map((s) => s.id), saved.steps.map((s) => s.id));

  await plan();
  p.commit({ 'services/worker/service.yml': serviceYml('t2', env.images.v2) }, 'worker v2');
  let refused = await runConverge(convergeOptions(env, p, { planPath: planFile }));
  assert.equal(refused.result, 'failure');
  assert.match(refused.errors[0].message, /^refusing the saved plan: it was made for commit [0-9a-f]{7}, but HEAD is [0-9a-f]{7}; plan again$/);

  await plan();
  execFileSync('docker', ['-H', env.localDockerHost, 'compose', '-p', 'cvf-web', 'stop'], { stdio: 'pipe' });
  refused = await runConverge(convergeOptions(env, p, { planPath: planFile }));
  assert.match(refused.errors[0].message, /^refusing the saved plan: target core changed since the plan was made; plan again$/);

  writeFileSync(planFile, JSON.stringify({ schema: 1, steps: 'all of them' }));
  refused = await runConverge(convergeOptions(env, p, { planPath: planFile }));
  assert.match(refused.errors[0].message, /^refusing the saved plan: not a valid Steward plan\.json \(/);
});
