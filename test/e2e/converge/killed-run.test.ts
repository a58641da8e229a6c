import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSopsFile } from '../../../src/secrets';
import { GitProject } from '../../support/git-project';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork } from '../../support/testenv-project';
import { ALICE, ALICE_RECIPIENT, convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';

const env = loadTestenv()!;
const skip = testenvSkip();

/** Files under `dir` (not following links) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string, depth = 6): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory() && depth > 0) out.push(...filesContaining(p, needle, depth - 1));
    else if (st.isFile() && st.size < 1 << 20) {
      try {
        if (readFileSync(p).includes(needle)) out.push(p);
      } catch {
        /* not ours to read */
      }
    }
  }
  return out;
}

test('a converge killed mid-apply leaves its plaintext only in its run dir, and the next converge clears it: nothing under /tmp or the state dir', { skip }, async (t) => {
  const secret = `kill-secret-${Math.random().toString(36).slice(2, 10)}`;
  const p = new GitProject({
    'project.yml': 'name: kil\ndomain: kil.test\nconverge: { health_timeout: 20s, parallelism: 2, lock_timeout: 1s }\n',
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1, 'secrets: [API_TOKEN]\n'),
    'services/api/service.yml': serviceYml('t1', env.images.v1, 'secrets: [API_TOKEN]\n'),
    'secrets/app.sops.yaml': await createSopsFile({ API_TOKEN: secret }, { file: 'secrets/app.sops.yaml', recipients: [ALICE_RECIPIENT] }),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-state-'));
  const key = readFileSync(env.sshKey, 'utf8');
  const keyLine = key.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
  const cli = new URL('../../../src/cli/index.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'converge', '--project', p.dir], {
    // The key as content, as from an action secret: the driver writes a copy of it.
    env: { ...process.env, STEWARD_AGE_KEY: ALICE, STEWARD_STATE_DIR: stateDir, STEWARD_SSH_KEY: key, STEWARD_KNOWN_HOSTS: env.knownHosts, DOCKER_HOST: env.localDockerHost, STEWARD_RUN_ID: 'killed-run' },
    stdio: 'ignore',
  });
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await removeAll(env, p);
    p.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Kill once compose is being handed a plaintext env file.
  const found = await new Promise<boolean>((resolve) => {
    const poll = setInterval(() => {
      if (filesContaining(join(stateDir, 'run'), secret).length) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve(true);
      }
    }, 10);
    void exited.then(() => {
      clearInterval(poll);
      resolve(false);
    });
  });
  assert.ok(found, 'the run ended before it wrote an env file');
  await exited;
  const left = filesContaining(stateDir, secret);
  assert.ok(left.length > 0 && left.every((f) => f.startsWith(join(stateDir, 'run', 'killed-run') + '/')), `the killed run left plaintext in its run dir only: ${left}`);
  assert.ok(filesContaining(stateDir, keyLine).some((f) => /\/run\/killed-run\/ssh-[^/]+\/id$/.test(f)), 'the key copy sits in the run dir');

  const r = await runConverge(convergeOptions(env, p, { stateDir, lockWaitMs: 5000 }));
  assert.equal(r.result, 'success', JSON.stringify(r.errors));
  assert.deepEqual(readdirSync(join(stateDir, 'run')), [], 'the dead run dir is cleared, and this run removed its own');
  assert.deepEqual(filesContaining(stateDir, secret), []);
  assert.deepEqual(filesContaining(stateDir, keyLine), []);
  assert.deepEqual(filesContaining(tmpdir(), secret), [], 'no plaintext anywhere under the temp dir');
});
