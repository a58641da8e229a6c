// bench/swarm: converge 20 services on the testenv's 3-node swarm with Steward, beside the same
// `docker stack deploy` calls by hand in a loop against the manager; prints the ratio (goal <= 1.1)
// and the time of a no-change converge.
//   node --import tsx bench/swarm.ts [--services N] [--runs N] [--parallelism N] [--phases]
// --parallelism: Steward's converge parallelism (default: one per service; 1 is the hand loop's).
// --phases: every remote call of the Steward side (ssh script, docker CLI on the runner, Engine API
// request) is timed and summed by what it does, with the machine's CPU use over the deploy.
// Needs `scripts/testenv up` with its swarm (STEWARD_TESTENV_SWARM=3, the default).
//
// The hand side is what a user would type on a server with Debian's docker CLI (/usr/bin/docker,
// 20.10): one stack file per service, `docker stack deploy` one after the other with
// DOCKER_HOST=ssh://root@<manager> (ssh config with the testenv key, its known_hosts and a
// ControlMaster: Steward keeps one SSH connection per target too), then `docker service ls` until
// every service's tasks run. Every measured run starts from the same state: no stack of the bench
// on the swarm, the image cached on every node (stacks are removed between runs, not counted).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_CLI, dockerAt, managerDocker, waitUntil } from '../test/support/swarm';
import { loadTestenv, TESTENV_STATE, type Testenv, type TestenvSwarm } from '../test/support/testenv';
import { GitProject } from '../test/support/git-project';
import { testenvTargetFactory } from '../test/support/testenv-project';
import { converge, median, ms } from './_testenv-bench';
import { DockerTarget } from '../src/targets/docker-target';
import { EngineApi } from '../src/targets/engine-api';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const SERVICES = opt('--services', 20);
const RUNS = opt('--runs', 2);
const PHASES = args.includes('--phases');
const PARALLELISM = opt('--parallelism', SERVICES);
const BENCH = 'benchswarm';
const WAIT_MS = 180_000;

const env = requireSwarm();
const swarm = env.swarm!;
const names = Array.from({ length: SERVICES }, (_, i) => `${BENCH}-app${String(i).padStart(2, '0')}`);

function requireSwarm(): Testenv {
  const e = loadTestenv();
  if (!e) {
    console.error(`test environment not up (${TESTENV_STATE} missing): run scripts/testenv up`);
    process.exit(2);
  }
  if (!e.swarm) {
    console.error('no swarm in the test environment: run scripts/testenv up with STEWARD_TESTENV_SWARM=3 (the default)');
    process.exit(2);
  }
  return e;
}

/** One stack per service, as a user keeps them: the web test image, one replica, host-mode free. */
function stackYml(image: string): string {
  return `version: "3.8"
services:
  web:
    image: ${image}
    labels: { steward.bench: ${BENCH} }
    stop_grace_period: 2s
    deploy:
      replicas: 1
      labels: { steward.bench: ${BENCH} }
`;
}

/** An ssh config like Steward's (key, known_hosts, strict host keys, one multiplexed connection). */
function sshShim(): { env: NodeJS.ProcessEnv; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-swarm-ssh-'));
  const conf = join(dir, 'config');
  writeFileSync(conf, [
    'Host *', `  IdentityFile ${env.sshKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${env.knownHosts}`, '  StrictHostKeyChecking yes',
    '  BatchMode yes', '  LogLevel ERROR', '  ControlMaster auto', `  ControlPath ${dir}/cm-%C`, '  ControlPersist 60', '',
  ].join('\n'));
  mkdirSync(join(dir, 'bin'));
  const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
  writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh\nexec ${realSsh} -F ${conf} "$@"\n`, { mode: 0o755 });
  const m = swarm.manager;
  return {
    env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, DOCKER_HOST: `ssh://${m.user}@${m.address}:${m.port}` },
    close: () => {
      try {
        execFileSync(realSsh, ['-F', conf, '-O', 'exit', `${m.user}@${m.address}`], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // no master left to stop
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(argv: string[], e: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(DOCKER_CLI, argv, { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.stdout.on('data', (b) => (out += b));
    c.stderr.on('data', (b) => (err += b));
    c.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else reject(new Error(`docker ${argv.join(' ')}: exit ${code}: ${err.trim()}`));
    });
  });
}

/** The bench's services with their replicas, as `docker service ls` shows them ("1/1" when running). */
function replicas(list: string): Map<string, string> {
  return new Map(list ? list.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

async function waitAllRunning(ls: () => Promise<string>, service = (n: string) => `${n}_web`): Promise<void> {
  let seen = new Map<string, string>();
  await waitUntil(
    `${SERVICES} bench services running`,
    async () => {
      seen = replicas(await ls());
      return names.every((n) => seen.get(service(n)) === '1/1') ? true : undefined;
    },
    { timeoutMs: WAIT_MS, intervalMs: 100, describe: () => JSON.stringify([...seen]) },
  );
}

const lsArgs = ['service', 'ls', '--filter', `label=steward.bench=${BENCH}`, '--format', '{{.Name}} {{.Replicas}}'];

/** The by-hand loop: stack deploy one after the other, then poll until every task runs. */
async function handRun(dir: string): Promise<number> {
  const ssh = sshShim();
  try {
    const t0 = process.hrtime.bigint();
    for (const n of names) await run(['stack', 'deploy', '--resolve-image', 'never', '-c', join(dir, `${n}.yml`), n], ssh.env);
    await waitAllRunning(() => run(lsArgs, ssh.env));
    return ms(t0);
  } finally {
    ssh.close();
  }
}

/** What of the bench is still on the swarm: services, then containers and networks on every node. */
function remains(s: TestenvSwarm): string[] {
  const left = managerDocker(s, ['service', 'ls', '-q', '--filter', `label=steward.bench=${BENCH}`]).split('\n').filter(Boolean);
  for (const n of s.nodes) {
    left.push(...dockerAt(n, ['ps', '-aq', '--filter', `label=steward.bench=${BENCH}`]).split('\n').filter(Boolean));
    left.push(...dockerAt(n, ['network', 'ls', '-q', '--filter', `name=${BENCH}-`]).split('\n').filter(Boolean));
  }
  return left;
}

/** Removes every stack of the bench and waits until nothing of them is left on any node (not counted). */
async function purge(): Promise<void> {
  const stacks = managerDocker(swarm, ['stack', 'ls', '--format', '{{.Name}}']).split('\n').filter((s) => s.startsWith(`${BENCH}-`));
  try {
    if (stacks.length > 0) managerDocker(swarm, ['stack', 'rm', ...stacks]);
  } catch {
    // A network whose task is still stopping is refused: the loop below removes it once free.
  }
  let left: string[] = [];
  await waitUntil(`bench stacks removed`, () => {
    left = remains(swarm);
    if (left.length === 0) return true;
    // A stack's network is left when its last task was still stopping at `stack rm`: remove it once free.
    const nets = managerDocker(swarm, ['network', 'ls', '-q', '--filter', `name=${BENCH}-`]).split('\n').filter(Boolean);
    if (nets.length > 0) {
      try {
        managerDocker(swarm, ['network', 'rm', ...nets]);
      } catch {
        // still in use: next round
      }
    }
    return undefined;
  }, { timeoutMs: WAIT_MS, describe: () => `${left.length} left` });
}

// ---- --phases: the Steward side's calls, timed at the target's three doors -------------------
type Trace = Record<string, { calls: number; ms: number }>;
let trace: Trace = {};
function classify(kind: string, what: string): string {
  if (kind === 'engine') return `engine API: ${what.replace(/\?.*/, '').replace(/\/[a-z0-9]{25,}/g, '/<id>')}`;
  if (kind === 'docker') return `docker CLI (runner): ${what.split(' ').slice(0, 2).join(' ')}`;
  if (what.includes('.incoming-') && what.includes('.current.new')) return 'ssh: store release (upload, switch, prune)';
  if (what.includes('.incoming-')) return 'ssh: upload release';
  if (what.includes('.current.new')) return 'ssh: switch release';
  if (what.includes('for kind in config secret')) return 'ssh: prune configs/secrets';
  if (what.includes('@@steward-services') && what.includes('com.docker.stack.namespace=')) return 'ssh: rollout poll (stack listing)';
  if (what.includes('@@steward-services')) return 'ssh: observe';
  if (what.includes('@@steward-engine')) return 'ssh: prepare';
  return `ssh: other (${what.split('\n')[0]!.slice(0, 40)})`;
}
function timedCall<T>(kind: string, what: string, f: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  return f().finally(() => {
    const e = (trace[classify(kind, what)] ??= { calls: 0, ms: 0 });
    e.calls++;
    e.ms += Number(process.hrtime.bigint() - t0) / 1e6;
  });
}
if (PHASES) {
  // Bench-only wrapping of the target's protected doors: the product code carries no tracing.
  const dt = DockerTarget.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const exec = dt.exec!;
  const docker = dt.docker!;
  dt.exec = function (this: unknown, script: unknown, ...rest: unknown[]) {
    return timedCall('ssh', String(script), () => exec.call(this, script, ...rest));
  };
  dt.docker = function (this: unknown, argv: unknown, ...rest: unknown[]) {
    return timedCall('docker', (argv as string[]).join(' '), () => docker.call(this, argv, ...rest));
  };
  const ea = EngineApi.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const get = ea.get!;
  ea.get = function (this: unknown, path: unknown) {
    return timedCall('engine', String(path), () => get.call(this, path));
  };
}
function cpuSample(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
}
function cpuBusyPct(a: number[], b: number[]): number {
  const d = b.map((x, i) => x - a[i]!);
  return Math.round((1 - (d[3]! + (d[4] ?? 0)) / d.reduce((x, y) => x + y, 0)) * 100);
}
const phaseRuns: { deploy: Trace; cpuBusyPct: number }[] = [];

// ==== STEWARD HOOK ==========================================================================
// The same services as one Steward project: one app per name (stack `benchswarm-appNN`, service
// `benchswarm-appNN_appNN`), the bench label on service and containers so that purge() finds them.
interface StewardSide {
  /** A converge deploying every service; its time in ms. */
  deploy(): Promise<number>;
  /** A converge of the same commit again (nothing to do); its time in ms. */
  noChange(): Promise<number>;
  /** After purge(): the project's network, its dirs on the manager, the repo. */
  close(): Promise<void>;
}
async function stewardSide(): Promise<StewardSide> {
  const m = swarm.manager;
  const nodes = swarm.nodes.map((n) => n.address).join(', ');
  const p = new GitProject({
    'project.yml': `name: ${BENCH}\ndomain: ${BENCH}.test\nconverge: { health_timeout: 120s, parallelism: ${PARALLELISM}, lock_timeout: 1s }\n`,
    'network.yml': `targets:\n  sw: { address: ${m.address}, port: ${m.port}, user: ${m.user}, engine: swarm, publish: host, dir: ${m.dir}, nodes: [${nodes}] }\n`,
  });
  const base = p.head();
  const apps: Record<string, string> = {};
  for (const n of names) {
    const app = n.slice(BENCH.length + 1);
    apps[`services/${app}/service.yml`] = `target: sw\nimage: ${env.images.v1}\nreplicas: 1\ncompose:\n  stop_grace_period: 2s\n  labels: { steward.bench: ${BENCH} }\n  deploy: { labels: { steward.bench: ${BENCH} } }\n`;
  }
  p.commit(apps, `add ${SERVICES} apps`);
  const createTarget = testenvTargetFactory(env, { commandTimeoutMs: WAIT_MS });
  const ls = () => run(lsArgs, { ...process.env, DOCKER_HOST: m.socket });
  const timed = async (what: string): Promise<number> => {
    trace = {};
    const cpu0 = cpuSample();
    const t0 = process.hrtime.bigint();
    const record = await converge(env, p, createTarget);
    if (record.result !== 'success') throw new Error(`steward ${what}: ${record.result}: ${record.summary} ${JSON.stringify(record.errors)}`);
    await waitAllRunning(ls, (n) => `${n}_${n.slice(BENCH.length + 1)}`);
    const took = ms(t0);
    if (PHASES && what === 'deploy') {
      for (const e of Object.values(trace)) e.ms = Math.round(e.ms);
      phaseRuns.push({ deploy: trace, cpuBusyPct: cpuBusyPct(cpu0, cpuSample()) });
    }
    return took;
  };
  return {
    deploy: () => {
      p.markConverged(base);
      return timed('deploy');
    },
    noChange: () => timed('no-change converge'),
    close: async () => {
      try {
        managerDocker(swarm, ['network', 'rm', `steward-${BENCH}`]);
      } catch {
        // never created
      }
      rmSync(join(m.dir, BENCH), { recursive: true, force: true });
      p.cleanup();
    },
  };
}
// ==== END STEWARD HOOK ======================================================================

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-swarm-'));
  const steward = await stewardSide();
  try {
    for (const n of names) writeFileSync(join(dir, `${n}.yml`), stackYml(env.images.v1));
    await Promise.all(swarm.nodes.map((n) => run(['-H', n.socket, 'pull', '-q', env.images.v1], process.env)));
    await purge();
    const hand: number[] = [];
    const stw: number[] = [];
    const noChange: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      hand.push(await handRun(dir));
      await purge();
      stw.push(await steward.deploy());
      noChange.push(await steward.noChange());
      await purge();
    }
    const handMs = median(hand);
    const stewardMs = median(stw);
    console.log(JSON.stringify({
      bench: 'swarm',
      services: SERVICES,
      runs: RUNS,
      nodes: swarm.nodes.map((n) => `${n.name} ${n.role}`),
      ipvs: swarm.ipvs,
      byHand: {
        how: `for each service: DOCKER_HOST=ssh://root@${swarm.manager.address} ${DOCKER_CLI} stack deploy -c <service>.yml <service>; sequential; then docker service ls until every service shows 1/1; ssh config with the testenv key, known_hosts and a ControlMaster`,
        cli: execFileSync(DOCKER_CLI, ['--version'], { encoding: 'utf8' }).trim(),
        runsMs: hand,
        medianMs: handMs,
      },
      steward: { parallelism: PARALLELISM, runsMs: stw, medianMs: stewardMs, noChangeRunsMs: noChange, noChangeMedianMs: median(noChange) },
      ratio: Math.round((stewardMs / handMs) * 100) / 100,
      ...(PHASES ? { phases: { note: 'per deploy run: calls and summed ms of each kind of call (parallel calls overlap)', runs: phaseRuns } } : {}),
      goal: 'steward / by hand <= 1.1',
    }, null, 2));
  } finally {
    await purge();
    await steward.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
