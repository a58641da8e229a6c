import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCommand } from '../../../src/cli/init-command';
import { runRender } from '../../../src/render/run-render';
import { git } from '../../support/git-project';
import { runWorkflow } from '../../support/action-runner';
import { pullRequestEvent } from '../../support/events';
import { scratchDir } from '../../support/cleanup';

const TOOLKIT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');

/** `steward init`, commit, then a pull request adding an app; the root action run on it in plan mode. */
async function pullRequestPlan() {
  const root = scratchDir('steward-e2e-init-');
  const repo = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(home);
  const quiet = () => {};
  assert.equal(await initCommand([repo, '--domain', 'home.example.org'], { stdin: process.stdin, stdout: quiet, stderr: quiet, env: { HOME: home }, cwd: root }), 0);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'Steward project');
  const base = git(repo, 'rev-parse', 'HEAD');

  // The pull request: a second app, rendered and committed as a user would.
  mkdirSync(join(repo, 'services', 'whoami'));
  writeFileSync(join(repo, 'services', 'whoami', 'service.yml'), readFileSync(join(repo, 'services', 'hello', 'service.yml'), 'utf8').replace('subdomain: hello', 'subdomain: whoami'));
  runRender(repo);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'add whoami');
  const head = git(repo, 'rev-parse', 'HEAD');

  // A user's own one-line workflow: the root composite action in plan mode.
  const workflow = join(root, 'plan.yml');
  writeFileSync(workflow, 'on: pull_request\njobs:\n  plan:\n    runs-on: steward-host\n    steps:\n      - id: steward\n        uses: steward/steward@v0.1.0\n        with:\n          mode: plan\n          base: ' + base + '\n');
  const run = await runWorkflow({
    workflowFile: workflow,
    workspace: repo,
    event: pullRequestEvent({ fullName: 'alice/home', serverUrl: 'http://127.0.0.1:9' }, { number: 1, headRef: 'feature', headSha: head, baseSha: base }),
    repository: 'alice/home',
    serverUrl: 'http://127.0.0.1:9',
    token: 'unused',
    resolveAction: () => TOOLKIT,
    env: { HOME: home },
  });
  return Object.fromEntries(run.steps.map((s) => [s.id.replace(/^steward\//, ''), s]));
}
const run = pullRequestPlan();

test('a steward init project in git: the root composite action in plan mode renders, diffs and plans a pull request', async () => {
  const byId = await run;
  for (const id of ['render', 'diff', 'plan']) assert.equal(byId[id]?.outcome, 'success', `${id}:\n${byId[id]?.run?.stdout}\n${byId[id]?.run?.stderr}`);
  assert.equal(byId.diff!.outputs.changed, 'true');
  const planPath = byId.plan!.outputs.plan!;
  assert.ok(existsSync(planPath), planPath);
  assert.match(byId.plan!.outputs.summary!, /1 to deploy/);
  assert.ok(readFileSync(planPath, 'utf8').includes('whoami'));
  assert.doesNotMatch(readFileSync(planPath, 'utf8'), /"hello"[^}]*"deploy"/);
});
