import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSopsFile } from '../../../src/secrets';
import { GitProject } from '../../support/git-project';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork } from '../../support/testenv-project';
import { ALICE_RECIPIENT, convergeOptions, observeAll, removeAll, runConverge } from '../../support/converge-fixture';

const env = loadTestenv()!;
const skip = testenvSkip();

test('leftovers are removed by container id: an impersonator of a real app goes, the real app stays untouched with its dir and secrets', { skip }, async (t) => {
  const p = new GitProject({
    'project.yml': 'name: lft\ndomain: lft.test\nconverge: { health_timeout: 20s, lock_timeout: 1s }\n',
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1, 'secrets: [API_TOKEN]\n'),
    'secrets/app.sops.yaml': await createSopsFile({ API_TOKEN: 'lft-secret-value' }, { file: 'secrets/app.sops.yaml', recipients: [ALICE_RECIPIENT] }),
  });
  const docker = (...args: string[]) => execFileSync('docker', ['-H', env.localDockerHost, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const strays = ['lft-impostor', 'lft-nolabel'];
  t.after(async () => {
    for (const s of strays) execFileSync('docker', ['-H', env.localDockerHost, 'rm', '-f', s], { stdio: 'ignore' });
    await removeAll(env, p);
    p.cleanup();
  });
  assert.equal((await runConverge(convergeOptions(env, p))).result, 'success');
  const web = (await observeAll(env, p)).core.apps[0];
  const appDir = join(env.localDir, 'lft', 'web');
  const secretsPath = () => execFileSync('sh', ['-c', `ls -d ${appDir}/current/secrets.env ${appDir}/secrets.env 2>/dev/null | head -n 1`], { encoding: 'utf8' }).trim();
  const secretsBefore = readFileSync(secretsPath(), 'utf8');
  assert.match(secretsBefore, /lft-secret-value/);

  // Started by hand outside compose project lft-web: one claims to be web, one claims no app.
  docker('run', '-d', '--name', strays[0], '--label', 'steward.project=lft', '--label', 'steward.app=web', env.images.v1);
  docker('run', '-d', '--name', strays[1], '--label', 'steward.project=lft', env.images.v1);
  const ids = strays.map((s) => docker('inspect', '--format', '{{.Id}}', s));

  const r = await runConverge(convergeOptions(env, p));
  assert.equal(r.result, 'success', JSON.stringify(r.errors));
  assert.deepEqual(r.steps.map((s) => [s.id, s.action, s.app, s.result]), [
    [`remove-leftover:core/${strays[0]}`, 'remove-leftover', undefined, 'success'],
    [`remove-leftover:core/${strays[1]}`, 'remove-leftover', undefined, 'success'],
  ]);
  assert.deepEqual(r.drift.items.map((d) => [d.container, d.corrected]), [[strays[0], true], [strays[1], true]]);
  assert.equal(r.drift.corrected, 2);
  for (const id of ids) assert.equal(docker('ps', '-aq', '--no-trunc', '--filter', `id=${id}`), '', `container ${id.slice(0, 12)} is gone`);

  const after = (await observeAll(env, p)).core;
  assert.deepEqual(after.leftovers, []);
  assert.deepEqual(after.apps.map((a) => [a.app, a.status, a.containers.map((c) => c.id)]), [['web', 'running', web.containers.map((c) => c.id)]], 'the real web is the same container, running');
  assert.ok(existsSync(appDir));
  assert.equal(readFileSync(secretsPath(), 'utf8'), secretsBefore, 'its secrets are intact');

  const again = await runConverge(convergeOptions(env, p));
  assert.deepEqual(again.steps, [], 'nothing left to correct');
});
