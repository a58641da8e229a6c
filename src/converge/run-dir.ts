import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isPidAlive } from './lock';

/**
 * The run's private directory, `<stateDir>/run/<runId>/` (0700): the only
 * place a converge writes plaintext on the runner (the env file compose reads,
 * the SSH key copy). Removed at the end; a run killed before that leaves it,
 * and the next converge clears it (clearDeadRuns).
 */
export interface RunDir {
  path: string;
  remove(): void;
}

interface Owner {
  pid: number;
  host: string;
}

const OWNER = 'owner.json';

export function openRunDir(stateDir: string, runId: string): RunDir {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(runId)) throw new Error(`invalid run id ${JSON.stringify(runId)}: use letters, digits, '.', '_' and '-'`);
  const root = join(stateDir, 'run');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const path = join(root, runId);
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { mode: 0o700 });
  const owner: Owner = { pid: process.pid, host: hostname() };
  writeFileSync(join(path, OWNER), JSON.stringify(owner), { mode: 0o600 });
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Removes the run dirs of runs that are gone: their process is dead on this
 * host, or they never got to say who they are. Runs of other projects sharing
 * the state dir live on; ours cannot run at all, as the caller holds its lock.
 */
export function clearDeadRuns(stateDir: string, except: string, pidAlive: (pid: number) => boolean = isPidAlive): string[] {
  const root = join(stateDir, 'run');
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const cleared: string[] = [];
  for (const name of names) {
    if (name === except) continue;
    const dir = join(root, name);
    const owner = readOwner(dir);
    if (owner && (owner.host !== hostname() || pidAlive(owner.pid))) continue;
    // A run between its mkdir and writing owner.json is not yet a dead one.
    if (!owner && !olderThan(dir, 60_000)) continue;
    rmSync(dir, { recursive: true, force: true });
    cleared.push(name);
  }
  return cleared;
}

function readOwner(dir: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(dir, OWNER), 'utf8')) as Owner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

function olderThan(dir: string, ms: number): boolean {
  try {
    return statSync(dir).mtimeMs < Date.now() - ms;
  } catch {
    return false;
  }
}
