import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { checkName, DockerTarget, lastLine } from './docker-target';
import { EngineConnectError, type EngineApi } from './engine-api';
import { envFile } from './env-file';
import { redact } from './errors';
import { envValues, KEEP_RELEASES, releaseDigests, releaseId, type ReleaseInfo } from './release';
import { MARK_ENGINE, MARK_PROBLEM, MARK_SOCKET, removeDirScript } from './scripts';
import { checkRelativePath, tar } from './tar';
import { groupSwarm, parseSwarmListing, rolloutState, serviceState, STACK_LABEL, type SwarmListing, type SwarmNode, type SwarmService, type SwarmTask } from './swarm-observe';
import {
  MARK_NOTE,
  MARK_REMAINING_SERVICES,
  pruneObjectsScript,
  removeServicesScript,
  serviceLogsScript,
  stackListScript,
  storeReleaseScript,
  swarmObserveScript,
  swarmPrepareScript,
  taskLogsScript,
  waitStackGoneScript,
} from './swarm-scripts';
import { withExternalObjects } from '../render/stack';
import {
  composeProjectName,
  LABEL_PROJECT,
  type AppRef,
  type ApplyResult,
  type DeployableApp,
  type HealthResult,
  type ObservedTarget,
  type ObserveOptions,
  type PrepareResult,
  type RemoveContainersResult,
  type RemoveResult,
} from './target';

/**
 * A Docker Swarm, driven through one manager (locally or over SSH, with the
 * connection DockerTarget makes: one SSH connection, the manager's engine
 * socket forwarded to the runner). Each app is a stack `<project>-<app>`,
 * deployed from the runner with `docker stack deploy`; Steward then waits for
 * the rollout itself, as a deploy returns before the services converge.
 * Releases (stack file, secret values, release.json) are kept on the manager
 * as on a single host, for Steward's own rollback.
 */
export class SwarmTarget extends DockerTarget {
  override async prepare(project: string, apps: string[] = []): Promise<PrepareResult> {
    checkName('project', project);
    apps.forEach((a) => checkName('app', a));
    const problems: string[] = [];
    const notes: string[] = [];
    const result = await this.exec(swarmPrepareScript(project, this.spec.dir, apps));
    let engineVersion: string | undefined;
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith(`${MARK_PROBLEM} `)) problems.push(line.slice(MARK_PROBLEM.length + 1));
      if (line.startsWith(`${MARK_NOTE} `)) notes.push(line.slice(MARK_NOTE.length + 1));
      if (line.startsWith(`${MARK_ENGINE} `)) engineVersion = line.slice(MARK_ENGINE.length + 1).trim();
      if (line.startsWith(`${MARK_SOCKET} `)) this.hostDockerHost = line.slice(MARK_SOCKET.length + 1).trim();
    }
    if (result.code !== 0) problems.push(`preparing the manager failed: ${lastLine(result.stderr)}`);
    if (problems.length === 0) await this.connectEngine();
    const cli = await this.docker(['version', '--format', '{{.Client.Version}}']);
    if (cli.code !== 0 && !/Server/i.test(cli.stderr)) problems.push(`the docker CLI on the runner does not run: ${lastLine(cli.stderr)}`);
    const out: PrepareResult = { ok: problems.length === 0, target: this.spec.name, problems };
    if (engineVersion) out.engineVersion = engineVersion;
    if (notes.length) out.notes = notes;
    if (cli.code === 0) out.composeVersion = `stack deploy of docker CLI ${cli.stdout.trim()}`;
    if (out.ok) out.engineVia = this.engineApi ? (this.isLocal ? 'socket' : 'ssh-forward') : 'docker-cli';
    return out;
  }

  /** The last listing of a project's services for the rollout waits: the apps of a run share it. */
  private rolloutPoll?: { project: string; startedAt: number; listing: Promise<SwarmListing> };

  private async list(script: string, what: string): Promise<SwarmListing> {
    const r = await this.exec(script);
    if (r.code !== 0) throw this.fail(what, r);
    return parseSwarmListing(r.stdout);
  }

  /**
   * The project's services, their tasks and the nodes, through the engine API
   * when the manager's socket is forwarded (no process on either end), else
   * one round trip. Every waiting app of the run reads the same listing: one
   * started after `after` (its stack deploy or its previous read) is current
   * enough, so N apps polling cost one listing per interval, not N.
   */
  private projectListing(project: string, after: number): Promise<{ startedAt: number; listing: SwarmListing }> {
    const last = this.rolloutPoll;
    if (last && last.project === project && last.startedAt > after) return last.listing.then((listing) => ({ startedAt: last.startedAt, listing }));
    const startedAt = performance.now();
    const listing = this.listing([`${LABEL_PROJECT}=${project}`], swarmObserveScript(project), `listing ${project}'s services`);
    this.rolloutPoll = { project, startedAt, listing };
    return listing.then((l) => ({ startedAt, listing: l }));
  }

  private async listing(labels: string[], script: string, what: string): Promise<SwarmListing> {
    const api = await this.engine();
    if (api) {
      try {
        return await this.listFromEngine(api, labels);
      } catch (e) {
        if (!(e instanceof EngineConnectError) || this.isLocal) throw e;
        // The SSH connection under the forward went away: a new one, once.
        await this.reconnect();
        if (this.engineApi) return await this.listFromEngine(this.engineApi, labels);
      }
    }
    return this.list(script, what);
  }

  private async listFromEngine(api: EngineApi, labels: string[]): Promise<SwarmListing> {
    const [services, nodes] = await Promise.all([api.swarmList<SwarmService>('services', { label: labels }), api.swarmList<SwarmNode>('nodes')]);
    const tasks = services.length ? await api.swarmList<SwarmTask>('tasks', { service: services.map((s) => s.ID) }) : [];
    this.count += services.length ? 3 : 2;
    this.lastContact = Date.now();
    return { services, tasks, nodes };
  }

  override async observe(options: ObserveOptions = {}): Promise<ObservedTarget> {
    const before = this.count;
    if (options.project) checkName('project', options.project);
    const listing = await this.list(swarmObserveScript(options.project), 'observe');
    const { apps, leftovers } = groupSwarm(listing, options);
    return { target: this.spec.name, apps, leftovers, roundTrips: this.count - before };
  }

  override async apply(app: DeployableApp): Promise<ApplyResult> {
    const started = Date.now();
    checkName('project', app.project);
    checkName('app', app.app);
    const secrets = Object.values(app.env);
    const appDir = this.appDir(app.project, app.app);
    const id = releaseId(new Date(started), app.hash);
    const compose = Buffer.from(app.compose);
    const env = Buffer.from(envFile(app.env));
    const info: ReleaseInfo = {
      schema: 1, id, project: app.project, app: app.app, hash: app.hash,
      ...(app.health ? { health: app.health } : {}),
      healthTimeoutMs: app.healthTimeoutMs,
      digests: releaseDigests([], env, compose),
    };
    // The manager keeps what a rollback needs, stored once the rollout is healthy; the files live in the swarm as configs.
    const archive = tar([
      { path: 'compose.yaml', content: compose, mode: 0o600 },
      { path: 'secrets.env', content: env, mode: 0o600 },
      { path: 'release.json', content: Buffer.from(JSON.stringify(info) + '\n'), mode: 0o600 },
    ]);
    const files = [
      ...app.files.map((f) => ({ path: checkRelativePath(f.path), content: f.content, mode: 0o644 })),
      ...Object.entries(app.env).map(([k, v]) => ({ path: `secrets/${k}`, content: Buffer.from(v), mode: 0o600 })),
    ];
    const r = await this.deployStack(app, compose, files, app.hash, secrets, started);
    if (!r.ok) return r;
    // Only a healthy release is stored: until then the current one stays what a rollback returns to.
    const store = await this.exec(storeReleaseScript(appDir, id, KEEP_RELEASES, app.project, app.app), { input: archive, secrets });
    if (store.code !== 0) throw this.fail(`storing ${app.app}'s release ${id} as current`, store, secrets);
    return { ...r, release: id };
  }

  /** Configs and secrets of the app that no service uses now: the old contents. */
  private async pruneObjects(app: AppRef): Promise<string[]> {
    const r = await this.exec(pruneObjectsScript(app.project, app.app));
    if (r.code !== 0) throw this.fail(`removing ${app.app}'s unused configs and secrets`, r);
    return r.stdout.split('\n').filter((l) => l.startsWith('removed '));
  }

  override async rollback(app: AppRef): Promise<ApplyResult | undefined> {
    const started = Date.now();
    const r = await this.readRelease(app);
    if (!r) return undefined;
    const stack = composeProjectName(app.project, app.app);
    const ref = { project: app.project, app: app.app, health: r.info.health, healthTimeoutMs: r.info.healthTimeoutMs };
    // Swarm may have rolled back on its own (failure_action: rollback): then the release already serves.
    const now = rolloutState(await this.listing([`${STACK_LABEL}=${stack}`], stackListScript(stack), `listing ${stack}`), stack, r.info.hash);
    if (now.done && now.ok) {
      return { ok: true, target: this.spec.name, project: app.project, app: app.app, hash: r.info.hash, status: 'healthy', message: `serving release ${r.info.id} again (${now.message})`, durationMs: Date.now() - started, containers: [], release: r.info.id };
    }
    const back = await this.deployStack(ref, Buffer.from(withExternalObjects(r.compose)), [], r.info.hash, envValues(r.env), started);
    return { ...back, release: r.info.id };
  }

  /** `docker stack deploy` of one stack file from a private stage dir, then the wait for its rollout. */
  private async deployStack(app: AppRef & { healthTimeoutMs: number }, compose: Buffer, files: { path: string; content: Buffer; mode: number }[], hash: string, secrets: string[], started: number): Promise<ApplyResult> {
    const stack = composeProjectName(app.project, app.app);
    const base = { target: this.spec.name, project: app.project, app: app.app, hash };
    const done = (x: Omit<ApplyResult, keyof typeof base | 'durationMs'>): ApplyResult => ({ ...base, ...x, durationMs: Date.now() - started });
    // stack deploy reads configs and secrets from files on the runner: only under the run's private dir, gone when it returns.
    const failed = await this.withStage('stw-stack-', [{ path: 'compose.yaml', content: compose, mode: 0o600 }, ...files], async (stage) => {
      // Flags of the 20.10 CLI only: it always detaches, so Steward waits itself.
      const deploy = await this.docker(['stack', 'deploy', '--prune', '--with-registry-auth', '-c', join(stage, 'compose.yaml'), stack], { timeoutMs: this.pullTimeoutMs, secrets });
      if (deploy.code !== 0) {
        return done({ ok: false, status: 'failed', message: `stack deploy failed: ${redact(lastLine(deploy.stderr) || lastLine(deploy.stdout), secrets)}`, containers: [] });
      }
      return undefined;
    });
    if (failed) return failed;
    const deadline = started + app.healthTimeoutMs;
    let after = performance.now();
    for (;;) {
      const read = await this.projectListing(app.project, after);
      after = read.startedAt;
      const listing = read.listing;
      const state = rolloutState(listing, stack, hash);
      const containers = groupSwarm(listing, { project: app.project }).apps.filter((a) => a.composeProject === stack).flatMap((a) => a.containers);
      if (state.done && state.ok) return done({ ok: true, status: 'healthy', message: state.message, containers });
      if (state.done || Date.now() >= deadline) {
        const failing = state.failing;
        const logs = state.failingTask ? await this.taskLogs(state.failingTask, secrets) : [];
        const message = state.done ? state.message : `not converged within ${Math.round(app.healthTimeoutMs / 1000)} s: ${state.message}`;
        return done({ ok: false, status: state.done ? state.status : 'timeout', message: redact(failing ? `${message}; ${failing}` : message, secrets), logs, containers });
      }
      await sleep(Math.min(this.options.healthPollMs ?? 1000, Math.max(0, deadline - Date.now())));
    }
  }

  private async taskLogs(taskId: string, secrets: string[]): Promise<string[]> {
    const r = await this.exec(taskLogsScript(taskId, this.options.logLines ?? 50), { secrets });
    return redact(r.stdout, secrets).split('\n').filter((l) => l.length > 0);
  }

  override async health(app: AppRef): Promise<HealthResult> {
    checkName('project', app.project);
    checkName('app', app.app);
    const stack = composeProjectName(app.project, app.app);
    const listing = await this.listing([`${STACK_LABEL}=${stack}`], stackListScript(stack), `listing ${stack}`);
    const svc = listing.services.find((s) => s.Spec.Labels?.[STACK_LABEL] === stack);
    if (!svc) return { target: this.spec.name, app: app.app, status: 'missing', message: `no service of stack ${stack}`, containers: [] };
    const s = serviceState(svc, listing.tasks, listing.nodes);
    const message = `${s.replicas!.running} of ${s.replicas!.spec} replicas running${s.unplaced ? `: ${s.unplaced}` : ''}${s.lastError && s.status !== 'running' ? `; ${s.lastError}` : ''}`;
    const status = s.status === 'running' ? 'healthy' : s.replicas!.running > 0 ? 'unhealthy' : s.lastError ? 'failed' : 'starting';
    return { target: this.spec.name, app: app.app, status, message, containers: s.containers };
  }

  override async remove(app: AppRef): Promise<RemoveResult> {
    checkName('project', app.project);
    checkName('app', app.app);
    const stack = composeProjectName(app.project, app.app);
    const down = await this.docker(['stack', 'rm', stack], { timeoutMs: this.pullTimeoutMs });
    if (down.code !== 0 && !/Nothing found in stack/i.test(down.stderr + down.stdout)) throw this.fail(`removing stack ${stack}`, down);
    const gone = await this.exec(waitStackGoneScript(stack, 60), { timeoutMs: 90_000 });
    if (gone.code !== 0) throw this.fail(`waiting for stack ${stack} to go`, gone);
    await this.pruneObjects(app);
    if (app.purge) {
      // Named volumes are per node; Steward removes the manager's, the only engine it reaches.
      await this.docker(['volume', 'prune', '--force', '--filter', `label=steward.project=${app.project}`, '--filter', `label=steward.app=${app.app}`]);
    }
    const rmDir = await this.exec(removeDirScript(this.appDir(app.project, app.app)));
    if (rmDir.code !== 0) throw this.fail(`deleting ${app.app}'s directory`, rmDir);
    return { target: this.spec.name, app: app.app, removedVolumes: Boolean(app.purge) };
  }

  override async removeContainers(ids: string[]): Promise<RemoveContainersResult> {
    if (!ids.length) return { target: this.spec.name, remaining: [] };
    const r = await this.exec(removeServicesScript(ids));
    if (r.code !== 0) throw this.fail('removing leftover services', r);
    const after = r.stdout.slice(r.stdout.indexOf(MARK_REMAINING_SERVICES) + MARK_REMAINING_SERVICES.length).split('\n').map((l) => l.trim()).filter(Boolean);
    return { target: this.spec.name, remaining: ids.filter((id) => after.includes(id)) };
  }

  override async logs(app: AppRef, lines: number): Promise<string[]> {
    const r = await this.exec(serviceLogsScript(composeProjectName(app.project, app.app), lines));
    if (r.code !== 0) throw this.fail(`logs of ${app.app}`, r);
    const out: string[] = [];
    let name = '';
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('@@steward-logs ')) name = line.slice(15);
      else if (line) out.push(`${name} | ${line}`);
    }
    return out;
  }
}
