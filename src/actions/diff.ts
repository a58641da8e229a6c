import * as core from '@actions/core';
import type { ChangeSet } from '../diff/changeset';
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
  core.setOutput('skipped-reason', skippedReason(cs));
} catch (e) {
  failWith(e, 'diff');
}

/**
 * Why a push needs no run: only Steward's own commits, or nothing at all since
 * the converged commit (the push of a re-render that the run which made it
 * has converged already). Schedules and dispatches run regardless, for drift.
 */
function skippedReason(cs: ChangeSet): string {
  if (cs.mode === 'skipped') return cs.note ?? '';
  if (process.env.GITHUB_EVENT_NAME === 'push' && cs.mode === 'incremental' && cs.from === cs.to) return `${cs.to.slice(0, 7)} is already the converged commit: nothing new`;
  return '';
}
