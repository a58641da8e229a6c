// Helpers for end-to-end tests against the testenv swarm (scripts/testenv, STEWARD_TESTENV_SWARM):
// the docker CLI straight against the nodes' engine sockets, for set-up, checks and clean-up only.
// Every call has a timeout and every wait a deadline, so a broken swarm fails a test instead of hanging it.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Testenv, TestenvSwarm, TestenvSwarmNode, TestenvTarget } from './testenv';

/** Debian's docker CLI (20.10), what a user's swarm manager has; the newer one on PATH otherwise. */
export const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

const CALL_TIMEOUT_MS = 60_000;

export class SwarmCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    cause: unknown,
  ) {
    super(`docker ${args.join(' ')} failed: ${stderr.trim() || String(cause)}`, { cause });
    this.name = 'SwarmCommandError';
  }
}

export class SwarmWaitError extends Error {
  constructor(what: string, timeoutMs: number, last: string) {
    super(`${what}: not reached within ${timeoutMs} ms (last seen: ${last})`);
    this.name = 'SwarmWaitError';
  }
}

/** The swarm of the environment; throws when `up` made none (tests skip before: testenvSwarmSkip). */
export function swarmOf(env: Testenv): TestenvSwarm {
  if (!env.swarm) throw new Error('no swarm in the test environment: run scripts/testenv up with STEWARD_TESTENV_SWARM=3');
  return env.swarm;
}

/** `docker <args>` against one engine socket; stdin from `input`. */
export function dockerAt(node: Pick<TestenvTarget, 'socket'>, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(DOCKER_CLI, ['-H', node.socket, ...args], {
      encoding: 'utf8',
      input: opts.input,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? CALL_TIMEOUT_MS,
    }).trim();
  } catch (e) {
    const stderr = (e as { stderr?: string | Buffer }).stderr;
    throw new SwarmCommandError(args, stderr ? String(stderr) : '', e);
  }
}

/** The same, without blocking the event loop (for loops that run calls side by side). */
export function dockerAtAsync(node: Pick<TestenvTarget, 'socket'>, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DOCKER_CLI, ['-H', node.socket, ...args], { encoding: 'utf8', timeout: opts.timeoutMs ?? CALL_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new SwarmCommandError(args, stderr, err));
      else resolve(stdout.trim());
    });
  });
}

export const managerDocker = (swarm: TestenvSwarm, args: string[], opts?: { input?: string; timeoutMs?: number }) =>
  dockerAt(swarm.manager, args, opts);

const jsonLines = <T>(out: string): T[] => (out ? out.split('\n').map((l) => JSON.parse(l) as T) : []);

export interface SwarmNodeRow {
  id: string;
  hostname: string;
  status: string;
  availability: string;
  managerStatus: string;
  /** `steward.node` label of the node. */
  label: string;
}

export function nodeLs(swarm: TestenvSwarm): SwarmNodeRow[] {
  const ids = swarm.nodes.map((n) => n.nodeId);
  const out = managerDocker(swarm, [
    'node', 'inspect', '--format',
    '[{{json .ID}},{{json .Description.Hostname}},{{json .Status.State}},{{json .Spec.Availability}},{{json .ManagerStatus}},{{json (index .Spec.Labels "steward.node")}}]',
    ...ids,
  ]);
  return out.split('\n').map((line) => {
    const [id, hostname, status, availability, manager, label] = JSON.parse(line) as [
      string, string, string, string, { Leader?: boolean; Reachability?: string } | null, string | null,
    ];
    return {
      id,
      hostname,
      status,
      availability,
      managerStatus: manager ? (manager.Leader ? 'leader' : (manager.Reachability ?? '')) : '',
      label: label ?? '',
    };
  });
}

export interface ServiceTask {
  id: string;
  name: string;
  /** The node's hostname (stw-sN). */
  node: string;
  desiredState: string;
  currentState: string;
  error: string;
  ports: string;
}

interface PsRow { ID: string; Name: string; Node: string; DesiredState: string; CurrentState: string; Error: string; Ports: string }

/** The tasks the swarm wants running for a service (`--filter desired-state=running`). */
export function servicePs(swarm: TestenvSwarm, service: string): ServiceTask[] {
  const rows = jsonLines<PsRow>(
    managerDocker(swarm, ['service', 'ps', '--no-trunc', '--filter', 'desired-state=running', '--format', '{{json .}}', service]),
  );
  return rows.map((r) => ({
    id: r.ID,
    name: r.Name,
    node: r.Node,
    desiredState: r.DesiredState,
    currentState: r.CurrentState,
    error: r.Error,
    ports: r.Ports,
  }));
}

/** Names of the services of a stack. */
export function stackServices(swarm: TestenvSwarm, stack: string): string[] {
  const out = managerDocker(swarm, ['service', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '--format', '{{.Name}}']);
  return out ? out.split('\n').sort() : [];
}

/** `docker stack deploy -c <file> <stack>` of a compose text (written to a temp file, removed after). */
export function stackDeploy(swarm: TestenvSwarm, stack: string, compose: string, opts: { timeoutMs?: number } = {}): void {
  const dir = mkdtempSync(join(tmpdir(), 'steward-swarm-'));
  try {
    writeFileSync(join(dir, 'stack.yml'), compose);
    managerDocker(swarm, ['stack', 'deploy', '--prune', '--resolve-image', 'never', '-c', join(dir, 'stack.yml'), stack], opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined; throws SwarmWaitError after timeoutMs. */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = opts.describe?.() ?? 'not yet';
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= end) throw new SwarmWaitError(what, timeoutMs, last);
    await sleep(opts.intervalMs ?? 250);
  }
}

/** Waits until a service has `replicas` tasks in state Running (on distinct nodes if asked); returns them. */
export async function waitServiceRunning(
  swarm: TestenvSwarm,
  service: string,
  replicas: number,
  opts: { timeoutMs?: number; distinctNodes?: boolean } = {},
): Promise<ServiceTask[]> {
  let tasks: ServiceTask[] = [];
  return waitUntil(
    `service ${service}: ${replicas} running tasks`,
    () => {
      tasks = servicePs(swarm, service);
      const running = tasks.filter((t) => t.currentState.startsWith('Running'));
      if (running.length !== replicas) return undefined;
      if (opts.distinctNodes && new Set(running.map((t) => t.node)).size !== replicas) return undefined;
      return running;
    },
    { timeoutMs: opts.timeoutMs, describe: () => JSON.stringify(tasks.map((t) => [t.node, t.currentState, t.error])) },
  );
}

/** What of a stack is still on the swarm: services, networks and containers on any node. */
export function stackRemains(swarm: TestenvSwarm, stack: string): string[] {
  const label = `label=com.docker.stack.namespace=${stack}`;
  const left = stackServices(swarm, stack).map((s) => `service ${s}`);
  for (const n of swarm.nodes) {
    const nets = dockerAt(n, ['network', 'ls', '--filter', label, '--format', '{{.Name}}']);
    const cs = dockerAt(n, ['ps', '-aq', '--filter', label]);
    if (nets) left.push(...nets.split('\n').map((x) => `network ${x} on ${n.name}`));
    if (cs) left.push(...cs.split('\n').map((x) => `container ${x} on ${n.name}`));
  }
  return left;
}

/**
 * `docker stack rm`, then waits until no service, network or container of the stack remains on any node
 * (stack rm returns before the tasks are gone, and a network in use by a stopping task is left: removed
 * again here once free).
 */
export async function stackRm(swarm: TestenvSwarm, stack: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  managerDocker(swarm, ['stack', 'rm', stack]);
  let left: string[] = [];
  await waitUntil(
    `stack ${stack} removed`,
    () => {
      left = stackRemains(swarm, stack);
      if (left.length === 0) return true;
      if (left.every((l) => l.startsWith('network '))) {
        const nets = managerDocker(swarm, ['network', 'ls', '--filter', `label=com.docker.stack.namespace=${stack}`, '-q']);
        if (nets) managerDocker(swarm, ['network', 'rm', ...nets.split('\n')]);
      }
      return undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, describe: () => left.join(', ') },
  );
}

/** An HTTP GET from the root namespace (as a browser on the LAN would); rejects on timeout. */
export function httpGet(address: string, port: number, path = '/', timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${address}:${port}${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The node of a task, by the hostname `service ps` shows. */
export function nodeByHostname(swarm: TestenvSwarm, hostname: string): TestenvSwarmNode {
  const n = swarm.nodes.find((x) => x.hostname === hostname);
  if (!n) throw new Error(`no swarm node with hostname ${hostname}`);
  return n;
}
