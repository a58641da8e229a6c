import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseActionsRef, type ActionsRef } from './actions-ref';

/** `steward init`'s command line, as given. */
export interface InitArgs {
  readonly dir?: string;
  readonly name?: string;
  readonly domain?: string;
  readonly actions?: string;
  readonly schemasHost?: string;
  readonly runnerLabel?: string;
  readonly planRunnerLabel?: string;
  readonly branch?: string;
  readonly keyFile?: string;
  readonly force?: boolean;
}

/** The same with defaults applied and every value checked; paths absolute. */
export interface InitOptions {
  readonly dir: string;
  readonly name: string;
  readonly domain: string;
  readonly actions: ActionsRef;
  readonly runnerLabel: string;
  readonly planRunnerLabel: string;
  readonly branch: string;
  readonly keyFile: string;
  readonly force: boolean;
}

export const DEFAULT_RUNNER_LABEL = 'steward-host';
export const DEFAULT_BRANCH = 'main';
// RFC 8375's special-use domain for home networks: never clashes with a real one.
export const DEFAULT_DOMAIN = 'home.arpa';
export const FALLBACK_NAME = 'homelab';

// The same patterns as schemas/project.schema.json, checked here so that init
// never writes a project that its own validation rejects.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DOMAIN = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RUNNER_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export class InitUsageError extends Error {}

export function resolveInitOptions(a: InitArgs, ctx: { cwd: string; env: Readonly<Record<string, string | undefined>> }): InitOptions {
  const dir = resolve(ctx.cwd, a.dir ?? '.');
  const name = a.name ?? (projectNameFrom(basename(dir)) || FALLBACK_NAME);
  check(DNS_LABEL.test(name), `--name "${name}": a project name is a DNS label: lowercase letters, digits and "-", e.g. homelab`);
  const domain = a.domain ?? DEFAULT_DOMAIN;
  check(DOMAIN.test(domain), `--domain "${domain}": expected a lowercase domain name, e.g. home.example.org`);
  const runnerLabel = a.runnerLabel ?? DEFAULT_RUNNER_LABEL;
  check(RUNNER_LABEL.test(runnerLabel), `--runner-label "${runnerLabel}": letters, digits, ".", "_" and "-" only, e.g. ${DEFAULT_RUNNER_LABEL}`);
  const planRunnerLabel = a.planRunnerLabel ?? runnerLabel;
  check(RUNNER_LABEL.test(planRunnerLabel), `--plan-runner-label "${planRunnerLabel}": letters, digits, ".", "_" and "-" only, e.g. docker`);
  const branch = a.branch ?? DEFAULT_BRANCH;
  check(BRANCH.test(branch) && !branch.includes('..') && !branch.endsWith('/'), `--branch "${branch}": not a branch name`);
  let actions: ActionsRef;
  try {
    actions = parseActionsRef(a.actions, a.schemasHost);
  } catch (e) {
    throw new InitUsageError((e as Error).message);
  }
  const keyFile = a.keyFile !== undefined ? resolve(ctx.cwd, a.keyFile) : defaultKeyFile(name, ctx.env);
  check(!isInside(dir, keyFile), `--key-file ${keyFile} is inside ${dir}: the private key must live outside the repository`);
  return { dir, name, domain, actions, runnerLabel, planRunnerLabel, branch, keyFile, force: a.force === true };
}

/** The folder's name made a DNS label, so that `steward init my_Lab` just works. */
export function projectNameFrom(folder: string): string {
  return folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** `$XDG_CONFIG_HOME/steward/<name>.agekey`, else `~/.config/steward/<name>.agekey`. */
export function defaultKeyFile(name: string, env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'steward', `${name}.agekey`);
  const home = env.HOME || env.USERPROFILE;
  if (!home) throw new InitUsageError('no HOME to keep the private key in: pass --key-file PATH (outside the project)');
  return join(home, '.config', 'steward', `${name}.agekey`);
}

export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InitUsageError(message);
}
