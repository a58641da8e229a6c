import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** What render and validation read from a project dir (src/project/read.ts): the rest (.steward/, README) may change freely. */
const PROJECT_PATHS = ['project.yml', 'network.yml', '.sops.yaml', 'services', 'secrets', 'rendered'];

/** A plan or converge asked for on a working tree whose project files differ from HEAD. */
export class DirtyTreeError extends Error {
  constructor(
    readonly projectDir: string,
    readonly files: string[],
  ) {
    super(
      `${projectDir} has changes that are not committed: ${files.join(', ')}. ` +
        'Steward deploys what is committed at HEAD: commit them (or revert them), or pass --allow-dirty to try them without recording a converged commit',
    );
    this.name = 'DirtyTreeError';
  }
}

/**
 * The project files that differ from HEAD, as `<path> (<what>)`: tracked
 * changes, untracked files and ignored ones (the loader reads those too, and
 * they are not in any commit).
 */
export async function uncommittedProjectFiles(projectDir: string): Promise<string[]> {
  const { stdout } = await exec('git', ['-c', 'core.quotePath=false', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=matching', '--', ...PROJECT_PATHS], {
    cwd: projectDir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const out: string[] = [];
  const entries = stdout.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.length < 4) continue;
    const xy = e.slice(0, 2);
    // A rename's origin follows as its own entry.
    if (xy.includes('R') || xy.includes('C')) i++;
    out.push(`${e.slice(3)} (${describe(xy)})`);
  }
  return out.sort();
}

function describe(xy: string): string {
  if (xy === '??') return 'untracked';
  if (xy === '!!') return 'ignored by git';
  if (xy.includes('D')) return 'deleted';
  if (xy.includes('A')) return 'added';
  if (xy.includes('R')) return 'renamed';
  return 'modified';
}

/** Throws DirtyTreeError unless the project files are exactly HEAD's; returns the changed files (with allowDirty). */
export async function checkCommitted(projectDir: string, allowDirty: boolean | undefined): Promise<string[]> {
  const files = await uncommittedProjectFiles(projectDir);
  if (files.length && !allowDirty) throw new DirtyTreeError(projectDir, files);
  return files;
}
