// The whole loop as a user has it: a project made by `steward init`, a real git
// remote (git http-backend), the Forgejo API double, and the workflow templates
// run step by step as forgejo-runner runs them in host mode.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startGitRemote, type GitRemote } from './git-remote';
import { startForgejoDouble, DOUBLE_TOKEN, type ForgejoDouble } from './forgejo-double';
import { runWorkflow, type WorkflowRun } from './action-runner';
import type { EventContext } from './events';
import type { Testenv } from './testenv';
import { testenvNetwork } from './testenv-project';
import { Cleanup } from './cleanup';

const exec = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/cli/index.js');

const DEV_TOKEN = 'developer-token';
export const REPO = 'alice/lab';
export const HTTP_PORT = 18080;
/** What Loop.create starts; a test replaces one to prove a failed start leaves nothing running. */
export interface LoopStarters {
  startGitRemote: typeof startGitRemote;
  startForgejoDouble: typeof startForgejoDouble;
}

const GIT_ENV = { GIT_AUTHOR_NAME: 'alice', GIT_AUTHOR_EMAIL: 'alice@example.org', GIT_COMMITTER_NAME: 'alice', GIT_COMMITTER_EMAIL: 'alice@example.org', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

export class Loop {
  private constructor(
    readonly env: Testenv,
    readonly remote: GitRemote,
    readonly forge: ForgejoDouble,
    readonly dev: string, // the user's working copy
    readonly keyFile: string,
    private readonly scratch: string,
    private readonly cleanup: Cleanup,
  ) {}

  /** `steward init`, the testenv targets, no apps yet; pushed to main. If a step throws, what was started is closed. */
  static async create(env: Testenv, starters: LoopStarters = { startGitRemote, startForgejoDouble }): Promise<Loop> {
    return new Cleanup().guard((cleanup) => Loop.start(env, starters, cleanup));
  }

  private static async start(env: Testenv, starters: LoopStarters, cleanup: Cleanup): Promise<Loop> {
    const scratch = cleanup.dir('steward-loop-');
    // Pushes need a token, as on Forgejo: the workflow's (left by checkout) or the developer's.
    const remote = cleanup.add(await starters.startGitRemote({ pushTokens: [DOUBLE_TOKEN, DEV_TOKEN] }), (r) => r.stop());
    remote.createBareRepo(`${REPO}.git`);
    const forge = cleanup.add(await starters.startForgejoDouble(), (f) => f.close());
    forge.addRepo(REPO);
    const dev = join(scratch, 'lab');
    const keyFile = join(scratch, 'lab.agekey');
    await exec(process.execPath, [CLI, 'init', dev, '--name', 'lab', '--domain', 'lab.test', '--key-file', keyFile]);
    const loop = new Loop(env, remote, forge, dev, keyFile, scratch, cleanup);
    loop.write({
      'project.yml':
        'name: lab\ndomain: lab.test\nconverge: { health_timeout: 30s, lock_timeout: 30s }\n' +
        `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n`,
      'network.yml': testenvNetwork(env),
      'services/hello': null,
    });
    await loop.git('init', '-q', '-b', 'main');
    await loop.git('remote', 'add', 'origin', remote.url(`${REPO}.git`));
    await loop.git('config', 'http.extraheader', `AUTHORIZATION: basic ${Buffer.from(`dev:${DEV_TOKEN}`).toString('base64')}`);
    return loop;
  }

  write(files: Record<string, string | null>): void {
    for (const [rel, content] of Object.entries(files)) {
      const abs = join(this.dev, rel);
      if (content === null) rmSync(abs, { recursive: true, force: true });
      else {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, content);
      }
    }
  }

  async git(...args: string[]): Promise<string> {
    return (await exec('git', args, { cwd: this.dev, env: { ...process.env, ...GIT_ENV } })).stdout.trim();
  }

  async steward(...args: string[]): Promise<string> {
    return (await exec(process.execPath, [CLI, ...args, '--project', this.dev], { env: { ...process.env, SOPS_AGE_KEY_FILE: this.keyFile } })).stdout;
  }

  async setSecret(file: string, key: string, value: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, 'secrets', 'set', join(this.dev, file), key], { env: { ...process.env, SOPS_AGE_KEY_FILE: this.keyFile } }, (e) => (e ? reject(e) : resolve()));
      child.stdin!.end(value);
    });
  }

  /** Write, render (unless told not to), commit, push; returns the new head. */
  async commitAndPush(files: Record<string, string | null>, message: string, branch = 'main', opts: { render?: boolean } = {}): Promise<string> {
    this.write(files);
    if (opts.render !== false) await this.steward('render');
    await this.git('add', '-A');
    await this.git('commit', '-q', '--allow-empty', '-m', message);
    await this.git('push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return this.git('rev-parse', 'HEAD');
  }

  /** Runs a workflow template of the user project as forgejo-runner would, in a fresh workspace. */
  async run(workflow: 'steward-converge.yml' | 'steward-plan.yml', event: EventContext, opts: { runId?: string } = {}): Promise<WorkflowRun & { record?: Record<string, any> }> {
    const workspace = mkdtempSync(join(this.scratch, 'ws-'));
    const run = await runWorkflow({
      workflowFile: join(this.dev, '.forgejo/workflows', workflow),
      workspace,
      event,
      repository: REPO,
      serverUrl: this.forge.url,
      token: DOUBLE_TOKEN,
      runId: opts.runId ?? String(Date.now()),
      secrets: { STEWARD_AGE_KEY: readFileSync(this.keyFile, 'utf8'), STEWARD_SSH_KEY: readFileSync(this.env.sshKey, 'utf8') },
      vars: { STEWARD_KNOWN_HOSTS: readFileSync(this.env.knownHosts, 'utf8') },
      resolveAction: (uses) => {
        if (uses.includes('/actions/checkout@')) return join(ROOT, 'test/fixtures/workflows/checkout');
        const m = /^steward\/steward\/actions\/([a-z]+)@/.exec(uses);
        if (m) return join(ROOT, 'actions', m[1]);
        throw new Error(`unexpected uses: ${uses}`);
      },
      env: {
        STEWARD_TEST_GIT_URL: this.remote.url('x').replace(/\/x\.git$/, ''),
        STEWARD_STATE_DIR: join(this.scratch, 'state'),
        DOCKER_HOST: this.env.localDockerHost,
        XDG_STATE_HOME: join(this.scratch, 'xdg'),
      },
    });
    let record: Record<string, any> | undefined;
    try {
      record = JSON.parse(readFileSync(join(workspace, '.steward/run.json'), 'utf8'));
    } catch {
      /* no converge step ran */
    }
    return Object.assign(run, { record });
  }

  /** GET through the edge proxy with the app's host name. */
  http(host: string, path = '/'): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: HTTP_PORT, path, headers: { Host: host }, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', () => resolve({ status: 0, body: '' }));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  async close(): Promise<void> {
    await this.cleanup.close();
  }
}

export function webApp(image: string, subdomain: string, extra = ''): string {
  return `target: core\nimage: ${image}\nroute: { subdomain: ${subdomain}, port: 80 }\nhealth: { http: /health, port: 80 }\n${extra}`;
}
