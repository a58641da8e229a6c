import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { createSopsFile } from '../../../src/secrets';
import { GitProject } from '../../support/git-project';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork } from '../../support/testenv-project';
import { ALICE_RECIPIENT, convergeOptions, observeAll, removeAll, runConverge } from '../../support/converge-fixture';

const env = loadTestenv()!;
const skip = testenvSkip();
const FILES = 'files: [ { source: files/motd.txt, path: /etc/motd.txt } ]\nsecrets: [API_TOKEN]\n';
const secrets = (value: string) => createSopsFile({ API_TOKEN: value }, { file: 'secrets/app.sops.yaml', recipients: [ALICE_RECIPIENT] });

test('a failed release rolls back to the current one: old image, old mounted file, old secret value (local and SSH target)', { skip }, async (t) => {
  const p = new GitProject({
    'project.yml': 'name: rel\ndomain: rel.test\nconverge: { health_timeout: 15s, parallelism: 2, lock_timeout: 1s }\n',
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1, FILES),
    'services/web/files/motd.txt': 'motd one\n',
    'services/api/service.yml': serviceYml('t1', env.images.v1, FILES),
    'services/api/files/motd.txt': 'motd one\n',
    'secrets/app.sops.yaml': await secrets('old-secret-value'),
  });
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const t1 = env.targets.find((x) => x.name === 't1')!;
  const where = { web: { host: env.localDockerHost, dir: `${env.localDir}/rel/web` }, api: { host: t1.socket, dir: `${t1.dir}/rel/api` } };
  const inside = async (app: 'web' | 'api') => {
    const o = await observeAll(env, p);
    const a = Object.values(o).flatMap((x) => x.apps).find((x) => x.app === app)!;
    const exec = (...cmd: string[]) => execFileSync('docker', ['-H', where[app].host, 'exec', a.containers[0].id, ...cmd], { encoding: 'utf8' });
    return { hash: a.hash, motd: exec('cat', '/etc/motd.txt'), token: /^API_TOKEN=(.*)$/m.exec(exec('env'))?.[1] };
  };
  const current = (app: 'web' | 'api') => readlinkSync(`${where[app].dir}/current`);

  const first = await runConverge(convergeOptions(env, p));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  const good = { web: await inside('web'), api: await inside('api') };
  const releases = { web: current('web'), api: current('api') };
  for (const app of ['web', 'api'] as const) assert.deepEqual({ ...good[app], hash: undefined }, { hash: undefined, motd: 'motd one\n', token: 'old-secret-value' });

  const goodCommit = p.head();
  p.commit(
    {
      'services/web/service.yml': serviceYml('core', env.images.broken, FILES),
      'services/web/files/motd.txt': 'motd two\n',
      'services/api/service.yml': serviceYml('t1', env.images.broken, FILES),
      'services/api/files/motd.txt': 'motd two\n',
      'secrets/app.sops.yaml': await secrets('new-secret-value'),
    },
    'broken image, new file, rotated secret',
  );
  const r = await runConverge(convergeOptions(env, p));
  assert.equal(r.result, 'failure');
  assert.deepEqual(r.steps.filter((s) => s.action !== 'prepare').map((s) => [s.id, s.result]), [['update:core/web', 'rolled-back'], ['update:t1/api', 'rolled-back']]);
  for (const s of r.steps.filter((x) => x.action !== 'prepare')) assert.match(s.message, /rolled back to the previous release \(serving\)$/);
  for (const app of ['web', 'api'] as const) {
    assert.deepEqual(await inside(app), good[app], `${app}: the old release serves with its own file and secret`);
    assert.equal(current(app), releases[app], `${app}: current still points at the healthy release`);
    assert.equal(readdirSync(`${where[app].dir}/releases`).length, 2, `${app}: the failed release sits beside it`);
  }
  assert.ok(!JSON.stringify(r).includes('secret-value'));

  // Reverting in git makes the desired state the running one: in sync, and truly so.
  p.git('revert', '--no-edit', 'HEAD');
  assert.equal(p.git('diff', goodCommit, 'HEAD', '--stat'), '');
  const again = await runConverge(convergeOptions(env, p));
  assert.equal(again.result, 'success', JSON.stringify(again.errors));
  assert.deepEqual(again.steps, []);
  for (const app of ['web', 'api'] as const) assert.deepEqual(await inside(app), good[app]);
});

test('observe verifies the release on disk in its one round trip: a mounted file edited on the host is drift, and converge heals it', { skip }, async (t) => {
  const { runPlan } = await import('../../../src/plan/run-plan');
  const { testenvTargetFactory } = await import('../../support/testenv-project');
  const { writeFileSync } = await import('node:fs');
  const p = new GitProject({
    'project.yml': 'name: rev\ndomain: rev.test\nconverge: { health_timeout: 15s, lock_timeout: 1s }\n',
    'network.yml': testenvNetwork(env),
    'services/api/service.yml': serviceYml('t1', env.images.v1, FILES),
    'services/api/files/motd.txt': 'motd from git\n',
    'secrets/app.sops.yaml': await secrets('rev-secret'),
  });
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
  });
  const t1 = env.targets.find((x) => x.name === 't1')!;
  const dir = `${t1.dir}/rev/api`;
  const motd = async () => {
    const a = (await observeAll(env, p)).t1.apps[0];
    return execFileSync('docker', ['-H', t1.socket, 'exec', a.containers[0].id, 'cat', '/etc/motd.txt'], { encoding: 'utf8' });
  };
  assert.equal((await runConverge(convergeOptions(env, p))).result, 'success');
  const seen = await observeAll(env, p);
  assert.equal(seen.t1.roundTrips, 1);
  assert.deepEqual(seen.t1.apps[0].release, { id: readlinkSync(`${dir}/current`).replace('releases/', ''), hash: seen.t1.apps[0].hash, changed: [] });

  writeFileSync(`${dir}/current/files/motd.txt`, 'edited by hand\n');
  assert.equal(await motd(), 'edited by hand\n');
  const plan = await runPlan({ projectDir: p.dir, createTarget: testenvTargetFactory(env) });
  const step = plan.plan.steps.find((s) => s.app === 'api')!;
  assert.equal(step.id, 'update:t1/api');
  assert.match(step.drift!, /^files\/ of release \S+ differ from what was deployed \(edited on the host\)$/);
  assert.match(plan.markdown, /update ⚠ drift/);

  const r = await runConverge(convergeOptions(env, p));
  assert.equal(r.result, 'success', JSON.stringify(r.errors));
  assert.deepEqual([r.drift.found, r.drift.corrected], [1, 1]);
  assert.equal(await motd(), 'motd from git\n');
  assert.deepEqual((await observeAll(env, p)).t1.apps[0].release?.changed, []);
  assert.deepEqual((await runConverge(convergeOptions(env, p))).steps, []);
});
