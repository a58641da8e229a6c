// `converge:` commits: a stale rendered/ is rendered again and committed alone,
// pushed never forced, and the push's diff is skipped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { runDiff } from '../../../src/diff/run-diff';
import { renderAndCommit, STEWARD_IDENTITY } from '../../../src/render/commit-rendered';
import { git, GitProject } from '../../support/git-project';

// No identity from this machine's git config: Steward's own must be used.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

function projectWithRemote(opts: { subdir?: string } = {}): { p: GitProject; bare: string } {
  const p = new GitProject(undefined, opts);
  const bare = mkdtempSync(join(tmpdir(), 'steward-bare-'));
  execFileSync('git', ['init', '-q', '--bare', bare]);
  p.git('remote', 'add', 'origin', bare);
  p.git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  cleanups.push(() => p.cleanup(), () => rmSync(bare, { recursive: true, force: true }));
  return { p, bare };
}

const SERVICE_V2 = 'target: core\nimage: web:2\nports: [ { container: 80, host: 8080 } ]\nroute: { subdomain: web, port: 80 }\n';

test('an up-to-date rendered/: no commit, nothing pushed', async () => {
  const { p } = projectWithRemote();
  const before = p.head();
  const r = await renderAndCommit(p.dir, { version: '9.9.9', push: { remote: 'origin', branchRef: 'refs/heads/main' } });
  assert.equal(r.commit, undefined);
  assert.equal(r.pushed, false);
  assert.equal(p.head(), before);
});

test('a stale rendered/: rendered/ alone committed as converge:, pushed; other changes left alone; the diff skips it', async () => {
  const { p, bare } = projectWithRemote();
  // A change pushed without `steward render`.
  const userCommit = p.commit({ 'services/web/service.yml': SERVICE_V2 }, 'web v2, forgot to render', { render: false });
  p.markConverged(p.git('rev-parse', 'HEAD~1'));
  writeFileSync(join(p.dir, 'notes.txt'), 'scratch\n');
  writeFileSync(join(p.dir, 'services/db/service.yml'), readFileSync(join(p.dir, 'services/db/service.yml'), 'utf8') + '# local edit\n');

  const r = await renderAndCommit(p.dir, { version: '9.9.9', push: { remote: 'origin', branchRef: 'refs/heads/main' } });
  assert.ok(r.commit);
  assert.equal(r.pushed, true);
  assert.deepEqual(r.written, ['rendered/core/web/compose.yaml', 'rendered/manifest.json']);
  assert.equal(p.git('rev-parse', 'HEAD~1'), userCommit);
  assert.equal(git(bare, 'rev-parse', 'refs/heads/main'), r.commit);
  const [subject, ...body] = p.git('log', '-1', '--format=%s%n%an <%ae>%n%b').split('\n');
  assert.equal(subject, 'converge: re-render rendered/ with steward 9.9.9');
  assert.equal(body[0], `${STEWARD_IDENTITY.name} <${STEWARD_IDENTITY.email}>`);
  assert.ok(body.includes('  changed  rendered/core/web/compose.yaml'), body.join('\n'));
  assert.deepEqual(p.git('show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['rendered/core/web/compose.yaml', 'rendered/manifest.json']);
  // What was not Steward's stays as it was: untracked, modified, not committed.
  assert.match(p.git('status', '--porcelain'), /^ ?M services\/db\/service\.yml\n\?\? notes\.txt$/);
  // Its own push is skipped; the run that made it converges both commits.
  const own = await runDiff({ projectDir: p.dir, base: userCommit });
  assert.equal(own.mode, 'skipped');
  assert.match(own.note ?? '', /converge:/);
  const whole = await runDiff({ projectDir: p.dir });
  assert.equal(whole.mode, 'incremental');
  assert.deepEqual(whole.apps.map((a) => a.name), ['web']);
});

test('the branch moved on meanwhile: the push is refused, never forced, and the error says why', async () => {
  const { p, bare } = projectWithRemote();
  p.commit({ 'services/web/service.yml': SERVICE_V2 }, 'web v2, forgot to render', { render: false });
  // Someone else pushed first.
  const other = mkdtempSync(join(tmpdir(), 'steward-other-'));
  cleanups.push(() => rmSync(other, { recursive: true, force: true }));
  execFileSync('git', ['clone', '-q', '-b', 'main', bare, other]);
  git(other, 'commit', '-q', '--allow-empty', '-m', 'elsewhere');
  git(other, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
  const theirs = git(bare, 'rev-parse', 'refs/heads/main');
  await assert.rejects(
    renderAndCommit(p.dir, { version: '9.9.9', push: { remote: 'origin', branchRef: 'refs/heads/main' } }),
    /could not push it to refs\/heads\/main: .*\nThe branch moved on meanwhile; the run for the newer commit renders again\./,
  );
  assert.equal(git(bare, 'rev-parse', 'refs/heads/main'), theirs);
});

test('a project in a subdirectory: only its rendered/ is committed', async () => {
  const { p } = projectWithRemote({ subdir: 'infra' });
  p.commit({ 'services/web/service.yml': SERVICE_V2 }, 'web v2', { render: false });
  const r = await renderAndCommit(p.dir, { version: '9.9.9' });
  assert.ok(r.commit);
  assert.equal(r.pushed, false);
  assert.deepEqual(p.git('show', '--name-only', '--format=', 'HEAD').split('\n').sort(), ['infra/rendered/core/web/compose.yaml', 'infra/rendered/manifest.json']);
});

test('steward render --commit --push from the CLI; bad flag combinations are refused', async () => {
  const { p, bare } = projectWithRemote();
  p.commit({ 'services/web/service.yml': SERVICE_V2 }, 'web v2', { render: false });
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdin: process.stdin, stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), env: process.env, cwd: p.dir };
  assert.equal(await main(['render', '--commit', '--push'], io), 0, err.join('\n'));
  assert.match(out.join('\n'), /^committed [0-9a-f]{12} \(converge: re-render\) and pushed it to origin refs\/heads\/main:\n  wrote    rendered\/core\/web\/compose\.yaml/);
  assert.equal(git(bare, 'rev-parse', 'refs/heads/main'), p.head());
  assert.equal(await main(['render', '--commit'], io), 0);
  assert.match(out.at(-1)!, /nothing to commit/);
  // Bad flag combinations are usage errors: exit 2, as docs/cli.md says.
  assert.equal(await main(['render', '--check', '--commit'], io), 2);
  assert.match(err.at(-1)!, /--check only compares/);
  assert.equal(await main(['render', '--push'], io), 2);
  assert.match(err.at(-1)!, /--push pushes the commit that --commit makes/);
});
