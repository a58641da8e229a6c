import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runRender } from '../../src/render/run-render';
import { BASE_PROJECT, type FileSpec } from './project-fixture';
import { scratchDir } from './cleanup';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A user project in a real git repository; each commit re-renders, as a user would. */
export class GitProject {
  readonly dir: string;
  private readonly root: string;

  constructor(files: Record<string, string> = BASE_PROJECT, opts: { subdir?: string } = {}) {
    // Also removed at exit: a test that throws before cleanup() must not leave it.
    this.root = scratchDir('steward-git-');
    this.dir = opts.subdir ? join(this.root, opts.subdir) : this.root;
    mkdirSync(this.dir, { recursive: true });
    git(this.root, 'init', '-q', '-b', 'main');
    this.write(files);
    this.commit({}, 'initial');
  }

  get repoDir(): string {
    return this.root;
  }

  write(files: Record<string, FileSpec>): void {
    for (const [rel, content] of Object.entries(files)) {
      const abs = join(this.dir, rel);
      if (content === null) rmSync(abs, { recursive: true, force: true });
      else if (typeof content === 'string') {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, content);
      }
    }
  }

  /** Write, render, commit; returns the new sha. `render: false` commits as written. */
  commit(files: Record<string, FileSpec>, message: string, opts: { render?: boolean } = {}): string {
    this.write(files);
    if (opts.render !== false) runRender(this.dir);
    git(this.root, 'add', '-A');
    git(this.root, 'commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return git(this.root, 'rev-parse', 'HEAD');
  }

  markConverged(sha = this.head()): void {
    git(this.root, 'update-ref', 'refs/steward/converged', sha);
  }

  git(...args: string[]): string {
    return git(this.root, ...args);
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
