import * as core from '@actions/core';
import { runDiff } from '../diff/run-diff';
import { saveChangeSet } from '../plan/save';
import { failWith, projectDir, workspacePath } from './_inputs';

try {
  const cs = await runDiff({ projectDir: projectDir(), base: core.getInput('base') || undefined, full: core.getBooleanInput('full'), log: core.info });
  const out = saveChangeSet(cs, workspacePath(core.getInput('out') || '.steward/changeset.json'));
  core.info(`${cs.mode}${cs.note ? `: ${cs.note}` : ''}`);
  for (const a of cs.apps) core.info(`  ${a.change.padEnd(8)} ${a.name} on ${a.target}: ${a.reasons.map((r) => r.why + (r.commit ? ` (${r.commit})` : '')).join('; ')}`);
  core.setOutput('changed', String(cs.apps.length + cs.targets.length + cs.conventions.length > 0));
  core.setOutput('changeset', out);
  core.setOutput('skipped-reason', cs.mode === 'skipped' ? cs.note ?? '' : '');
} catch (e) {
  failWith(e, 'diff');
}
