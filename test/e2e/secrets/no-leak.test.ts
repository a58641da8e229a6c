import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { ALICE, convergeProject, removeAll } from '../../support/converge-fixture';
import { runNodeAction } from '../../support/action-runner';
import { pushEvent } from '../../support/events';
import { startForgejoDouble, DOUBLE_TOKEN } from '../../support/forgejo-double';

const env = loadTestenv()!;
const run = promisify(execFile);
const CLI = new URL('../../../dist/cli/index.js', import.meta.url).pathname;
const ACTIONS = new URL('../../../actions/', import.meta.url).pathname;
const SECRET = 'tok-very-secret-123';

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (e === '.git') return [];
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

test('render, diff, plan, converge and report never print, write or post a secret value', { skip: testenvSkip() }, async (t) => {
  const p = await convergeProject(env, 'leak');
  const double = await startForgejoDouble();
  t.after(async () => {
    await removeAll(env, p);
    await double.close();
    p.cleanup();
  });
  const outputs: string[] = [];
  const cliEnv = { ...process.env, STEWARD_AGE_KEY: ALICE, STEWARD_STATE_DIR: join(p.dir, '.steward/state'), STEWARD_SSH_KEY: env.sshKey, STEWARD_KNOWN_HOSTS: env.knownHosts, DOCKER_HOST: env.localDockerHost };
  const cli = async (...args: string[]) => {
    const r = await run(process.execPath, [CLI, ...args, '--project', p.dir], { env: cliEnv }).catch((e) => e);
    outputs.push(String(r.stdout), String(r.stderr));
    return r;
  };
  await cli('render');
  await cli('diff', '--json');
  await cli('plan', '--out', join(p.dir, '.steward/plan.json'));

  // converge and report exactly as the runner runs them, the key given as the age-key input.
  double.addRepo('alice/leak');
  const ctx = { workspace: p.dir, repository: 'alice/leak', serverUrl: double.url, token: DOUBLE_TOKEN, event: pushEvent({ fullName: 'alice/leak', serverUrl: double.url }, { before: '0'.repeat(40), after: p.head() }) };
  const stepEnv = { STEWARD_STATE_DIR: join(p.dir, '.steward/state'), STEWARD_KNOWN_HOSTS: env.knownHosts, DOCKER_HOST: env.localDockerHost };
  const converge = await runNodeAction(ctx, { actionDir: join(ACTIONS, 'converge'), inputs: { 'age-key': ALICE, 'ssh-key': readFileSync(env.sshKey, 'utf8'), token: DOUBLE_TOKEN }, stepEnv });
  assert.equal(converge.code, 0, converge.stdout + converge.stderr);
  assert.ok(converge.masks.includes(SECRET), 'the value is masked with ::add-mask:: before anything else');
  const report = await runNodeAction(ctx, { actionDir: join(ACTIONS, 'report'), inputs: { 'run-record': converge.outputs['run-record'], token: DOUBLE_TOKEN } });
  assert.equal(report.code, 0, report.stdout + report.stderr);
  // The mask command itself carries the value by design; everything else must not.
  const stdoutWithoutMasks = (s: string) => s.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
  outputs.push(stdoutWithoutMasks(converge.stdout), converge.stderr, converge.summary, report.stdout, report.stderr, report.summary);
  outputs.push(...double.listStatuses('alice/leak', p.head()).map((s) => JSON.stringify(s)));
  outputs.push(...allFiles(p.dir).map((f) => readFileSync(f, 'utf8')));

  const found = outputs.filter((o) => o.includes(SECRET));
  assert.deepEqual(found.map((f) => f.slice(Math.max(0, f.indexOf(SECRET) - 80), f.indexOf(SECRET) + 40)), []);
  assert.ok(outputs.some((o) => o.includes('API_TOKEN')), 'the key name may appear, the value never');
  double.assertNoViolations();
});
