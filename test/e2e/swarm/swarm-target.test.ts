// SwarmTarget against the test environment's real swarm (1 manager, 2 workers,
// no IPVS in this kernel: ports are host-mode), with Debian's docker CLI 20.10
// on the runner running `stack deploy`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import { toDeployable } from '../../../src/converge/deployable';
import { buildPlan } from '../../../src/plan/planner';
import { SwarmTarget } from '../../../src/targets/swarm-target';
import { configName } from '../../../src/render/stack';
import { loadTestenv, testenvSwarmSkip } from '../../support/testenv';
import { writeProject } from '../../support/project-fixture';

const skip = testenvSwarmSkip();
const env = loadTestenv();
const swarm = env?.swarm ?? undefined;
const PROJECT = `sw${randomBytes(3).toString('hex')}`;
const PORT = 18000 + Math.floor(Math.random() * 1000);
const manager = (...args: string[]) => execFileSync('/usr/bin/docker', ['-H', swarm!.manager.socket, ...args], { encoding: 'utf8', timeout: 60_000 });
let target: SwarmTarget;
let runtimeDir: string;

function project(image: string, conf: string, extra = '') {
  const nodes = swarm!.nodes.map((n) => n.address).join(', ');
  return writeProject({
    'project.yml': `name: ${PROJECT}\ndomain: lab.test\n`,
    'network.yml': `targets:\n  sw: { address: ${swarm!.manager.address}, engine: swarm, publish: host, dir: ${swarm!.manager.dir}, nodes: [${nodes}] }\n`,
    'services/web/service.yml': `target: sw\nimage: ${image}\nfiles: [ { source: files/app.conf, path: /etc/app.conf } ]\nports: [ { container: 80, host: ${PORT} } ]\nreplicas: 3\nplacement: { preferences: [ { spread: node.id } ], max_per_node: 1 }\nupdate: { order: stop-first, parallelism: 1, failure_action: rollback }\nhealth: { http: /health, port: 80 }\n${extra}`,
    'services/web/files/app.conf': conf,
    'services/db/service.yml': null,
    'secrets/main.sops.yaml': null,
  }, {});
}

function deployable(dir: string) {
  const p = loadProject(dir);
  const r = renderProject(p);
  return { p, r, app: toDeployable(p, r, r.manifest.apps.find((a) => a.name === 'web')!), manifest: r.manifest };
}

async function get(address: string): Promise<string> {
  const res = await fetch(`http://${address}:${PORT}/`, { signal: AbortSignal.timeout(3000) });
  return `${res.status} ${(await res.text()).trim()}`;
}

before(async () => {
  if (skip) return;
  runtimeDir = mkdtempSync(join(tmpdir(), 'stw-swarm-run-'));
  target = new SwarmTarget({ name: 'sw', address: swarm!.manager.address, port: swarm!.manager.port, user: swarm!.manager.user, dir: swarm!.manager.dir, engine: 'swarm' },
    { key: env!.sshKey, knownHosts: env!.knownHosts, dockerCli: '/usr/bin/docker', runtimeDir, healthPollMs: 500 });
});

after(async () => {
  if (skip) return;
  try {
    await target.remove({ project: PROJECT, app: 'web' }).catch(() => undefined);
  } finally {
    await target.close();
    for (const kind of ['config', 'secret']) {
      const ids = manager(kind, 'ls', '-q', '--filter', `label=steward.project=${PROJECT}`).trim();
      if (ids) manager(kind, 'rm', ...ids.split('\n'));
    }
    // The tasks' endpoints on the overlay go a moment after their services.
    for (let i = 0; i < 20; i++) {
      try {
        manager('network', 'rm', `steward-${PROJECT}`);
        break;
      } catch {
        if (!manager('network', 'ls', '-q', '--filter', `name=steward-${PROJECT}`).trim()) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    rmSync(join(swarm!.manager.dir, PROJECT), { recursive: true, force: true });
    rmSync(runtimeDir, { recursive: true, force: true });
  }
});

test('swarm: 3 replicas spread over 3 nodes, a config by content hash, scaled by hand restored, a broken image rolled back by Swarm', { skip, timeout: 600_000 }, async () => {
  const v1 = project(env!.images.v1, 'one\n');
  const v1b = project(env!.images.v1, 'two\n');
  const broken = project(env!.images.broken, 'two\n');
  try {
    const prep = await target.prepare(PROJECT, ['web']);
    assert.deepEqual(prep.problems, []);
    assert.equal(prep.engineVia, 'ssh-forward');

    const d1 = deployable(v1.dir);
    const r1 = await target.apply({ ...d1.app, healthTimeoutMs: 120_000 });
    assert.equal(r1.status, 'healthy', `${r1.message} ${r1.logs?.join('\n')}`);
    let o = await target.observe({ project: PROJECT, knownApps: ['web'] });
    assert.equal(o.roundTrips, 1);
    const web = o.apps.find((a) => a.app === 'web')!;
    assert.deepEqual(web.replicas, { desired: 3, spec: 3, running: 3 });
    assert.deepEqual(Object.keys(web.nodes!).sort(), swarm!.nodes.map((n) => n.nodeId).sort(), 'one task on each node, by node id');
    assert.equal(web.hash, d1.app.hash);
    for (const n of swarm!.nodes) assert.match(await get(n.address), /^200 /, `node ${n.name} answers on its host-mode port`);
    const oldConfig = configName(PROJECT, 'web', Buffer.from('one\n'));
    assert.match(manager('config', 'ls', '--format', '{{.Name}}'), new RegExp(oldConfig));

    const plan0 = buildPlan({ manifest: d1.manifest, changeset: { apps: [], to: 'x', from: 'x', mode: 'incremental' } as never, observed: { sw: o }, settings: { selfHeal: true, prune: true } });
    assert.deepEqual(plan0.steps.filter((s) => s.action !== 'prepare').map((s) => s.id), [], 'converged: nothing to do');

    // A config changed in git: a new config, the service updated, the old config removed.
    const d2 = deployable(v1b.dir);
    const r2 = await target.apply({ ...d2.app, healthTimeoutMs: 120_000 });
    assert.equal(r2.status, 'healthy', r2.message);
    const configs = manager('config', 'ls', '--filter', `label=steward.project=${PROJECT}`, '--format', '{{.Name}}').trim().split('\n');
    assert.deepEqual(configs, [configName(PROJECT, 'web', Buffer.from('two\n'))]);

    // Scaled by hand to 1: drift the plan corrects, the schedule restores 3.
    manager('service', 'scale', '--detach', `${PROJECT}-web_web=1`);
    o = await target.observe({ project: PROJECT, knownApps: ['web'] });
    const plan = buildPlan({ manifest: d2.manifest, changeset: { apps: [], to: 'x', from: 'x', mode: 'incremental' } as never, observed: { sw: o }, settings: { selfHeal: true, prune: true } });
    const step = plan.steps.find((s) => s.id === 'update:sw/web')!;
    assert.match(step.drift ?? '', /scaled by hand to 1 replicas \(the project wants 3\)/);
    const r3 = await target.apply({ ...d2.app, healthTimeoutMs: 120_000 });
    assert.equal(r3.status, 'healthy', r3.message);
    o = await target.observe({ project: PROJECT, knownApps: ['web'] });
    assert.deepEqual(o.apps[0].replicas, { desired: 3, spec: 3, running: 3 });

    // A broken image: Swarm rolls back (failure_action: rollback); the old version keeps serving.
    const d3 = deployable(broken.dir);
    const r4 = await target.apply({ ...d3.app, healthTimeoutMs: 180_000 });
    assert.equal(r4.status, 'rolled-back', r4.message);
    assert.match(r4.message, /Swarm rolled service .* back.*; task [0-9a-z]{12} \(.*web:broken\): /);
    assert.ok(r4.logs?.some((l) => l.includes('web broken')), `the failing task's log: ${r4.logs?.join(' | ')}`);
    const back = await target.rollback({ project: PROJECT, app: 'web' });
    assert.equal(back?.ok, true, back?.message);
    assert.equal(back?.release, r3.release);
    o = await target.observe({ project: PROJECT, knownApps: ['web'] });
    assert.equal(o.apps[0].hash, d2.app.hash);
    assert.match(await get(swarm!.nodes[0].address), /^200 /);
  } finally {
    v1.cleanup();
    v1b.cleanup();
    broken.cleanup();
  }
});
