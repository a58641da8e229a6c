import * as core from '@actions/core';
import { summaryLine } from '../plan/markdown';
import { runPlan } from '../plan/run-plan';
import { savePlan } from '../plan/save';
import { createTarget } from '../cli/targets';
import { failWith, projectDir, useSshInputs, workspacePath } from './_inputs';

try {
  useSshInputs();
  const run = await runPlan({
    projectDir: projectDir(),
    base: core.getInput('base') || undefined,
    full: core.getBooleanInput('full'),
    only: core.getInput('app') || undefined,
    observe: core.getBooleanInput('observe'),
    createTarget,
    log: core.info,
  });
  const paths = savePlan(run.plan, run.markdown, workspacePath(core.getInput('out') || '.steward/plan.json'));
  const summary = summaryLine(run.plan);
  core.info(`plan: ${summary}`);
  core.setOutput('has-changes', String(run.exitCode === 2 || run.plan.steps.some((s) => !s.held && s.action !== 'prepare')));
  core.setOutput('plan', paths.json);
  core.setOutput('markdown', paths.markdown);
  core.setOutput('summary', summary);
  core.setOutput('exit-code', String(run.exitCode));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(run.markdown).write();
  // A target that could not be observed fails the step, after the plan was written for the report.
  if (run.exitCode === 1) core.setFailed(run.errors.join('\n'));
} catch (e) {
  failWith(e, 'plan');
}
