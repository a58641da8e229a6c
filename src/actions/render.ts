import * as core from '@actions/core';
import { GitRepo } from '../git/repo';
import { renderAndCommit, STEWARD_IDENTITY } from '../render/commit-rendered';
import { runRender, StaleRenderedError } from '../render/run-render';
import { STEWARD_VERSION } from '../version';
import { configurePushAuth, failWith, projectDir } from './_inputs';

// Thin: inputs -> core -> outputs.
try {
  const dir = projectDir();
  const check = core.getBooleanInput('check');
  const commit = core.getBooleanInput('commit');
  if (check && commit) throw new Error('check and commit exclude each other: check fails on a stale rendered/, commit fixes it');
  core.info(`${check ? 'Checking' : 'Rendering'} ${dir}`);
  const r = commit ? await commitStale(dir) : { ...runRender(dir, { check }), commit: undefined };
  for (const f of r.written) core.info(`  ${check ? 'stale' : 'wrote'}    ${f}`);
  for (const f of r.deleted) core.info(`  ${check ? 'extra' : 'deleted'}  ${f}`);
  core.setOutput('changed', String(commit ? Boolean(r.commit) : r.changed));
  core.setOutput('manifest', r.manifestPath);
  core.setOutput('commit', r.commit ?? '');
  // Reported like any other problem: the pull request comment lists the files.
  if (check && r.changed) throw new StaleRenderedError(r);
  core.info(r.commit ? `rendered/ was stale: committed ${r.commit.slice(0, 12)} (converge: re-render) and pushed it` : `${r.apps} apps, rendered/ ${r.changed ? 'changed' : 'unchanged'}`);
} catch (e) {
  failWith(e, 'render');
}

/** Steward's own commit, authored by Steward whatever identity the runner's git has, pushed to the branch this run is for. */
async function commitStale(dir: string) {
  const ref = process.env.GITHUB_REF ?? (await new GitRepo(dir).branchRef());
  if (!ref?.startsWith('refs/heads/')) throw new Error(`commit: true needs a branch to push to, and this run is for ${ref ?? 'no ref'}`);
  const token = core.getInput('token');
  if (token) await configurePushAuth(token, dir);
  return renderAndCommit(dir, { version: STEWARD_VERSION, identity: STEWARD_IDENTITY, push: { remote: 'origin', branchRef: ref } });
}
