// The edge proxy inside the swarm: one Caddy task pinned to a worker, its port published in host mode
// there, reaching a 2-replica swarm app by name over the attachable overlay steward-<project> (dnsrr:
// the test environment's kernel has no IPVS, which prepare says) and an app on the SSH target t1 by its
// address and published port. Requests from the root namespace to that node's port, with a Host header.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadTestenv, testenvSwarmSkip } from '../../support/testenv';
import { testenvNetwork } from '../../support/testenv-project';
import { convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { scratchDir } from '../../support/cleanup';
import { managerDocker, servicePs, waitUntil } from '../../support/swarm';
import { NO_IPVS_NOTE } from '../../../src/targets/swarm-scripts';

const skip = testenvSwarmSkip();
const env = loadTestenv()!;
const swarm = env?.swarm ?? undefined;
const PROJECT = `swo${randomBytes(3).toString('hex')}`;
// Ports of their own: swarm-edge uses 18400-18479 and 29000-30999, the other swarm tests 18000-18399 and 21000-28999.
const HTTP_PORT = 18480 + (process.pid % 80);
const SOLO_PORT = 31000 + (process.pid % 1000);
const EDGE_NODE = swarm?.nodes.find((n) => n.role === 'worker') ?? swarm?.nodes[0];
const T1 = env?.targets.find((t) => t.name === 't1');

let p: GitProject;
let stateDir: string;

function get(address: string, host: string): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: address, port: HTTP_PORT, path: '/', headers: { Host: `${host}.${PROJECT}.test` }, timeout: 10_000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

before(() => {
  if (skip) return;
  const m = swarm!.manager;
  const sw = `  sw: { address: ${m.address}, port: ${m.port}, user: ${m.user}, engine: swarm, publish: host, endpoint_mode: dnsrr, dir: ${m.dir}, nodes: [${swarm!.nodes.map((n) => n.address).join(', ')}] }\n`;
  p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${PROJECT}.test\nconverge: { health_timeout: 150s, lock_timeout: 30s, parallelism: 2 }\n` +
      `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT}, constraints: [node.hostname == ${EDGE_NODE!.hostname}] }\n  dashboard: false\n`,
    'network.yml': testenvNetwork(env, sw).replace('edge: core', 'edge: sw'),
    // No published port: Caddy reaches it by name over the overlay.
    'services/web/service.yml': `target: sw\nimage: ${env.images.v1}\nhealth: { http: /health, port: 80 }\nroute: { subdomain: web, port: 80 }\nreplicas: 2\nplacement: { max_per_node: 1 }\n`,
    'services/solo/service.yml': `target: t1\nimage: ${env.images.v2}\nhealth: { http: /health, port: 80 }\nports: [ { container: 80, host: ${SOLO_PORT} } ]\nroute: { subdomain: solo, port: 80 }\n`,
  });
  stateDir = scratchDir('steward-swarm-overlay-state-');
});

after(async () => {
  if (skip) return;
  try {
    await removeAll(env, p);
    const ids = managerDocker(swarm!, ['config', 'ls', '-q', '--filter', `label=steward.project=${PROJECT}`]);
    if (ids) managerDocker(swarm!, ['config', 'rm', ...ids.split('\n')]);
    // A task's endpoint on the overlay goes a moment after its service; `ls --filter name=` matches substrings, so ask by name.
    const net = `steward-${PROJECT}`;
    await waitUntil(`network ${net} removed`, () => {
      if (!managerDocker(swarm!, ['network', 'ls', '--format', '{{.Name}}']).split('\n').includes(net)) return true;
      managerDocker(swarm!, ['network', 'rm', net]);
      return undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
  } finally {
    for (const dir of [env.localDir, swarm!.manager.dir, T1!.dir]) rmSync(join(dir, PROJECT), { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  }
});

test('Caddy in the swarm answers on its node for a 2-replica swarm app (over the overlay) and an app on t1 (by address)', { skip, timeout: 400_000 }, async () => {
  const record = await runConverge(convergeOptions(env, p, { stateDir, pushRef: false }));
  assert.equal(record.result, 'success', `${record.summary} ${JSON.stringify(record.errors)} ${JSON.stringify(record.steps.map((s) => [s.id, s.result, s.message]))}`);
  assert.deepEqual(record.steps.filter((s) => s.action !== 'prepare').map((s) => s.id).sort(), ['deploy:sw/caddy', 'deploy:sw/web', 'deploy:t1/solo']);
  const prepare = record.steps.find((s) => s.action === 'prepare' && s.target === 'sw')!;
  assert.equal(prepare.message?.includes(NO_IPVS_NOTE), !swarm!.ipvs, `prepare says whether the swarm lacks IPVS: ${prepare.message}`);

  const caddy = servicePs(swarm!, `${PROJECT}-caddy_caddy`).filter((t) => t.currentState.startsWith('Running'));
  assert.deepEqual(caddy.map((t) => t.node), [EDGE_NODE!.hostname], 'one Caddy task, on the pinned node');
  const web = servicePs(swarm!, `${PROJECT}-web_web`).filter((t) => t.currentState.startsWith('Running'));
  assert.equal(web.length, 2);

  await waitUntil('Caddy answers for web', async () => ((await get(EDGE_NODE!.address, 'web')).status === 200 ? true : undefined), { timeoutMs: 30_000, intervalMs: 500 });
  for (let i = 0; i < 8; i++) assert.deepEqual(await get(EDGE_NODE!.address, 'web'), { status: 200, body: 'web v1\n' });
  for (let i = 0; i < 3; i++) assert.deepEqual(await get(EDGE_NODE!.address, 'solo'), { status: 200, body: 'web v2\n' });
  const other = swarm!.nodes.find((n) => n.hostname !== EDGE_NODE!.hostname)!;
  assert.equal((await get(other.address, 'web')).status, 0, 'host mode: only the node running Caddy answers');

  const again = await runConverge(convergeOptions(env, p, { stateDir, pushRef: false }));
  assert.deepEqual(again.steps.filter((s) => s.action !== 'prepare').map((s) => s.id), [], 'converged: nothing to apply');
});
