import * as core from '@actions/core';
import { existsSync, readFileSync } from 'node:fs';
import type { RunRecord } from '../converge/run-record';
import type { Plan } from '../plan/types';
import { publish } from '../forge/publish';
import { FAILURE_FILE, type StageFailure } from '../report/stage-failure';
import { failWith, runId, workspacePath } from './_inputs';

try {
  const recordPath = core.getInput('run-record');
  const planPath = core.getInput('plan');
  const record = recordPath ? (JSON.parse(readFileSync(workspacePath(recordPath), 'utf8')) as RunRecord) : undefined;
  const plan = !record && planPath ? (JSON.parse(readFileSync(workspacePath(planPath), 'utf8')) as Plan) : undefined;
  const failure = !record && !plan ? readFailure() : undefined;
  if (!record && !plan && !failure) {
    // A push of only converge: commits skips plan and converge; there is nothing to publish.
    core.info('nothing to report: no run-record and no plan (the run was skipped before planning)');
    process.exit(0);
  }
  const event = readEvent();
  const token = core.getInput('token');
  if (token) core.setSecret(token);
  const published = await publish(
    { record, plan, failure },
    {
      token,
      env: process.env,
      statusContext: core.getInput('status-context') || (plan || (failure && event?.pull_request) ? 'steward/plan' : 'steward/converge'),
      pullRequest: event?.pull_request?.number,
      sha: event?.pull_request?.head?.sha,
      alsoSha: record ? process.env.GITHUB_SHA : undefined,
      webhookUrl: core.getInput('webhook-url') || undefined,
      webhookFormat: core.getInput('webhook-format') === 'json' ? 'json' : 'ntfy',
      redact: (t) => t, // values were masked by converge; the runner masks again on output
      log: core.info,
    },
  );
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(published.markdown).write();
  core.info(published.markdown);
  core.setOutput('status', published.state);
  if (published.commentId) core.setOutput('comment-id', String(published.commentId));
  if (published.state === 'failure' && core.getBooleanInput('fail-on-error')) core.setFailed('the run or plan had errors; see above');
} catch (e) {
  failWith(e);
}

function readEvent(): { pull_request?: { number: number; head?: { sha: string } } } | undefined {
  try {
    return process.env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** What a stage of this run left when it failed before a plan existed (render, diff, plan). */
function readFailure(): StageFailure | undefined {
  const path = workspacePath(FAILURE_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const f = JSON.parse(readFileSync(path, 'utf8')) as StageFailure;
    return f.runId === runId() ? f : undefined;
  } catch {
    return undefined;
  }
}
