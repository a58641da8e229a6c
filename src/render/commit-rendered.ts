import { join } from 'node:path';
import { GitRepo } from '../git/repo';
import { RENDERED_DIR } from './render';
import { runRender, type RenderRun } from './run-render';

/** Who Steward's own commits are by, when git has no identity configured (as on a runner). */
export const STEWARD_IDENTITY = { name: 'Steward', email: 'steward@localhost' };

export interface CommitRenderedOptions {
  /** Steward's version, named in the commit message: a new version is the usual reason. */
  version: string;
  /** Push the commit to this branch of this remote (never forced). */
  push?: { remote: string; branchRef: string };
  /** Default: git's configured identity, else STEWARD_IDENTITY. */
  identity?: { name: string; email: string };
}

export interface CommittedRender extends RenderRun {
  /** The `converge:` commit, when rendered/ was stale. */
  commit?: string;
  pushed: boolean;
}

/**
 * Renders, and when the committed rendered/ was stale (a new Steward version
 * or conventions, or a change committed without `steward render`) commits
 * rendered/ alone as a `converge:` commit, which the diff of the push it makes
 * skips. Nothing else in the working tree is committed.
 */
export async function renderAndCommit(projectDir: string, o: CommitRenderedOptions): Promise<CommittedRender> {
  const repo = new GitRepo(projectDir);
  const parent = await repo.head();
  const r = runRender(projectDir);
  const message = commitMessage(o.version, parent, r);
  const identity = o.identity ?? ((await repo.configValue('user.email')) === undefined ? STEWARD_IDENTITY : undefined);
  const commit = await repo.commitPaths([join(projectDir, RENDERED_DIR)], message, identity);
  if (!commit) return { ...r, pushed: false };
  if (o.push) {
    try {
      await repo.pushHead(o.push.remote, o.push.branchRef);
    } catch (e) {
      const lines = String((e as Error).message).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('hint:'));
      const why = lines.find((l) => /\[rejected\]|\[remote rejected\]/.test(l)) ?? lines.find((l) => /^(error|fatal):/.test(l)) ?? lines.pop() ?? '';
      throw new Error(
        `committed the re-rendered rendered/ as ${commit.slice(0, 7)} but could not push it to ${o.push.branchRef}: ${why}\n` +
          (/rejected|non-fast-forward|fetch first/i.test(why)
            ? 'The branch moved on meanwhile; the run for the newer commit renders again.'
            : 'Let the workflow token push to the branch (branch protection), or render with check: true and commit rendered/ yourself.'),
      );
    }
  }
  return { ...r, commit, pushed: Boolean(o.push) };
}

export function commitMessage(version: string, parent: string, r: Pick<RenderRun, 'written' | 'deleted'>): string {
  const files = [...r.written.map((f) => `  changed  ${f}`), ...r.deleted.map((f) => `  deleted  ${f}`)];
  const shown = files.length > 50 ? [...files.slice(0, 50), `  … and ${files.length - 50} more`] : files;
  return [
    `converge: re-render rendered/ with steward ${version}`,
    '',
    `rendered/ did not match the project at ${parent.slice(0, 12)} (a new Steward`,
    'version or conventions, or a change committed without `steward render`).',
    '',
    ...shown,
    '',
  ].join('\n');
}
