/** The typed model of a user project, defaults applied. */

export interface Project {
  name: string;
  domain: string;
  converge: ConvergeSettings;
  conventions: Conventions;
  network: Network;
  apps: App[]; // sorted by name
  secretFiles: SecretFile[]; // sorted by path
}

export interface ConvergeSettings {
  prune: boolean;
  selfHeal: boolean;
  parallelism: number;
  healthTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface Conventions {
  routing?: { provider: 'caddy'; tls: 'internal' | 'acme' | 'off'; email?: string; image: string; httpPort: number; httpsPort: number; constraints: string[] };
  sso?: { provider: 'authelia'; url: string; image: string };
  monitoring?: {
    provider: 'prometheus';
    /** The project's own Prometheus app, which gets the targets; absent: Steward runs one. */
    app?: string;
    target?: string;
    image: string;
    blackboxImage: string;
    /** As written (a parseDuration string), for prometheus.yml. */
    scrapeInterval: string;
    /** Host port (on 127.0.0.1) for Steward's Prometheus. */
    port?: number;
  };
  /** The status page: set (by default) whenever routing is on, unless `dashboard: false`. */
  dashboard?: { provider: 'steward'; subdomain: string };
  homepage?: { provider: 'homepage'; app: string };
}

export interface Network {
  subnet?: string;
  gateway?: string;
  edge?: string;
  targets: Record<string, TargetDef>;
}

export interface TargetDef {
  name: string;
  address: string; // "local" or a host reached over SSH
  user: string;
  port: number;
  dir: string;
  /** docker: one host; swarm: a Docker Swarm driven through this manager. */
  engine: 'docker' | 'swarm';
  /** swarm: the nodes' addresses the edge proxy balances over (default: the manager's address). */
  nodes?: string[];
  /** swarm: ingress (the routing mesh) or host-mode ports on the nodes that run a task. */
  publish?: 'ingress' | 'host';
  /** swarm: vip (a virtual IP per service, needs IPVS) or dnsrr (the tasks' addresses) on the overlay. */
  endpointMode?: 'vip' | 'dnsrr';
}

/** What a swarm app adds: its service's deploy settings. */
export interface SwarmDeploy {
  replicas: number;
  placement: { constraints: string[]; preferences: { spread: string }[]; maxPerNode?: number };
  update: { parallelism: number; delayMs: number; order: 'start-first' | 'stop-first'; failureAction: 'rollback' | 'pause' | 'continue' };
}

export interface AppFile {
  source: string; // relative to services/<app>/, or to rendered/<target>/<app>/ when generated
  path: string; // absolute path inside the container
  content: Buffer;
  generated?: boolean; // written by a convention into rendered/, not read from services/
}

/** Who gets through Authelia to a route: `sso: true` is one factor, anyone with an account. */
export interface SsoPolicy {
  policy: 'one_factor' | 'two_factor';
  groups: string[]; // empty: every user; else members of any one of them
}

/**
 * Files a convention keeps in `<appdir>/<dir>/` on the target, outside the
 * app's releases and hash (Target.syncFiles): the running app re-reads them.
 */
export interface LiveDir {
  dir: string;
  /** Where a service app sees the dir (read-only bind mount); absent: the app mounts it itself. */
  mount?: string;
  files: { path: string; content: Buffer }[];
  /** Sent to the app's running containers after a sync that changed the dir: the app re-reads it only when told. */
  reload?: 'HUP';
}

export interface App {
  name: string;
  kind: 'service' | 'adopted';
  target: string;
  state: 'present' | 'absent';
  image?: string;
  command?: string | string[];
  env: Record<string, string>;
  secrets: string[];
  volumes: { name?: string; host?: string; path: string; readonly: boolean }[];
  files: AppFile[];
  ports: AppPort[]; // service.yml ports, or what an adopted compose file publishes
  dependsOn: string[];
  route?: { subdomain: string; port: number; sso: false | SsoPolicy };
  health?: { http?: string; port?: number };
  metrics?: { path: string; port: number };
  live?: LiveDir[];
  compose: Record<string, unknown>; // escape hatch (service) or the adopted compose file (adopted)
  purge: boolean;
  /** Set for apps on a swarm target (defaults applied); the service.yml keys, for their checks, in swarmKeys. */
  swarm?: SwarmDeploy;
  swarmKeys?: string[];
  sourceFile: string; // services/<app>/service.yml
  composeFile?: string; // services/<app>/compose.yaml of an adopted app
}

export interface AppPort {
  container: number;
  host?: number; // absent: not published, or a host port the engine picks
  protocol: 'tcp' | 'udp' | 'sctp';
  bind?: string; // host IP
  key?: (string | number)[]; // where an adopted port sits in its compose file
}

export interface SecretFile {
  path: string; // secrets/<name>.sops.yaml
  keys: string[]; // names only, read without decrypting
  text: string;
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** The one duration syntax of project.yml, the CLI and the actions: a whole number with ms, s or m. */
export function parseDuration(s: string, what = 'duration'): number {
  const m = /^(\d{1,9})(ms|s|m)$/.exec(s);
  if (!m) throw new DurationError(`${what}: ${JSON.stringify(s)} is not a duration; write a whole number with ms, s or m, e.g. 500ms, 90s or 2m`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}
