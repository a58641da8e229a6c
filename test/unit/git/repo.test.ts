import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONVERGED_REF, GitCommandError, GitRepo, RefRefusedError } from '../../../src/git/repo';
import { runDiff } from '../../../src/diff/run-diff';
import { GitProject, git } from '../../support/git-project';

function scratch(): { p: GitProject; bare: string; cleanup: () => void } {
  const p = new GitProject();
  const bare = mkdtempSync(join(tmpdir(), 'steward-bare-'));
  git(bare, 'init', '-q', '--bare');
  p.git('remote', 'add', 'origin', bare);
  return { p, bare, cleanup: () => (p.cleanup(), rmSync(bare, { recursive: true, force: true })) };
}

/** Deletes a loose object, as a disk fault or an interrupted gc would. */
function dropObject(p: GitProject, sha: string): void {
  unlinkSync(join(p.repoDir, '.git', 'objects', sha.slice(0, 2), sha.slice(2)));
}

test('isAncestor: yes and no from the exit status; a bad revision is an error with the stage and git\'s message', async () => {
  const { p, cleanup } = scratch();
  try {
    const a = p.head();
    const b = p.commit({ 'services/web/service.yml': 'target: core\nimage: web:2\n' }, 'web v2');
    const repo = new GitRepo(p.dir, 'diff');
    assert.equal(await repo.isAncestor(a, b), true);
    assert.equal(await repo.isAncestor(b, a), false);
    await assert.rejects(repo.isAncestor('0123456789012345678901234567890123456789', b), (e: Error) => {
      assert.ok(e instanceof GitCommandError);
      assert.equal(e.stage, 'diff');
      assert.match(e.message, /^diff: git merge-base --is-ancestor 0123456789012345678901234567890123456789 [0-9a-f]{40} failed: .*0123456789012345678901234567890123456789/);
      return true;
    });
  } finally {
    cleanup();
  }
});

test('show: a path absent at the commit is undefined; a missing object is an error, not "absent"', async () => {
  const { p, cleanup } = scratch();
  try {
    const repo = new GitRepo(p.dir, 'diff');
    const head = p.head();
    assert.equal(await repo.show(head, 'no/such/file'), undefined);
    assert.match((await repo.show(head, 'rendered/manifest.json'))!, /"apps"/);
    dropObject(p, p.git('rev-parse', `${head}:rendered/manifest.json`));
    await assert.rejects(repo.show(head, 'rendered/manifest.json'), (e: Error) => e instanceof GitCommandError && e.stage === 'diff' && /^diff: git cat-file blob [0-9a-f]{40}:rendered\/manifest\.json failed: /.test(e.message));
    await assert.rejects(repo.show('refs/heads/nope', 'project.yml'), (e: Error) => e instanceof GitCommandError && /refs\/heads\/nope/.test(e.message));
  } finally {
    cleanup();
  }
});

test('diff: a converged commit whose manifest object is missing fails the diff stage instead of posing as a force-push', async () => {
  const { p, cleanup } = scratch();
  try {
    const from = p.head();
    p.markConverged(from);
    p.commit({ 'services/web/service.yml': 'target: core\nimage: web:2\n' }, 'web v2');
    dropObject(p, p.git('rev-parse', `${from}:rendered/manifest.json`));
    await assert.rejects(runDiff({ projectDir: p.dir, remote: 'nowhere' }), (e: Error) => e instanceof GitCommandError && e.stage === 'diff' && /rendered\/manifest\.json/.test(e.message));
  } finally {
    cleanup();
  }
});

test('pushRef: with a lease on the value read at the start; a moved ref, a step backwards is refused, a rewritten history followed', async () => {
  const { p, bare, cleanup } = scratch();
  try {
    const repo = new GitRepo(p.dir);
    const c1 = p.head();
    assert.equal(await repo.remoteRef('origin', CONVERGED_REF), undefined);
    await repo.pushRef('origin', c1, CONVERGED_REF, undefined);
    assert.equal(git(bare, 'rev-parse', CONVERGED_REF), c1);

    const c2 = p.commit({ 'services/web/service.yml': 'target: core\nimage: web:2\n' }, 'web v2');
    await assert.rejects(repo.pushRef('origin', c2, CONVERGED_REF, undefined), (e: Error) => e instanceof GitCommandError && /stale info|rejected/.test(e.message), 'a run that found no ref: it must still not exist');
    const c3 = p.commit({ 'services/web/service.yml': 'target: core\nimage: web:3\n' }, 'web v3');
    assert.equal(await repo.remoteRef('origin', CONVERGED_REF), c1);
    await repo.pushRef('origin', c3, CONVERGED_REF, c1);
    assert.equal(git(bare, 'rev-parse', CONVERGED_REF), c3);

    await assert.rejects(repo.pushRef('origin', c2, CONVERGED_REF, c1), (e: Error) => e instanceof GitCommandError && /stale info|rejected/.test(e.message), 'the ref moved since the run read it');
    await assert.rejects(repo.pushRef('origin', c2, CONVERGED_REF, c3), (e: Error) => {
      assert.ok(e instanceof RefRefusedError);
      assert.equal(e.message, `${c2.slice(0, 7)} is an ancestor of the converged commit ${c3.slice(0, 7)}: a newer run converged meanwhile; ${CONVERGED_REF} does not move backwards`);
      return true;
    });
    p.git('checkout', '-q', '--orphan', 'rewritten');
    const r1 = p.commit({}, 'rewritten history');
    assert.equal(git(bare, 'rev-parse', CONVERGED_REF), c3, 'never moved backwards');
    // A force-pushed branch is the history to follow: the ref moves to it (under the lease).
    await repo.pushRef('origin', r1, CONVERGED_REF, c3);
    assert.equal(git(bare, 'rev-parse', CONVERGED_REF), r1);
  } finally {
    cleanup();
  }
});
