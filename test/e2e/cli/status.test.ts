import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { convergeOptions, convergeProject, observeAll, removeAll, runConverge } from '../../support/converge-fixture';
import { cli } from '../../unit/cli/run-cli';

const env = loadTestenv()!;
const skip = testenvSkip();

test('status on the real test environment: in sync after converge, drifted (exit 2) after a container is stopped by hand, exit 1 when targets cannot be reached', { skip, timeout: 240_000 }, async (t) => {
  const p = await convergeProject(env, 'stwcli-status');
  const tmp = mkdtempSync(join(tmpdir(), 'steward-status-'));
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });
  const first = await runConverge(convergeOptions(env, p));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  const head = p.head();

  // known_hosts as content, as an action secret or `ssh-keyscan` output gives it.
  const cliEnv = { DOCKER_HOST: env.localDockerHost, STEWARD_SSH_KEY: env.sshKey, STEWARD_KNOWN_HOSTS: readFileSync(env.knownHosts, 'utf8'), HOME: tmp };
  const inSync = await cli(['status'], p.dir, cliEnv);
  assert.equal(inSync.code, 0, inSync.out + inSync.err);
  const lines = inSync.out.trimEnd().split('\n');
  assert.equal(lines[0], `project stwcli-status, converged: ${head.slice(0, 12)} (HEAD), local ref`);
  assert.match(lines[2], /^TARGET +APP +DESIRED +RUNNING +HEALTH +SYNC$/);
  const image = env.images.v1;
  for (const [target, app] of [['core', 'web'], ['t1', 'api'], ['t2', 'worker']]) {
    assert.match(inSync.out, new RegExp(`^${target} +${app} +[0-9a-f]{8} ${image.replace(/[.:/]/g, '\\$&')} +[0-9a-f]{8} ${image.replace(/[.:/]/g, '\\$&')} +running +in sync$`, 'm'));
  }
  assert.equal(lines[lines.length - 1], '3 in sync, 0 drifted (3 of 3 targets reached)');
  const json = JSON.parse((await cli(['status', '--json'], p.dir, cliEnv)).out);
  assert.equal(json.exitCode, 0);
  assert.equal(json.rows.length, 3);

  // Stopped by hand: drift, exit 2; the other apps stay in sync.
  const web = (await observeAll(env, p)).core.apps.find((a) => a.app === 'web')!;
  execFileSync('docker', ['-H', env.localDockerHost, 'stop', '-t', '1', web.containers[0].id]);
  const drifted = await cli(['status'], p.dir, cliEnv);
  assert.equal(drifted.code, 2, drifted.out + drifted.err);
  assert.match(drifted.out, /^core +web +[0-9a-f]{8} \S+ +[0-9a-f]{8} \S+ +stopped +drift: container stopped$/m);
  assert.match(drifted.out, /^2 in sync, 1 drifted \(3 of 3 targets reached\)$/m);

  // An empty known_hosts: the SSH targets cannot be reached, and the error says how to fix it.
  const empty = join(tmp, 'known_hosts');
  writeFileSync(empty, '');
  const down = await cli(['status'], p.dir, { ...cliEnv, STEWARD_KNOWN_HOSTS: empty });
  assert.equal(down.code, 1, down.out + down.err);
  for (const target of env.targets) {
    assert.match(down.out, new RegExp(`^${target.name} +\\S+ +[0-9a-f]{8} \\S+ +- +unknown +unknown$`, 'm'));
    assert.ok(
      down.out.includes(
        `unreachable: target ${target.name}: root@${target.address}:${target.port}: host key unknown: ${target.address} is not in the known_hosts given by STEWARD_KNOWN_HOSTS; add the line(s) that \`ssh-keyscan -p ${target.port} ${target.address}\` prints (after checking the key out of band) to STEWARD_KNOWN_HOSTS`,
      ),
      down.out,
    );
  }
  assert.match(down.out, /\(1 of 3 targets reached\)$/m);
});
