import * as core from '@actions/core';
import { GitRepo } from '../git/repo';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Diagnostic } from '../project/diagnostics';
import { FAILURE_FILE, type StageFailure } from '../report/stage-failure';

// Files prefixed with "_" are shared by the entry points, not bundled as actions.

export function workspacePath(p: string): string {
  return resolve(process.env.GITHUB_WORKSPACE ?? '.', p);
}

export function projectDir(): string {
  return workspacePath(core.getInput('project-path') || '.');
}

/** SSH material from inputs reaches the driver through its env variables. */
export function useSshInputs(): void {
  const key = core.getInput('ssh-key');
  if (key) {
    core.setSecret(key);
    process.env.STEWARD_SSH_KEY = key;
  }
  // Content, not a file: the driver keeps it in its private directory, removed after the run.
  const known = core.getInput('known-hosts');
  if (known) process.env.STEWARD_KNOWN_HOSTS = known;
  process.env.STEWARD_KNOWN_HOSTS_SOURCE = 'the known-hosts input';
}

/** The run's id as report reads it too: attempts of one run share the failure file. */
export function runId(): string {
  return `${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`;
}

/**
 * Fails the step with every diagnostic as an annotation. A stage that fails
 * before a plan exists also leaves what went wrong for the report step, which
 * puts it in the pull request comment and the commit status.
 */
export function failWith(e: unknown, stage?: StageFailure['stage']): void {
  const err = e as Error & { diagnostics?: Diagnostic[] };
  for (const d of err.diagnostics ?? []) core.error(`${d.key || '-'}  ${d.message}`, { file: d.file, startLine: d.line || undefined, startColumn: d.column || undefined });
  core.setFailed(err.message);
  if (!stage) return;
  try {
    const project = projectName();
    const failure: StageFailure = {
      schema: 1,
      stage,
      runId: runId(),
      ...(project ? { project } : {}),
      ...(process.env.GITHUB_SHA ? { commit: process.env.GITHUB_SHA } : {}),
      message: err.message,
      diagnostics: (err.diagnostics ?? []).map(({ file, line, column, key, message }) => ({ file, line, column, key, message })),
    };
    const path = workspacePath(FAILURE_FILE);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(failure, null, 2) + '\n');
  } catch (w) {
    core.info(`could not record the failure for the report step: ${(w as Error).message}`);
  }
}

/** project.yml's name, read leniently: the file may be the broken one. */
function projectName(): string | undefined {
  try {
    const name = (parse(readFileSync(join(projectDir(), 'project.yml'), 'utf8')) as { name?: unknown } | null)?.name;
    return typeof name === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lets git push with the workflow token. actions/checkout normally leaves the
 * token as an extra header already; adding a second would send two
 * Authorization headers, which servers may refuse.
 */
export async function configurePushAuth(token: string, dir: string): Promise<void> {
  core.setSecret(token);
  if (await new GitRepo(dir).hasExtraHeader()) return;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  core.setSecret(basic);
  const n = Number(process.env.GIT_CONFIG_COUNT ?? '0');
  process.env.GIT_CONFIG_COUNT = String(n + 1);
  process.env[`GIT_CONFIG_KEY_${n}`] = 'http.extraheader';
  process.env[`GIT_CONFIG_VALUE_${n}`] = `AUTHORIZATION: basic ${basic}`;
}
