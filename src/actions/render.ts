import * as core from '@actions/core';
import { GitRepo } from '../git/repo';
import { renderAndCommit, STEWARD_IDENTITY } from '../render/commit-rendered';
import { runRender } from '../render/run-render';
import { STEWARD_VERSION } from '../cli/version';
import { configurePushAuth, failWith, projectDir } from './_inputs';

// Thin: inputs -> core -> outputs.
try {
  const dir = projectDir();
  const check = core.getBooleanInput('check');
  const commit = core.getBooleanInput('commit');
  if (check && commit) throw new Error('check and commit exclude each other: check fails on a stale rendered/, commit fixes it');
  core.info(`${check ? 'Checking' : 'Rendering'} ${dir}`);
  if (commit) {
    // Steward's own commit goes to the branch this run is for.
    const ref = process.env.GITHUB_REF ?? (await new GitRepo(dir).branchRef());
    if (!ref?.startsWith('refs/heads/')) throw new Error(`commit: true needs a branch to push to, and this run is for ${ref ?? 'no ref'}`);
    const token = core.getInput('token');
    if (token) await configurePushAuth(token, dir);
    // Authored by Steward, whatever identity the runner's git may have.
    const r = await renderAndCommit(dir, { version: STEWARD_VERSION, identity: STEWARD_IDENTITY, push: { remote: 'origin', branchRef: ref } });
    for (const f of r.written) core.info(`  wrote    ${f}`);
    for (const f of r.deleted) core.info(`  deleted  ${f}`);
    core.setOutput('changed', String(Boolean(r.commit)));
    core.setOutput('manifest', r.manifestPath);
    core.setOutput('commit', r.commit ?? '');
    core.info(r.commit ? `rendered/ was stale: committed ${r.commit.slice(0, 12)} (converge: re-render) and pushed it to ${ref}` : `${r.apps} apps, rendered/ up to date`);
  } else {
    const r = runRender(dir, { check });
    for (const f of r.written) core.info(`  ${check ? 'stale' : 'wrote'}    ${f}`);
    for (const f of r.deleted) core.info(`  ${check ? 'extra' : 'deleted'}  ${f}`);
    core.setOutput('changed', String(r.changed));
    core.setOutput('manifest', r.manifestPath);
    core.setOutput('commit', '');
    if (check && r.changed) {
      // Reported like any other problem: the pull request comment lists the files.
      const stale = [...r.written.map((file) => ({ file, message: 'stale: not what the project renders' })), ...r.deleted.map((file) => ({ file, message: 'extra: the project no longer renders it' }))];
      failWith(
        Object.assign(new Error('rendered/ is stale: run `steward render` and commit the result.'), { diagnostics: stale.map((d) => ({ ...d, line: 0, column: 0, key: '' })) }),
        'render',
      );
    }
    else core.info(`${r.apps} apps, rendered/ ${r.changed ? 'changed' : 'unchanged'}`);
  }
} catch (e) {
  failWith(e, 'render');
}
