// Swarm apps behind the edge proxy: Caddy on the local engine reaches the swarm's host-mode ports at
// every node and retries the next node. Through Caddy on loopback: 3 replicas spread over the nodes,
// a rolling image bump with no failed request, then a node drained and a worker's dockerd stopped
// (degraded, not a change to apply) and started again (healthy, nothing applied).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import { buildPlan } from '../../../src/plan/planner';
import { buildStatus } from '../../../src/status/status';
import type { ObservedTarget } from '../../../src/targets/target';
import { loadTestenv, testenvSwarmSkip } from '../../support/testenv';
import { testenvNetwork } from '../../support/testenv-project';
import { convergeOptions, observeAll, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { scratchDir } from '../../support/cleanup';
import { managerDocker, nodeLs, sleep, waitUntil } from '../../support/swarm';

const skip = testenvSwarmSkip();
const env = loadTestenv()!;
const swarm = env?.swarm ?? undefined;
const PROJECT = `swe${randomBytes(3).toString('hex')}`;
// Ports of their own: the other swarm tests use 18000-18999 and 21000-28999 on the nodes.
const HTTP_PORT = 18400 + (process.pid % 80);
const WEB_PORT = 29000 + (process.pid % 1000);
const ROLL_PORT = 30000 + (process.pid % 1000);
const REPO = join(import.meta.dirname, '../../..');
const WORKER = swarm?.nodes.find((n) => n.role === 'worker' && n.name === 's3') ?? swarm?.nodes.find((n) => n.role === 'worker');

let p: GitProject;
let stateDir: string;

function swarmTarget(): string {
  const m = swarm!.manager;
  return `  sw: { address: ${m.address}, port: ${m.port}, user: ${m.user}, engine: swarm, publish: host, dir: ${m.dir}, nodes: [${swarm!.nodes.map((n) => n.address).join(', ')}] }\n`;
}

/** web: one task per node, stop-first; roll: 2 tasks on 3 nodes, so start-first has a free node for each new task. */
function apps(image: string): Record<string, string> {
  const common = `target: sw\nimage: ${image}\nhealth: { http: /health, port: 80 }\ncompose: { stop_grace_period: 2s }\n`;
  return {
    'services/web/service.yml': `${common}ports: [ { container: 80, host: ${WEB_PORT} } ]\nroute: { subdomain: web, port: 80 }\nreplicas: 3\nplacement: { preferences: [ { spread: node.id } ], max_per_node: 1 }\nupdate: { order: stop-first, parallelism: 1 }\n`,
    'services/roll/service.yml': `${common}ports: [ { container: 80, host: ${ROLL_PORT} } ]\nroute: { subdomain: roll, port: 80 }\nreplicas: 2\nplacement: { max_per_node: 1 }\nupdate: { order: start-first, parallelism: 1 }\n`,
  };
}

function get(host: string): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: HTTP_PORT, path: '/', headers: { Host: `${host}.${PROJECT}.test` }, timeout: 15_000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

async function converge() {
  const record = await runConverge(convergeOptions(env, p, { stateDir, pushRef: false }));
  assert.equal(record.result, 'success', `${record.summary} ${JSON.stringify(record.errors)} ${JSON.stringify(record.steps.map((s) => [s.id, s.result, s.message]))}`);
  return record;
}

async function swarmObserved(): Promise<ObservedTarget> {
  return (await observeAll(env, p)).sw;
}

/** Plan and status of the commit as it is on the servers now. */
async function planAndStatus() {
  const observed = await observeAll(env, p);
  const manifest = renderProject(loadProject(p.dir)).manifest;
  const plan = buildPlan({ manifest, changeset: { apps: [], to: 'x', from: 'x', mode: 'incremental' } as never, observed, settings: { selfHeal: true, prune: true } });
  return { plan, status: buildStatus(manifest, observed, null), sw: observed.sw };
}

const applied = (steps: { action: string; id: string }[]) => steps.filter((s) => s.action !== 'prepare').map((s) => s.id);

async function waitRunning(app: string, n: number, timeoutMs = 90_000) {
  let seen = '';
  return waitUntil(`${app}: ${n} running on distinct nodes`, async () => {
    const a = (await swarmObserved()).apps.find((x) => x.app === app);
    seen = JSON.stringify(a && { replicas: a.replicas, nodes: a.nodes, status: a.status, unplaced: a.unplaced });
    return a && a.status === 'running' && a.replicas?.running === n && Object.keys(a.nodes ?? {}).length === n ? a : undefined;
  }, { timeoutMs, intervalMs: 1000, describe: () => seen });
}

const pidFile = (name: string) => `/run/steward-testenv/${name}/docker.pid`;
// dockerd removes its pid file when it exits.
const dockerdPid = (name: string) => (existsSync(pidFile(name)) ? Number(readFileSync(pidFile(name), 'utf8').trim()) : undefined);
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(() => {
  if (skip) return;
  p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${PROJECT}.test\nconverge: { health_timeout: 150s, lock_timeout: 30s, parallelism: 2 }\n` +
      `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n`,
    'network.yml': testenvNetwork(env, swarmTarget()),
    ...apps(env.images.v1),
  });
  stateDir = scratchDir('steward-swarm-edge-state-');
});

after(async () => {
  if (skip) return;
  try {
    for (const n of swarm!.nodes) managerDocker(swarm!, ['node', 'update', '--availability', 'active', n.nodeId]);
    await removeAll(env, p);
    for (const kind of ['config', 'secret']) {
      const ids = managerDocker(swarm!, [kind, 'ls', '-q', '--filter', `label=steward.project=${PROJECT}`]);
      if (ids) managerDocker(swarm!, [kind, 'rm', ...ids.split('\n')]);
    }
    // A task's endpoint on the overlay goes a moment after its service.
    // By its exact name: a `name=` filter also matches other names that contain it.
    await waitUntil(`network steward-${PROJECT} removed`, () => {
      try {
        managerDocker(swarm!, ['network', 'rm', `steward-${PROJECT}`]);
        return true;
      } catch (e) {
        return /not found|no such network/i.test((e as Error).message);
      }
    }, { timeoutMs: 30_000, intervalMs: 500 });
  } finally {
    for (const dir of [env.localDir, swarm!.manager.dir]) rmSync(join(dir, PROJECT), { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  }
});

test('swarm behind Caddy: 3 replicas spread over the nodes answer through the edge on loopback', { skip, timeout: 300_000 }, async () => {
  const record = await converge();
  assert.deepEqual(applied(record.steps).sort(), ['deploy:core/caddy', 'deploy:sw/roll', 'deploy:sw/web']);
  const web = await waitRunning('web', 3);
  assert.deepEqual(Object.keys(web.nodes!).sort(), swarm!.nodes.map((n) => n.nodeId).sort(), 'one task on each node');
  await waitRunning('roll', 2);
  const first = await waitUntil('Caddy answers for web', async () => ((await get('web')).status === 200 ? true : undefined), { timeoutMs: 20_000 });
  assert.ok(first);
  for (let i = 0; i < 12; i++) assert.deepEqual(await get('web'), { status: 200, body: 'web v1\n' });
  assert.deepEqual(await get('roll'), { status: 200, body: 'web v1\n' });
});

test('an image bump rolls through the swarm with no failed request through Caddy (start-first on a free node; stop-first one at a time)', { skip, timeout: 400_000 }, async () => {
  p.commit(apps(env.images.v2), 'web:2');
  const failures: Record<string, string[]> = { web: [], roll: [] };
  const counts: Record<string, number> = { web: 0, roll: 0 };
  let done = false;
  // Bounded: the loop ends with the converge (which has its own health_timeout), at most 2000 requests each.
  const client = (app: 'web' | 'roll') => (async () => {
    while (!done && counts[app] < 2000) {
      const r = await get(app);
      counts[app]++;
      if (r.status !== 200 || !/^web v[12]\n$/.test(r.body)) failures[app].push(`${r.status} ${r.error ?? r.body.trim()}`);
      await sleep(50);
    }
  })();
  const loops = [client('web'), client('roll')];
  try {
    const record = await converge();
    assert.deepEqual(applied(record.steps).sort(), ['update:sw/roll', 'update:sw/web']);
  } finally {
    done = true;
    await Promise.all(loops);
  }
  assert.ok(counts.roll > 10 && counts.web > 10, `requests during the rollout: ${JSON.stringify(counts)}`);
  assert.deepEqual(failures.roll, [], `start-first (roll): ${counts.roll} requests`);
  assert.deepEqual(failures.web, [], `stop-first (web): ${counts.web} requests`);
  for (let i = 0; i < 6; i++) assert.deepEqual(await get('web'), { status: 200, body: 'web v2\n' });
  assert.deepEqual(await get('roll'), { status: 200, body: 'web v2\n' });
});

test('a node drained: tasks move, nothing to apply; a worker\'s dockerd stopped: degraded, not a change; started again: healthy, nothing applied', { skip, timeout: 400_000 }, async () => {
  const worker = WORKER!;
  const pidBefore = dockerdPid(worker.name)!;
  assert.ok(pidBefore && alive(pidBefore), `dockerd of ${worker.name} runs`);
  try {
    // Drain the worker: roll's task there moves to the free node, web has no node left for one task.
    managerDocker(swarm!, ['node', 'update', '--availability', 'drain', worker.nodeId]);
    const roll = await waitRunning('roll', 2);
    assert.ok(!(worker.nodeId in roll.nodes!), `roll left the drained node: ${JSON.stringify(roll.nodes)}`);
    let s = await waitUntil('web degraded by the drain', async () => {
      const x = await planAndStatus();
      return x.sw.apps.find((a) => a.app === 'web')?.unplaced ? x : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    assert.deepEqual(applied(s.plan.steps), [], 'a drained node is nothing to apply');
    assert.equal(s.sw.apps.find((a) => a.app === 'roll')?.status, 'running');
    assert.match(s.plan.targets.find((t) => t.name === 'sw')?.degraded?.join('\n') ?? '', /^web: 2 of 3 replicas running, 1 cannot be placed/);
    assert.deepEqual(await get('web'), { status: 200, body: 'web v2\n' });
    assert.deepEqual(await get('roll'), { status: 200, body: 'web v2\n' });
    managerDocker(swarm!, ['node', 'update', '--availability', 'active', worker.nodeId]);
    await waitRunning('web', 3);

    // The worker's engine stops: the manager sees the node down, web's task there cannot be placed elsewhere.
    process.kill(pidBefore, 'SIGTERM');
    await waitUntil(`dockerd of ${worker.name} stopped`, () => (alive(pidBefore) ? undefined : true), { timeoutMs: 60_000 });
    await waitUntil(`${worker.name} down`, () => (nodeLs(swarm!).find((n) => n.id === worker.nodeId)?.status === 'down' ? true : undefined), { timeoutMs: 90_000, intervalMs: 1000 });
    s = await waitUntil('web degraded by the node down', async () => {
      const x = await planAndStatus();
      return x.sw.apps.find((a) => a.app === 'web')?.unplaced ? x : undefined;
    }, { timeoutMs: 90_000, intervalMs: 1000 });
    assert.deepEqual(applied(s.plan.steps), [], 'a node down is nothing to apply');
    assert.match(s.plan.targets.find((t) => t.name === 'sw')?.degraded?.join('\n') ?? '', new RegExp(`^web: 2 of 3 replicas running, 1 cannot be placed .*nodes not available: ${worker.hostname} down/active`));
    const row = s.status.rows.find((r) => r.target === 'sw' && r.app === 'web')!;
    assert.equal(row.health, 'degraded');
    assert.match(row.drift ?? '', /^degraded: 2 of 3 replicas running/);
    assert.deepEqual(await get('web'), { status: 200, body: 'web v2\n' }, 'Caddy skips the node that is down');
    assert.deepEqual(await get('roll'), { status: 200, body: 'web v2\n' });
  } finally {
    const now = dockerdPid(worker.name);
    if (now === undefined || !alive(now)) execFileSync(join(REPO, 'scripts/testenv'), ['up'], { stdio: 'ignore', timeout: 180_000 });
  }
  assert.notEqual(dockerdPid(worker.name), pidBefore);
  await waitUntil(`${worker.name} ready`, () => (nodeLs(swarm!).find((n) => n.id === worker.nodeId)?.status === 'ready' ? true : undefined), { timeoutMs: 90_000, intervalMs: 1000 });
  await waitRunning('web', 3, 120_000);
  const healthy = await planAndStatus();
  assert.deepEqual(applied(healthy.plan.steps), []);
  assert.equal(healthy.plan.targets.find((t) => t.name === 'sw')?.degraded, undefined);
  assert.equal(healthy.status.rows.find((r) => r.target === 'sw' && r.app === 'web')?.drift, undefined);
  const record = await converge();
  assert.deepEqual(applied(record.steps), [], 'healthy again: nothing applied');
  assert.deepEqual(await get('web'), { status: 200, body: 'web v2\n' });
});
