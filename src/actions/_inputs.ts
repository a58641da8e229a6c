import * as core from '@actions/core';
import { GitRepo } from '../git/repo';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
  const known = core.getInput('known-hosts');
  if (known) {
    const dir = join(process.env.RUNNER_TEMP ?? '/tmp', 'steward-ssh');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'known_hosts');
    writeFileSync(file, known.endsWith('\n') ? known : known + '\n', { mode: 0o600 });
    process.env.STEWARD_KNOWN_HOSTS = file;
  }
}

export function failWith(e: unknown): void {
  const err = e as Error & { diagnostics?: { file: string; line: number; column: number; key: string; message: string }[] };
  for (const d of err.diagnostics ?? []) core.error(`${d.key || '-'}  ${d.message}`, { file: d.file, startLine: d.line || undefined, startColumn: d.column || undefined });
  core.setFailed(err.message);
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
