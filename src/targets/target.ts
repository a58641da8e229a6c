// The contract between the engine-specific drivers and render/plan/converge.
// Docker (local or over SSH) implements it today; Podman or Swarm fit behind it.
import type { LiveSignal } from './live';

export interface TargetSpec {
  name: string;
  /** "local" for the bootstrap target's own engine, else a host name or address reached over SSH. */
  address: string;
  user?: string;
  port?: number;
  /** Apps directory on the host; an app lives in `<dir>/<project>/<app>/` (releases/<id>/ and `current`). Default /var/lib/steward. */
  dir: string;
  /** docker (default): one host; swarm: a Docker Swarm through this manager (SwarmTarget). */
  engine?: 'docker' | 'swarm';
  /** swarm: the nodes' addresses. */
  nodes?: string[];
}

export interface DeployableApp {
  project: string;
  app: string;
  target: string;
  /** Value of the steward.hash label in the compose file. */
  hash: string;
  /** Rendered compose.yaml; its compose project name is `<project>-<app>`. */
  compose: string;
  /** Relative to the release dir on the target, e.g. "files/encoding.xml". */
  files: { path: string; content: Buffer }[];
  /** Decrypted secrets, written to the release's 0600 "secrets.env" that the compose file uses as env_file. */
  env: Record<string, string>;
  health?: { http?: string; port?: number };
  healthTimeoutMs: number;
  /** remove() deletes the app's volumes too. */
  purge?: boolean;
}

/** What remove/logs/health need to find an app: a DeployableApp fits too. */
export interface AppRef {
  project: string;
  app: string;
  purge?: boolean;
  health?: { http?: string; port?: number };
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy';

export interface ObservedContainer {
  id: string;
  name: string;
  /** Compose service name, if the container belongs to a compose project. */
  service?: string;
  composeProject?: string;
  project?: string;
  app?: string;
  hash?: string;
  /** Compose's own hash of the service config: changes when someone edits the compose project by hand. */
  configHash?: string;
  image: string;
  imageId: string;
  imageDigests: string[];
  state: ContainerState;
  exitCode: number;
  /** Only present when the container defines a healthcheck. */
  health?: ContainerHealth;
  labels: Record<string, string>;
}

export interface ObservedApp {
  project: string;
  app: string;
  composeProject: string;
  /** The steward.hash shared by all containers; undefined when they disagree (see hashes). */
  hash?: string;
  hashes: string[];
  /** running: all running and none unhealthy; stopped: none running; degraded: anything between. */
  status: 'running' | 'degraded' | 'stopped';
  containers: ObservedContainer[];
  /**
   * Its current release on the host: null when observe looked and found none,
   * undefined when it did not look (no project given).
   */
  release?: ObservedRelease | null;
  /** Swarm: replicas the project wants (desired), the service's spec now, and tasks running. */
  replicas?: { desired: number; spec: number; running: number };
  /** Swarm: running tasks per node id. */
  nodes?: Record<string, number>;
  /** Swarm: why replicas are missing that applying cannot fix (a node down, no node fits): reported as degraded, no step. */
  unplaced?: string;
  /** Swarm: the service changed by hand (scaled, another image) under the same hash label: drift to correct. */
  specDrift?: string[];
}

export interface ObservedRelease {
  id: string;
  /** The steward.hash the release was made for. */
  hash: string;
  /** Parts whose digest on disk differs from the one recorded at upload (files/, secrets.env, compose.yaml). */
  changed: string[];
}

/** A live dir of an app (see syncFiles), as observe found it on the host. */
export interface ObservedLiveDir {
  app: string;
  dir: string;
  /** liveDigest() of its files, computed on the host. */
  digest: string;
}

export interface Leftover {
  container: ObservedContainer;
  reason: string;
}

export interface ObservedTarget {
  target: string;
  apps: ObservedApp[];
  /** Containers with a steward.project label that belong to no known app, or whose labels disagree. */
  leftovers: Leftover[];
  /** The project's live dirs (`<appdir>/<dir>/` written by syncFiles); only when observe was given a project. */
  live?: ObservedLiveDir[];
  /** Remote invocations this observe took (the goal is 1). */
  roundTrips: number;
}

export interface ObserveOptions {
  /** Only this project's objects. */
  project?: string;
  /** The apps the caller knows of; containers of any other app become leftovers. */
  knownApps?: string[];
}

export interface PrepareResult {
  ok: boolean;
  target: string;
  engineVersion?: string;
  composeVersion?: string;
  /**
   * How Steward reaches the engine from here on: its Unix socket (local), that
   * socket forwarded over the SSH connection, or the docker CLI over ssh
   * (hosts that refuse forwarding).
   */
  engineVia?: 'socket' | 'ssh-forward' | 'docker-cli';
  /** What is missing or wrong on the host (or the runner), in words a person can act on. */
  problems: string[];
  /** What works but limits the target (a swarm without IPVS), shown in the prepare step's message. */
  notes?: string[];
}

export interface HealthResult {
  target: string;
  app: string;
  status: 'healthy' | 'starting' | 'unhealthy' | 'failed' | 'missing';
  message: string;
  containers: ObservedContainer[];
  /** The container whose state decided a failure. */
  failing?: ObservedContainer;
}

export interface ApplyResult {
  ok: boolean;
  target: string;
  project: string;
  app: string;
  hash: string;
  /** rolled-back: the engine itself returned to the previous version (a swarm's failure_action: rollback). */
  status: 'healthy' | 'unhealthy' | 'failed' | 'timeout' | 'rolled-back';
  message: string;
  /** Last log lines of the failing container (secrets masked). */
  logs?: string[];
  durationMs: number;
  containers: ObservedContainer[];
  /** The release that serves now: the new one on success; the one returned to on rollback. */
  release?: string;
}

export interface CurrentRelease {
  id: string;
  hash: string;
  /** The compose file as that release deployed it (bind mounts into its own dir). */
  compose: string;
}

export interface RemoveResult {
  target: string;
  app: string;
  removedVolumes: boolean;
}

export interface RemoveContainersResult {
  target: string;
  /** Of the ids asked for, those a listing right after the removal still shows. */
  remaining: string[];
}

export interface Target {
  readonly spec: TargetSpec;
  /** Remote invocations so far; the bench and tests read it. */
  readonly roundTrips: number;
  prepare(project: string, apps?: string[]): Promise<PrepareResult>;
  observe(options?: ObserveOptions): Promise<ObservedTarget>;
  apply(app: DeployableApp): Promise<ApplyResult>;
  remove(app: AppRef): Promise<RemoveResult>;
  /** Removes exactly these containers (leftovers), by id; one round trip that also lists what is left of them. */
  removeContainers(ids: string[]): Promise<RemoveContainersResult>;
  health(app: AppRef): Promise<HealthResult>;
  logs(app: AppRef, lines: number): Promise<string[]>;
  /** The release `current` points at (the last that came up healthy), or undefined when there is none. */
  currentRelease(app: AppRef): Promise<CurrentRelease | undefined>;
  /**
   * Re-applies exactly the current release (its compose, files, secrets and
   * hash, as kept on the target) after a failed apply; undefined when there is
   * no release to return to.
   */
  rollback(app: AppRef): Promise<ApplyResult | undefined>;
  /**
   * Makes `<appdir>/<dir>/` on the target hold exactly `files` (others removed),
   * outside the app's releases and hash: content the running app re-reads by
   * itself. Each changed file is renamed into place (a reader sees the old or
   * the new file), unchanged ones are left alone. One round trip; `changed`
   * says whether anything was written or removed. `dir` is one plain name
   * (not releases, files, current); paths are relative, no hidden names.
   * With `reload`, a change is followed, in the same call, by that signal to
   * the app's running containers; `reloaded` lists their ids.
   */
  syncFiles(ref: AppRef, dir: string, files: { path: string; content: Buffer }[], options?: SyncFilesOptions): Promise<SyncFilesResult>;
  /** Releases connections (the SSH control master) and temporary files. */
  close(): Promise<void>;
}

export interface SyncFilesOptions {
  reload?: LiveSignal;
}

export interface SyncFilesResult {
  changed: boolean;
  /** With `reload` and a change: the containers signalled (none when the app is not running). */
  reloaded?: string[];
}

/** What a converge hands each target it creates. */
export interface TargetRuntime {
  /** The run's private 0700 directory: the only place plaintext (env files, the SSH key copy) goes on the runner. */
  runtimeDir?: string;
}

export type TargetFactory = (spec: TargetSpec, runtime?: TargetRuntime) => Target;

export const composeProjectName = (project: string, app: string): string => `${project}-${app}`;
export const projectNetworkName = (project: string): string => `steward-${project}`;

export const LABEL_PROJECT = 'steward.project';
export const LABEL_APP = 'steward.app';
export const LABEL_HASH = 'steward.hash';
