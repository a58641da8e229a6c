// The render action with `commit: true`, run as forgejo-runner runs it, pushing
// to a remote that wants a token and refuses a second Authorization header.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { runNodeAction } from '../../support/action-runner';
import { pushEvent } from '../../support/events';
import { startGitRemote, type GitRemote } from '../../support/git-remote';
import { BASE_PROJECT } from '../../support/project-fixture';
import { runRender } from '../../../src/render/run-render';
import { Cleanup } from '../../support/cleanup';

const ROOT = new URL('../../../', import.meta.url).pathname;
const TOKEN = 'workflow-token-7f3a';
const REPO = 'alice/lab';
const basic = (user: string, token: string) => `AUTHORIZATION: basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

// Async: the remote's server runs in this process.
const git = async (cwd: string, ...args: string[]) =>
  (await promisify(execFile)('git', ['-c', 'user.name=alice', '-c', 'user.email=alice@example.org', ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout.trim();

let remote: GitRemote;
let scratch: string;
let pushed: string; // the developer's commit, pushed without `steward render`

const cleanup = new Cleanup();

before(async () => {
  remote = cleanup.add(await startGitRemote({ pushTokens: [TOKEN, 'dev-token'] }), (r) => r.stop());
  remote.createBareRepo(`${REPO}.git`);
  scratch = cleanup.dir('steward-render-action-');
  const dev = join(scratch, 'dev');
  await git(scratch, 'init', '-q', '-b', 'main', dev);
  for (const [rel, text] of Object.entries(BASE_PROJECT)) {
    mkdirSync(dirname(join(dev, rel)), { recursive: true });
    writeFileSync(join(dev, rel), text);
  }
  runRender(dev);
  await git(dev, 'add', '-A');
  await git(dev, 'commit', '-q', '-m', 'initial');
  writeFileSync(join(dev, 'services/web/service.yml'), 'target: core\nimage: web:2\nports: [ { container: 80, host: 8080 } ]\nroute: { subdomain: web, port: 80 }\n');
  await git(dev, 'commit', '-q', '-am', 'web v2, not rendered');
  await git(dev, 'remote', 'add', 'origin', remote.url(`${REPO}.git`));
  await git(dev, '-c', `http.extraheader=${basic('dev', 'dev-token')}`, 'push', '-q', 'origin', 'main');
  pushed = await git(dev, 'rev-parse', 'HEAD');
});
after(() => cleanup.close());

/** A fresh workspace at the pushed commit, as checkout leaves it; `persist`: with the token as an extra header. */
async function workspace(persist: boolean): Promise<string> {
  const ws = mkdtempSync(join(scratch, 'ws-'));
  await git(ws, 'init', '-q');
  await git(ws, 'remote', 'add', 'origin', remote.url(`${REPO}.git`));
  await git(ws, 'fetch', '-q', 'origin', '+refs/heads/main:refs/remotes/origin/main');
  await git(ws, 'checkout', '-q', '--force', pushed);
  if (persist) await git(ws, 'config', '--local', `http.${new URL(remote.url(REPO)).origin}/.extraheader`, basic('x-access-token', TOKEN));
  return ws;
}

async function renderCommit(ws: string, token: string) {
  const event = pushEvent({ fullName: REPO, serverUrl: 'http://127.0.0.1:1' }, { before: '0'.repeat(40), after: pushed });
  return runNodeAction(
    { workspace: ws, event, repository: REPO, serverUrl: 'http://127.0.0.1:1', token },
    { actionDir: join(ROOT, 'actions/render'), inputs: { commit: 'true', token } },
  );
}

async function resetRemote(): Promise<void> {
  // Each case starts from the developer's push.
  const bare = join(remote.root, `${REPO}.git`);
  await promisify(execFile)('git', ['update-ref', 'refs/heads/main', pushed], { cwd: bare });
}

test('checkout left no credentials: the token input pushes the converge: commit', async () => {
  await resetRemote();
  const ws = await workspace(false);
  const r = await renderCommit(ws, TOKEN);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.outputs.commit!, /^[0-9a-f]{40}$/);
  assert.equal((await git(ws, 'ls-remote', 'origin', 'refs/heads/main')).split('\t')[0], r.outputs.commit);
  assert.match(await git(ws, 'log', '-1', '--format=%s%n%an', r.outputs.commit!), /^converge: re-render rendered\/ with steward \d+\.\d+\.\d+\nSteward$/);
  assert.ok(r.masks.includes(TOKEN), 'the token is masked');
  assert.ok(!(r.stdout + r.stderr).replace(/::add-mask::.*\n/g, '').includes(TOKEN));
});

test('checkout persisted the token: pushed with it, no second Authorization header', async () => {
  await resetRemote();
  const ws = await workspace(true);
  const r = await renderCommit(ws, TOKEN);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((await git(ws, 'ls-remote', 'origin', 'refs/heads/main')).split('\t')[0], r.outputs.commit);
});

test('no token and no credentials: the step fails saying the commit could not be pushed', async () => {
  await resetRemote();
  const ws = await workspace(false);
  const r = await renderCommit(ws, '');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /::error::committed the re-rendered rendered\/ as [0-9a-f]{7} but could not push it to refs\/heads\/main/);
  assert.equal((await git(ws, 'ls-remote', 'origin', 'refs/heads/main')).split('\t')[0], pushed);
});
