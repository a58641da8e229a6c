import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

/** The ref, on the Forgejo remote, that records the last converged commit. */
export const CONVERGED_REF = 'refs/steward/converged';

export interface CommitInfo {
  sha: string;
  subject: string;
  files: { status: string; path: string; oldPath?: string }[];
}

/** A git command that failed for a reason other than the answer "no": names the stage, the command and git's message. */
export class GitCommandError extends Error {
  override name = 'GitCommandError';
  constructor(
    readonly stage: string,
    readonly args: string[],
    readonly gitMessage: string,
  ) {
    super(`${stage}: git ${args.join(' ')} failed: ${gitMessage}`);
  }
}

/** The converged ref would move backwards or off its history: not pushed. */
export class RefRefusedError extends Error {
  override name = 'RefRefusedError';
}

/** The few git operations Steward needs, over one working copy. */
export class GitRepo {
  private readonly git: SimpleGit;

  /** `stage` names the pipeline stage in errors (diff, converge, ...). */
  constructor(
    readonly dir: string,
    readonly stage = 'git',
  ) {
    this.git = simpleGit({
      baseDir: dir,
      config: ['core.quotePath=false'],
      // simple-git strips every ambient GIT_* variable unless named. They come
      // from the runner's own environment, not from input: keep them, so the
      // token's extra header (GIT_CONFIG_*), GIT_SSL_CAINFO for a private CA,
      // GIT_SSH_COMMAND and the like work as with plain git.
      allowEnvironment: Object.keys(process.env).filter((k) => /^GIT_/i.test(k)),
    });
  }

  async head(): Promise<string> {
    return (await this.git.revparse(['HEAD'])).trim();
  }

  async resolve(ref: string): Promise<string | undefined> {
    try {
      return (await this.git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async toplevel(): Promise<string> {
    return (await this.git.revparse(['--show-toplevel'])).trim();
  }

  /** Path of `dir` inside the repository, with a trailing slash ('' at the top). */
  async prefixOf(dir: string): Promise<string> {
    const rel = relative(realpathSync(await this.toplevel()), realpathSync(dir)).split(sep).join('/');
    return rel ? `${rel}/` : '';
  }

  async isShallow(): Promise<boolean> {
    return (await this.git.raw(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  async hasRemote(name: string): Promise<boolean> {
    return (await this.git.getRemotes()).some((r) => r.name === name);
  }

  /** Fetch one ref from the remote into the same local name; false when the remote lacks it. */
  async fetchRef(remote: string, ref: string, depth?: number): Promise<boolean> {
    try {
      await this.git.raw(['fetch', '--no-tags', '--quiet', ...(depth ? [`--depth=${depth}`] : []), remote, `+${ref}:${ref}`]);
      return true;
    } catch (e) {
      if (/couldn't find remote ref|no such ref|not our ref/i.test(String((e as Error).message))) return false;
      throw e;
    }
  }

  async deepen(remote: string, by: number): Promise<void> {
    await this.git.raw(['fetch', '--no-tags', '--quiet', `--deepen=${by}`, remote]);
  }

  /** Exit status 1 is git's "no"; anything else but 0 is an error. */
  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    const args = ['merge-base', '--is-ancestor', ancestor, of];
    const r = await this.exec(args);
    if (r.code === 0 || r.code === 1) return r.code === 0;
    throw this.failure(args, r.stderr);
  }

  /** Commits in from..to, oldest first, with the files each touched. */
  async commitsBetween(from: string | undefined, to: string): Promise<CommitInfo[]> {
    const range = from ? [`${from}..${to}`] : [to];
    const out = await this.git.raw(['log', '--reverse', '--no-renames', '--format=%x1e%H%x1f%s', '--name-status', ...range, '--']);
    const commits: CommitInfo[] = [];
    for (const chunk of out.split('\x1e').slice(1)) {
      const [head, ...lines] = chunk.split('\n');
      const [sha, subject] = head.split('\x1f');
      const files = lines.filter(Boolean).map((l) => {
        const [status, path] = l.split('\t');
        return { status, path };
      });
      commits.push({ sha, subject, files });
    }
    return commits;
  }

  /** The newest commit up to `rev` that touched `path` (from the top of the repository), or undefined. */
  async lastCommitOf(rev: string, path: string): Promise<{ sha: string; subject: string; at: string } | undefined> {
    const out = await this.git.raw(['log', '-1', '--format=%H%x1f%cI%x1f%s', rev, '--', `:(top)${path}`]);
    const [sha, at, subject] = out.trim().split('\x1f');
    return sha ? { sha, subject: subject ?? '', at } : undefined;
  }

  /** Paths changed between two commits (tree comparison, no history walk). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const out = await this.git.raw(['diff', '--name-only', '--no-renames', from, to, '--']);
    return out.split('\n').filter(Boolean);
  }

  /** A file's text at a commit, or undefined when the commit has no such path; an unreadable commit or object throws. */
  async show(rev: string, path: string): Promise<string | undefined> {
    const list = ['ls-tree', '--full-tree', '-z', rev, '--', path];
    const l = await this.exec(list);
    if (l.code !== 0) throw this.failure(list, l.stderr);
    if (!l.stdout) return undefined;
    const cat = ['cat-file', 'blob', `${rev}:${path}`];
    const c = await this.exec(cat);
    if (c.code !== 0) throw this.failure(cat, c.stderr);
    return c.stdout;
  }

  /** The value of `ref` on the remote now, or undefined when the remote has no such ref. */
  async remoteRef(remote: string, ref: string): Promise<string | undefined> {
    const args = ['ls-remote', remote, ref];
    const r = await this.exec(args);
    if (r.code !== 0) throw this.failure(args, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.split('\t')[1] === ref);
    return line?.split('\t')[0];
  }

  /**
   * Moves `ref` on the remote to `sha`, only from `expected` (the value read at
   * the start of the run; undefined: the ref must not exist) and only forwards
   * along history, so a run that finishes late never rewinds a newer one.
   */
  async pushRef(remote: string, sha: string, ref: string, expected: string | undefined): Promise<void> {
    if (expected === sha) return;
    if (expected) {
      if (!(await this.hasCommit(expected))) await this.gitOrThrow(['fetch', '--no-tags', '--quiet', remote, ref]);
      if (!(await this.isAncestor(expected, sha)) && (await this.isShallow())) await this.deepen(remote, 1000);
      // A step backwards is refused; a rewritten history (the branch was
      // force-pushed) is followed, as Argo CD and Flux follow the branch: the
      // lease below still refuses it if another run moved the ref meanwhile.
      if (!(await this.isAncestor(expected, sha)) && (await this.isAncestor(sha, expected))) {
        const [s, e] = [sha.slice(0, 7), expected.slice(0, 7)];
        throw new RefRefusedError(`${s} is an ancestor of the converged commit ${e}: a newer run converged meanwhile; ${ref} does not move backwards`);
      }
    }
    await this.gitOrThrow(['push', '--quiet', `--force-with-lease=${ref}:${expected ?? ''}`, remote, `${sha}:${ref}`]);
  }

  private async hasCommit(sha: string): Promise<boolean> {
    return (await this.exec(['cat-file', '-e', `${sha}^{commit}`])).code === 0;
  }

  private async gitOrThrow(args: string[]): Promise<void> {
    const r = await this.exec(args);
    if (r.code !== 0) throw this.failure(args, r.stderr);
  }

  private failure(args: string[], stderr: string): GitCommandError {
    return new GitCommandError(this.stage, args, stderr.trim().split('\n').filter(Boolean).join('; ') || 'no message');
  }

  /** git with its exit status, for the commands whose status is the answer; asynchronous, so an in-process git server can answer. */
  private exec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile('git', ['-c', 'core.quotePath=false', ...args], { cwd: this.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : -1) : 0;
        resolve({ code, stdout, stderr: err && code === -1 ? `${stderr}${err.message}` : stderr });
      });
    });
  }

  /** The branch checked out (refs/heads/...), or undefined on a detached HEAD. */
  async branchRef(): Promise<string | undefined> {
    try {
      return (await this.git.raw(['symbolic-ref', '-q', 'HEAD'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Commits exactly these paths (new, changed and deleted files under them),
   * leaving anything else in the working tree or the index alone. Returns the
   * new commit, or undefined when nothing under the paths changed.
   */
  async commitPaths(paths: string[], message: string, identity?: { name: string; email: string }): Promise<string | undefined> {
    await this.git.raw(['add', '--all', '--', ...paths]);
    const staged = (await this.git.raw(['diff', '--cached', '--name-only', '--', ...paths])).trim();
    if (!staged) return undefined;
    const who = identity ? ['-c', `user.name=${identity.name}`, '-c', `user.email=${identity.email}`] : [];
    await this.git.raw([...who, 'commit', '--quiet', '--no-verify', '-m', message, '--', ...paths]);
    return this.head();
  }

  /** Pushes HEAD to a branch; never forced, so a branch that moved on meanwhile is not overwritten. */
  async pushHead(remote: string, branchRef: string): Promise<void> {
    await this.git.raw(['push', '--quiet', remote, `HEAD:${branchRef}`]);
  }

  async configValue(key: string): Promise<string | undefined> {
    try {
      return (await this.git.raw(['config', '--get', key])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether git already sends an extra header (as actions/checkout leaves for the token). */
  async hasExtraHeader(): Promise<boolean> {
    try {
      return (await this.git.raw(['config', '--get-regexp', '^http\\..*extraheader$'])).trim() !== '';
    } catch {
      return false;
    }
  }

  async updateLocalRef(ref: string, sha: string): Promise<void> {
    await this.git.raw(['update-ref', ref, sha]);
  }
}
