import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineApi, EngineConnectError, unixSocketPath, type ContainerInspect } from './engine-api';
import { envFile } from './env-file';
import { classifyFailure, hostKeyUnknownMessage, redact, TargetError } from './errors';
import { evaluateHealth } from './health';
import { probeAddress, probeDirect, probeOverSsh, probeUrl, type HttpProbe } from './http-probe';
import { containerFromInspect, groupApps, parseInspectOutput } from './observe-parse';
import { run, type RunResult } from './process';
import {
  containerLogsScript,
  healthScript,
  logsScript,
  MARK_ENGINE,
  MARK_PROBLEM,
  MARK_REMAINING,
  MARK_SOCKET,
  MARK_RELOADED,
  MARK_SYNCED,
  observeScript,
  prepareScript,
  pruneStraysScript,
  removeContainersScript,
  removeDirScript,
  uploadReleaseScript,
  activateReleaseScript,
  readReleaseScript,
  syncFilesScript,
} from './scripts';
import { checkLiveDir, checkLivePath } from './live';
import { envValues, KEEP_RELEASES, parseReleaseInfo, releaseDigests, releaseDir, releaseId, splitParts, withReleaseMounts, type ReleaseInfo } from './release';
import { SshContext, shQuote, type SshEndpoint, type SshOptions } from './ssh';
import { checkRelativePath, tar } from './tar';
import {
  composeProjectName,
  LABEL_APP,
  LABEL_PROJECT,
  type AppRef,
  type ApplyResult,
  type CurrentRelease,
  type DeployableApp,
  type HealthResult,
  type ObservedTarget,
  type ObserveOptions,
  type PrepareResult,
  type RemoveContainersResult,
  type RemoveResult,
  type SyncFilesOptions,
  type SyncFilesResult,
  type Target,
  type TargetSpec,
} from './target';

export interface DockerTargetOptions extends SshOptions {
  /** Engine of an `address: local` target. Default: DOCKER_HOST, else the Docker CLI's default. */
  localDockerHost?: string;
  /** The docker CLI the runner runs (compose, stack deploy). Default: `docker` on PATH. */
  dockerCli?: string;
  /** Limit for each short remote call (observe, upload, health poll). */
  commandTimeoutMs?: number;
  /** Limit for pull and `compose up`, which may download images. */
  pullTimeoutMs?: number;
  /** Log lines returned with a failed apply. */
  logLines?: number;
  healthPollMs?: number;
  /**
   * A private (0700) directory of this run (`<stateDir>/run/<runId>/`) for the
   * plaintext compose must read on the runner; a killed run's is cleared by
   * the next converge. Default: the system temp dir.
   */
  runtimeDir?: string;
}

const NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/** A host with a Docker Engine, driven by the docker CLI and `docker compose`, locally or over SSH. */
export class DockerTarget implements Target {
  protected count = 0;
  protected sshContext?: Promise<SshContext>;
  protected readonly commandTimeoutMs: number;
  protected readonly pullTimeoutMs: number;
  /**
   * The engine, read in-process through its Unix socket: the local one, or the
   * host's forwarded over the SSH connection (compose then talks to it too,
   * with no ssh process or `docker system dial-stdio` per call). Set by
   * prepare(); null when it cannot be had, and the docker CLI over ssh is used.
   */
  protected engineApi?: EngineApi | null;
  protected hostDockerHost?: string;
  /** Last time the SSH connection carried something: its master ends after 60 s idle. */
  protected lastContact = 0;

  constructor(
    readonly spec: TargetSpec,
    protected readonly options: DockerTargetOptions = {},
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 600_000;
  }

  get roundTrips(): number {
    return this.count;
  }

  get isLocal(): boolean {
    return this.spec.address === 'local';
  }

  protected get endpoint(): SshEndpoint {
    return { host: this.spec.address, user: this.spec.user ?? userInfo().username, port: this.spec.port ?? 22 };
  }

  protected get where(): string {
    return this.isLocal ? 'local engine' : `${this.endpoint.user}@${this.endpoint.host}:${this.endpoint.port}`;
  }

  protected ssh(): Promise<SshContext> {
    this.sshContext ??= SshContext.create(this.options);
    return this.sshContext;
  }

  protected async dockerEnv(): Promise<NodeJS.ProcessEnv> {
    if (!this.isLocal) {
      const env = (await this.ssh()).dockerEnv(this.endpoint);
      const api = await this.engine();
      if (api) env.DOCKER_HOST = `unix://${api.socketPath}`;
      return env;
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    const host = this.options.localDockerHost ?? process.env.DOCKER_HOST;
    if (host) env.DOCKER_HOST = host;
    return env;
  }

  /** Runs a shell script on the target's host: one round trip. */
  protected async exec(script: string, opts: { input?: Buffer; timeoutMs?: number; secrets?: string[] } = {}): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    this.count++;
    let result: RunResult;
    if (this.isLocal) {
      result = await run('sh', ['-c', script], { input: opts.input, timeoutMs, env: await this.dockerEnv() });
    } else {
      const ctx = await this.ssh();
      result = await run('ssh', ctx.args(this.endpoint, `sh -c ${shQuote(script)}`), { input: opts.input, timeoutMs });
      this.lastContact = Date.now();
    }
    this.throwIfUnreachable(result, timeoutMs, opts.secrets ?? []);
    return result;
  }

  /** Runs the docker CLI on the runner against the target's engine: one round trip. */
  protected async docker(args: string[], opts: { timeoutMs?: number; secrets?: string[] } = {}): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    this.count++;
    let result = await run(this.options.dockerCli ?? 'docker', args, { timeoutMs, env: await this.dockerEnv() });
    if (this.engineApi && !this.isLocal && result.code !== 0 && /Cannot connect to the Docker daemon/i.test(result.stderr)) {
      // The SSH connection under the forward went away (a restarted sshd, a
      // network blip): the call never reached the engine, so it is safe to
      // repeat once over a new connection.
      await this.reconnect();
      result = await run(this.options.dockerCli ?? 'docker', args, { timeoutMs, env: await this.dockerEnv() });
    }
    this.lastContact = Date.now();
    this.throwIfUnreachable(result, timeoutMs, opts.secrets ?? []);
    return result;
  }

  protected throwIfUnreachable(result: RunResult, timeoutMs: number, secrets: string[]): void {
    if (result.timedOut) {
      throw new TargetError(this.spec.name, 'timeout', `${this.where}: no answer within ${Math.round(timeoutMs / 1000)} s`);
    }
    if (result.code === 0) return;
    const cause = classifyFailure(result.stderr);
    if (cause) {
      const say = cause.kind === 'host-key-unknown' ? hostKeyUnknownMessage(this.endpoint.host, this.endpoint.port, this.options.knownHostsSource ?? 'STEWARD_KNOWN_HOSTS') : cause.say;
      throw new TargetError(this.spec.name, cause.kind, `${this.where}: ${say}`, redact(lastLine(result.stderr), secrets));
    }
    if (!this.isLocal && result.code === 255) {
      throw new TargetError(this.spec.name, 'unreachable', `${this.where}: ssh failed: ${redact(lastLine(result.stderr), secrets)}`);
    }
  }

  protected fail(what: string, result: RunResult, secrets: string[] = []): TargetError {
    const detail = redact(result.stderr.trim() || result.stdout.trim(), secrets);
    return new TargetError(this.spec.name, 'command', `${what} failed (exit ${result.code}): ${lastLine(detail)}`, detail);
  }

  protected appDir(project: string, app: string): string {
    return `${this.spec.dir.replace(/\/+$/, '')}/${project}/${app}`;
  }

  async prepare(project: string, apps: string[] = []): Promise<PrepareResult> {
    checkName('project', project);
    apps.forEach((a) => checkName('app', a));
    const problems: string[] = [];
    const compose = await runnerCompose(this.commandTimeoutMs);
    if (compose.code !== 0) {
      problems.push('Docker Compose v2 is missing on the runner: `docker compose version` failed (install the docker-compose plugin)');
    }
    const result = await this.exec(prepareScript(project, this.spec.dir, apps));
    let engineVersion: string | undefined;
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith(`${MARK_PROBLEM} `)) problems.push(line.slice(MARK_PROBLEM.length + 1));
      if (line.startsWith(`${MARK_ENGINE} `)) engineVersion = line.slice(MARK_ENGINE.length + 1).trim();
      if (line.startsWith(`${MARK_SOCKET} `)) this.hostDockerHost = line.slice(MARK_SOCKET.length + 1).trim();
    }
    if (problems.length === 0) await this.connectEngine();
    if (result.code !== 0) problems.push(`preparing the host failed: ${lastLine(result.stderr)}`);
    const out: PrepareResult = { ok: problems.length === 0, target: this.spec.name, problems };
    if (engineVersion) out.engineVersion = engineVersion;
    if (compose.code === 0) out.composeVersion = compose.stdout.trim();
    if (out.ok) out.engineVia = this.engineApi ? (this.isLocal ? 'socket' : 'ssh-forward') : 'docker-cli';
    return out;
  }

  async observe(options: ObserveOptions = {}): Promise<ObservedTarget> {
    const before = this.count;
    if (options.project) checkName('project', options.project);
    const result = await this.exec(observeScript(options.project, this.spec.dir));
    if (result.code !== 0) throw this.fail('observe', result);
    const { containers, releases, live } = parseInspectOutput(result.stdout);
    const { apps, leftovers } = groupApps(containers, options, releases);
    return { target: this.spec.name, apps, leftovers, ...(live ? { live } : {}), roundTrips: this.count - before };
  }

  async apply(app: DeployableApp): Promise<ApplyResult> {
    const started = Date.now();
    checkName('project', app.project);
    checkName('app', app.app);
    const secrets = Object.values(app.env);
    const appDir = this.appDir(app.project, app.app);
    const id = releaseId(new Date(started), app.hash);
    const compose = Buffer.from(withReleaseMounts(app.compose, appDir, releaseDir(appDir, id)));
    const env = Buffer.from(envFile(app.env));
    const files = app.files.map((f) => ({ path: checkUploadPath(f.path), content: f.content }));
    const info: ReleaseInfo = {
      schema: 1,
      id,
      project: app.project,
      app: app.app,
      hash: app.hash,
      ...(app.health ? { health: app.health } : {}),
      healthTimeoutMs: app.healthTimeoutMs,
      digests: releaseDigests(files, env, compose),
    };
    const archive = tar([
      { path: 'compose.yaml', content: compose, mode: 0o600 },
      { path: 'secrets.env', content: env, mode: 0o600 },
      { path: 'release.json', content: Buffer.from(JSON.stringify(info) + '\n'), mode: 0o600 },
      ...files.map((f) => ({ ...f, mode: 0o644 })),
    ]);
    const upload = await this.exec(uploadReleaseScript(appDir, id), { input: archive, secrets });
    if (upload.code !== 0) throw this.fail(`uploading ${app.app}'s release ${id}`, upload, secrets);

    const r = await this.up(app, compose, env, app.hash, secrets, started);
    if (!r.ok) return r;
    // Only a healthy release becomes the one a rollback returns to.
    const activate = await this.exec(activateReleaseScript(appDir, id, KEEP_RELEASES));
    if (activate.code !== 0) throw this.fail(`making release ${id} of ${app.app} current`, activate);
    return { ...r, release: id };
  }

  async currentRelease(app: AppRef): Promise<CurrentRelease | undefined> {
    const r = await this.readRelease(app);
    return r && { id: r.info.id, hash: r.info.hash, compose: r.compose };
  }

  async rollback(app: AppRef): Promise<ApplyResult | undefined> {
    const started = Date.now();
    const r = await this.readRelease(app);
    if (!r) return undefined;
    const ref = { project: app.project, app: app.app, health: r.info.health, healthTimeoutMs: r.info.healthTimeoutMs };
    const back = await this.up(ref, Buffer.from(r.compose), Buffer.from(r.env), r.info.hash, envValues(r.env), started);
    return { ...back, release: r.info.id };
  }

  /** The current release, secrets.env included: into memory over the one connection, never onto a log. */
  protected async readRelease(app: AppRef): Promise<{ info: ReleaseInfo; compose: string; env: string } | undefined> {
    checkName('project', app.project);
    checkName('app', app.app);
    const marker = `@@steward-part-${randomBytes(8).toString('hex')}`;
    const r = await this.exec(readReleaseScript(this.appDir(app.project, app.app), marker));
    if (r.code === 44) return undefined;
    if (r.code !== 0) throw this.fail(`reading ${app.app}'s current release`, r);
    const parts = splitParts(r.stdout, marker);
    const info = parseReleaseInfo(parts.get('release.json') ?? '', `target ${this.spec.name}, app ${app.app}`);
    return { info, compose: parts.get('compose.yaml') ?? '', env: parts.get('secrets.env') ?? '' };
  }

  /**
   * A private stage dir for files the docker CLI reads on the runner (env
   * files, stack configs and secrets): under the run's 0700 directory, gone
   * when `fn` returns.
   */
  protected async withStage<T>(prefix: string, files: { path: string; content: Buffer; mode: number }[], fn: (dir: string) => Promise<T>): Promise<T> {
    const stage = await mkdtemp(join(this.options.runtimeDir ?? tmpdir(), prefix));
    try {
      await chmod(stage, 0o700);
      for (const f of files) {
        await mkdir(dirname(join(stage, f.path)), { recursive: true, mode: 0o700 });
        await writeFile(join(stage, f.path), f.content, { mode: f.mode });
      }
      return await fn(stage);
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }

  /** `compose up` of one release's compose and env, then health until healthy, failed or out of time. */
  private async up(app: AppRef & { healthTimeoutMs: number }, compose: Buffer, env: Buffer, hash: string, secrets: string[], started: number): Promise<ApplyResult> {
    const cp = composeProjectName(app.project, app.app);
    const base = { target: this.spec.name, project: app.project, app: app.app, hash };
    const done = (r: Omit<ApplyResult, keyof typeof base | 'durationMs'>): ApplyResult => ({ ...base, ...r, durationMs: Date.now() - started });

    // compose reads env_file on the runner, so it needs the files here too.
    const failed = await this.withStage('stw-apply-', [{ path: 'compose.yaml', content: compose, mode: 0o600 }, { path: 'secrets.env', content: env, mode: 0o600 }], async (stage) => {
      const composeArgs = ['compose', '-p', cp, '-f', join(stage, 'compose.yaml'), '--project-directory', stage];
      // One compose call: it pulls what is missing itself. A new tag is a new
      // image and gets pulled; a tag moved in the registry is not (pin versions).
      const upResult = await this.docker([...composeArgs, 'up', '-d', '--remove-orphans', '--quiet-pull', '--pull', 'missing'], { timeoutMs: this.pullTimeoutMs, secrets });
      if (upResult.code !== 0) {
        const why = redact(lastLine(upResult.stderr), secrets);
        return done({ ok: false, status: 'failed', message: /pull|manifest|not found|denied/i.test(why) ? `pull failed: ${why}` : `compose up failed: ${why}`, containers: [] });
      }
      return undefined;
    });
    if (failed) return failed;

    const deadline = started + app.healthTimeoutMs;
    let strayCheck = true;
    for (;;) {
      const h = await this.healthCheck(app);
      // After `up`, every container compose owns carries the hash just applied;
      // one with this app's labels and another hash was made by hand, and compose
      // would never replace it. Found in the health listing: no extra round trip.
      if (strayCheck) {
        strayCheck = false;
        const strays = h.containers.filter((c) => c.hash !== hash);
        if (strays.length) {
          const owned = h.containers.filter((c) => c.hash === hash).map((c) => c.id);
          const prune = await this.exec(pruneStraysScript(app.project, app.app, owned));
          if (prune.code !== 0) throw this.fail(`removing stray containers of ${app.app}`, prune);
          continue;
        }
      }
      if (h.status === 'healthy') {
        return done({ ok: true, status: 'healthy', message: h.message, containers: h.containers });
      }
      const decisive = h.status === 'failed' || (h.status === 'unhealthy' && !h.httpOnly);
      if (decisive || Date.now() >= deadline) {
        const failing = h.failing ?? h.containers.find((c) => c.state !== 'running' || c.health !== 'healthy') ?? h.containers[0];
        const logs = failing ? await this.containerLogs(failing.id, this.options.logLines ?? 50, secrets) : [];
        const status = decisive ? (h.status === 'failed' ? 'failed' : 'unhealthy') : 'timeout';
        const message = decisive ? h.message : `not healthy within ${Math.round(app.healthTimeoutMs / 1000)} s: ${h.message}`;
        return done({ ok: false, status, message: redact(message, secrets), logs, containers: h.containers });
      }
      await sleep(Math.min(this.options.healthPollMs ?? 500, Math.max(0, deadline - Date.now())));
    }
  }

  private async containerLogs(id: string, lines: number, secrets: string[]): Promise<string[]> {
    const r = await this.exec(containerLogsScript(id, lines), { secrets });
    return redact(r.stdout, secrets).split('\n').filter((l) => l.length > 0);
  }

  private async healthCheck(app: AppRef): Promise<HealthResult & { httpOnly: boolean }> {
    const http = app.health?.http ? { path: app.health.http, port: app.health.port ?? 80 } : undefined;
    const api = await this.engine();
    if (api) {
      try {
        return await this.healthFromEngine(api, app, http);
      } catch (e) {
        if (!(e instanceof EngineConnectError) || this.isLocal) throw e;
        // The SSH connection under the forward went away: a new one, once.
        await this.reconnect();
        if (this.engineApi) return await this.healthFromEngine(this.engineApi, app, http);
      }
    }
    const result = await this.exec(healthScript(app.project, app.app, http));
    if (result.code !== 0) throw this.fail(`health check of ${app.app}`, result);
    const parsed = parseInspectOutput(result.stdout);
    return { target: this.spec.name, app: app.app, ...evaluateHealth(parsed.containers, parsed.http) };
  }

  private async healthFromEngine(api: EngineApi, app: AppRef, http?: { path: string; port: number }): Promise<HealthResult & { httpOnly: boolean }> {
    // Every container carrying the app's labels, compose-owned or not, so that
    // apply sees hand-made strays in the same poll.
    const ids = await api.containerIds([`${LABEL_PROJECT}=${app.project}`, `${LABEL_APP}=${app.app}`]);
    const inspects = (await Promise.all(ids.map((id) => api.inspect(id)))).filter((i): i is ContainerInspect => i !== undefined);
    this.count += 1 + ids.length;
    this.lastContact = Date.now();
    let probe: HttpProbe | 'none' | undefined;
    if (http) {
      const address = probeAddress(inspects, composeProjectName(app.project, app.app), app.app);
      probe = address ? await this.probeHttp(address, http.port, http.path) : 'none';
    }
    return { target: this.spec.name, app: app.app, ...evaluateHealth(inspects.map(containerFromInspect), probe) };
  }

  /**
   * The HTTP check, from where the container's address is reachable: this
   * machine for the local engine, the host (through the SSH connection) else.
   */
  private async probeHttp(address: string, port: number, path: string): Promise<HttpProbe> {
    const url = probeUrl(address, port, path);
    const timeoutMs = 5000;
    if (this.isLocal) return probeDirect(url, timeoutMs);
    // OpenSSH grants TCP channels and socket forwards under the same rules
    // (AllowTcpForwarding, PermitOpen, permitopen=, DisableForwarding deny
    // both): with the engine's socket forwarded, a refused channel means
    // nothing listens there.
    const ctx = await this.ssh();
    this.count++;
    const requestPath = url.slice(url.indexOf('/', 'http://'.length));
    const probe = await probeOverSsh(ctx.stdioForwardArgs(this.endpoint, address, port), url, `${address}:${port}`, requestPath, timeoutMs);
    this.lastContact = Date.now();
    return probe;
  }

  /** Sets up the in-process engine access once the host is known to have an engine. */
  protected async connectEngine(): Promise<void> {
    const socket = unixSocketPath(this.hostDockerHost);
    if (this.isLocal) {
      const api = socket ? new EngineApi(socket, this.commandTimeoutMs) : undefined;
      this.engineApi = api && (await api.ping()) ? api : null;
      return;
    }
    // `-L local:remote` cannot carry a path with a colon.
    if (!socket || socket.includes(':')) {
      this.engineApi = null;
      return;
    }
    const ctx = await this.ssh();
    const local = this.engineApi?.socketPath ?? ctx.socketPath();
    const forward = await run('ssh', ctx.forwardArgs(this.endpoint, local, socket), { timeoutMs: this.commandTimeoutMs });
    const api = new EngineApi(local, this.commandTimeoutMs);
    // A host that refuses stream forwarding (AllowStreamLocalForwarding no) keeps the CLI path.
    this.engineApi = forward.code === 0 && (await api.ping()) ? api : null;
    if (this.engineApi) this.lastContact = Date.now();
  }

  /** The engine API when it can be used now; undefined: use the docker CLI. */
  protected async engine(): Promise<EngineApi | undefined> {
    if (!this.engineApi) return undefined;
    if (this.isLocal) return this.engineApi;
    // The master, and the forward with it, may have ended after a quiet spell:
    // a new session starts a new master (or fails naming why the host is gone).
    if (Date.now() - this.lastContact > 30_000) {
      if (await this.engineApi.ping()) this.lastContact = Date.now();
      else await this.reconnect();
    }
    return this.engineApi ?? undefined;
  }

  /** A session starts a new control master (or fails naming why the host is gone); then the forward again. */
  protected async reconnect(): Promise<void> {
    const r = await this.exec(':');
    if (r.code !== 0) throw this.fail('reconnecting', r);
    await this.connectEngine();
  }

  async health(app: AppRef): Promise<HealthResult> {
    const { httpOnly: _httpOnly, ...h } = await this.healthCheck(app);
    return h;
  }

  async remove(app: AppRef): Promise<RemoveResult> {
    checkName('project', app.project);
    checkName('app', app.app);
    const args = ['compose', '-p', composeProjectName(app.project, app.app), 'down', '--remove-orphans', '--timeout', '10'];
    if (app.purge) args.push('--volumes');
    const down = await this.docker(args, { timeoutMs: this.pullTimeoutMs });
    if (down.code !== 0) throw this.fail(`removing ${app.app}`, down);
    // The app dir holds its secrets: nothing of a removed app stays behind.
    const rmDir = await this.exec(removeDirScript(this.appDir(app.project, app.app)));
    if (rmDir.code !== 0) throw this.fail(`deleting ${app.app}'s directory`, rmDir);
    return { target: this.spec.name, app: app.app, removedVolumes: Boolean(app.purge) };
  }

  async removeContainers(ids: string[]): Promise<RemoveContainersResult> {
    if (!ids.length) return { target: this.spec.name, remaining: [] };
    const r = await this.exec(removeContainersScript(ids));
    if (r.code !== 0) throw this.fail('removing leftover containers', r);
    const after = r.stdout.slice(r.stdout.indexOf(MARK_REMAINING) + MARK_REMAINING.length).split('\n').map((l) => l.trim()).filter(Boolean);
    return { target: this.spec.name, remaining: ids.filter((id) => after.some((a) => a.startsWith(id))) };
  }

  async syncFiles(ref: AppRef, dir: string, files: { path: string; content: Buffer }[], options: SyncFilesOptions = {}): Promise<SyncFilesResult> {
    checkName('project', ref.project);
    checkName('app', ref.app);
    checkLiveDir(dir);
    const paths = files.map((f) => checkLivePath(f.path));
    const dup = paths.find((p, i) => paths.indexOf(p) !== i);
    if (dup) throw new Error(`live file ${dup} given twice for ${ref.app}/${dir}`);
    const archive = tar(files.map((f, i) => ({ path: paths[i], content: f.content, mode: 0o644 })));
    const reload = options.reload && { project: ref.project, app: ref.app, signal: options.reload };
    const r = await this.exec(syncFilesScript(this.appDir(ref.project, ref.app), dir, paths, reload), { input: archive });
    if (r.code !== 0) throw this.fail(`writing ${ref.app}'s live files ${dir}/${reload ? ` and sending ${reload.signal}` : ''}`, r);
    const lines = r.stdout.split('\n');
    const changed = lines.some((l) => l.startsWith(`${MARK_SYNCED} `));
    const signalled = lines.find((l) => l === MARK_RELOADED || l.startsWith(`${MARK_RELOADED} `));
    return signalled === undefined ? { changed } : { changed, reloaded: signalled.split(' ').slice(1).filter(Boolean) };
  }

  async logs(app: AppRef, lines: number): Promise<string[]> {
    const r = await this.exec(logsScript(app.project, app.app, lines));
    if (r.code !== 0) throw this.fail(`logs of ${app.app}`, r);
    const out: string[] = [];
    let name = '';
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('@@steward-logs ')) name = line.slice(15).replace(/^\//, '');
      else if (line) out.push(`${name} | ${line}`);
    }
    return out;
  }

  async close(): Promise<void> {
    if (!this.sshContext) return;
    const ctx = await this.sshContext;
    this.sshContext = undefined;
    await ctx.close([this.endpoint]);
  }
}

let composeOnRunner: Promise<RunResult> | undefined;

/** `docker compose version` on the runner: the same for every target, asked once per process. */
function runnerCompose(timeoutMs: number): Promise<RunResult> {
  composeOnRunner ??= run('docker', ['compose', 'version', '--short'], { timeoutMs });
  return composeOnRunner;
}

export function checkName(what: string, name: string): void {
  if (!NAME.test(name)) throw new Error(`invalid ${what} name ${JSON.stringify(name)}: use lower-case letters, digits, '-', '_' and '.'`);
}

function checkUploadPath(path: string): string {
  const p = checkRelativePath(path);
  // Only files/ is replaced on each apply; anything else would linger or clash with Steward's own files.
  if (!p.startsWith('files/')) throw new Error(`file path ${p} must be under files/ in the app directory`);
  return p;
}

export function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim());
  return lines[lines.length - 1]?.trim() ?? '';
}
