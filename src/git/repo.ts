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

/** The few git operations Steward needs, over one working copy. */
export class GitRepo {
  private readonly git: SimpleGit;

  constructor(readonly dir: string) {
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

  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    // merge-base prints the common ancestor; simple-git does not surface the
    // exit status of --is-ancestor, so compare instead.
    try {
      return (await this.git.raw(['merge-base', ancestor, of])).trim() === ancestor;
    } catch {
      return false; // no common history at all (or a missing object in a shallow clone)
    }
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

  /** Paths changed between two commits (tree comparison, no history walk). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const out = await this.git.raw(['diff', '--name-only', '--no-renames', from, to, '--']);
    return out.split('\n').filter(Boolean);
  }

  /** A file's text at a commit, or undefined when it does not exist there. */
  async show(rev: string, path: string): Promise<string | undefined> {
    try {
      return await this.git.raw(['show', `${rev}:${path}`]);
    } catch {
      return undefined;
    }
  }

  async pushRef(remote: string, sha: string, ref: string): Promise<void> {
    await this.git.raw(['push', '--force', '--quiet', remote, `${sha}:${ref}`]);
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
