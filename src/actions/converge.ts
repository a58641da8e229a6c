import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runConverge } from '../converge/run-converge';
import { defaultStateDir, identitiesFrom } from '../converge/identities';
import type { RunRecord } from '../converge/run-record';
import { canonicalJson } from '../render/canonical';
import { createTarget } from '../cli/targets';
import { parseDuration } from '../project/model';
import { ForgeClient } from '../forge/client';
import { GitRepo } from '../git/repo';
import { configurePushAuth, failWith, projectDir, runId, useSshInputs, workspacePath } from './_inputs';

const TRIGGERS: Record<string, RunRecord['trigger']> = { push: 'push', schedule: 'schedule', workflow_dispatch: 'dispatch', pull_request: 'pull_request' };

try {
  useSshInputs();
  const ageKey = core.getInput('age-key');
  if (ageKey) core.setSecret(ageKey);
  const lockTimeout = core.getInput('lock-timeout');
  const lockWaitMs = lockTimeout ? parseDuration(lockTimeout, 'the lock-timeout input') : undefined;
  const token = core.getInput('token');
  if (token) {
    await configurePushAuth(token, projectDir());
    await markPending(token);
  }
  const record = await runConverge({
    projectDir: projectDir(),
    planPath: core.getInput('plan') ? workspacePath(core.getInput('plan')) : undefined,
    only: core.getInput('app') || undefined,
    full: core.getBooleanInput('full'),
    dryRun: core.getBooleanInput('dry-run'),
    identities: identitiesFrom(ageKey, {}),
    stateDir: defaultStateDir(process.env),
    runId: runId(),
    trigger: TRIGGERS[process.env.GITHUB_EVENT_NAME ?? ''] ?? 'cli',
    lockWaitMs,
    createTarget,
    log: core.info,
    // Masked before anything can print it; the Redactor in converge is the second guard.
    onSecret: (v) => core.setSecret(v),
  });
  const out = workspacePath(core.getInput('out') || '.steward/run.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, canonicalJson(record, 2) + '\n');
  core.setOutput('result', record.result);
  core.setOutput('run-record', out);
  core.setOutput('summary', record.summary);
  core.info(`${record.result}: ${record.summary}`);
  if (record.result === 'failure') core.setFailed(`${record.errors.join('\n')}\nSee the RunRecord (${out}); the next run retries what failed.`);
} catch (e) {
  failWith(e);
}

/**
 * The commit shows `steward/converge: pending` while the run works; report
 * sets the outcome. When the render step committed a re-render, both the
 * pushed commit and that `converge:` commit show it.
 */
async function markPending(token: string): Promise<void> {
  if (!(process.env.GITHUB_API_URL || process.env.FORGEJO_API_URL || process.env.GITHUB_SERVER_URL)) return;
  const shas = new Set([process.env.GITHUB_SHA, await new GitRepo(projectDir()).head().catch(() => undefined)].filter((x): x is string => Boolean(x)));
  try {
    const client = ForgeClient.fromEnv(token, process.env, { attempts: 1 });
    for (const sha of shas) await client.setCommitStatus(sha, { state: 'pending', context: 'steward/converge', description: 'converging…' });
  } catch (e) {
    core.info(`could not set the pending status (the run goes on): ${(e as Error).message}`);
  }
}
