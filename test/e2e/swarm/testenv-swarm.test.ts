// The testenv swarm itself (scripts/testenv, STEWARD_TESTENV_SWARM): three nodes in their own
// namespaces, an overlay network across them, host-mode ports on every node, and what this kernel
// lacks (IPVS, so no ingress routing mesh). What the Swarm driver's tests build on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadTestenv, testenvSwarmSkip, type Testenv, type TestenvSwarm } from '../../support/testenv';
import {
  dockerAt,
  httpGet,
  managerDocker,
  nodeByHostname,
  nodeLs,
  stackDeploy,
  stackRemains,
  stackRm,
  stackServices,
  waitServiceRunning,
  waitUntil,
} from '../../support/swarm';

const skip = testenvSwarmSkip();
const env = loadTestenv() as Testenv;
const STACK = `e2eswenv${process.pid}`;
// Host-mode ports bind on the nodes themselves: one per run, away from the other tests' ports.
const PORT = 21000 + (process.pid % 4000);
const INGRESS_PORT = PORT + 4000;

function stackYml(image: string): string {
  return `version: "3.8"
services:
  web:
    image: ${image}
    ports:
      - { target: 80, published: ${PORT}, protocol: tcp, mode: host }
    networks: [net]
    stop_grace_period: 2s
    deploy:
      replicas: 3
      endpoint_mode: dnsrr
      placement:
        max_replicas_per_node: 1
        preferences: [{ spread: node.id }]
  pinned:
    image: ${image}
    networks: [net]
    stop_grace_period: 2s
    deploy:
      replicas: 1
      endpoint_mode: dnsrr
      placement:
        constraints: ["node.labels.steward.node == s2"]
networks:
  net:
    driver: overlay
    attachable: true
`;
}

describe('testenv swarm', { skip, timeout: 240_000 }, () => {
  let swarm: TestenvSwarm;

  before(() => {
    swarm = env.swarm!;
  });

  after(async () => {
    if (!swarm) return;
    if (stackRemains(swarm, STACK).length > 0) await stackRm(swarm, STACK);
    try {
      managerDocker(swarm, ['service', 'rm', `${STACK}-ingress`]);
    } catch {
      // absent unless the ingress test ran and failed half-way
    }
  });

  test('three nodes ready: one manager, distinct ids, hostnames and labels', () => {
    assert.equal(swarm.nodes.length, 3);
    assert.deepEqual(swarm.nodes.map((n) => n.role), ['manager', 'worker', 'worker']);
    assert.equal(swarm.manager.socket, swarm.nodes[0]!.socket);
    const rows = nodeLs(swarm);
    assert.deepEqual(
      rows.map((r) => [r.id, r.hostname, r.status, r.availability, r.label]),
      swarm.nodes.map((n) => [n.nodeId, n.hostname, 'ready', 'active', n.name]),
    );
    assert.equal(rows[0]!.managerStatus, 'leader');
    assert.equal(new Set(rows.map((r) => r.id)).size, 3);
    assert.equal(new Set(rows.map((r) => r.hostname)).size, 3);
    for (const n of swarm.nodes) {
      assert.equal(dockerAt(n, ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}} {{.Name}}']), `active ${n.nodeId} ${n.hostname}`);
    }
  });

  test('the ipvs flag says whether the kernel has IPVS', () => {
    let present = true;
    try {
      execFileSync('ip', ['netns', 'exec', swarm.nodes[0]!.netns, 'test', '-e', '/proc/net/ip_vs'], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      present = false;
    }
    assert.equal(swarm.ipvs, present);
  });

  test('an overlay network and host-mode ports spread by node id answer on every node', async () => {
    stackDeploy(swarm, STACK, stackYml(env.images.v1));
    const tasks = await waitServiceRunning(swarm, `${STACK}_web`, 3, { distinctNodes: true, timeoutMs: 90_000 });
    assert.deepEqual(tasks.map((t) => t.node).sort(), swarm.nodes.map((n) => n.hostname).sort());
    const net = managerDocker(swarm, ['network', 'inspect', '--format', '{{.Driver}} {{.Scope}} {{.Attachable}}', `${STACK}_net`]);
    assert.equal(net, 'overlay swarm true');
    for (const n of swarm.nodes) {
      const res = await waitUntil(`GET ${n.address}:${PORT}`, () => httpGet(n.address, PORT), { timeoutMs: 30_000 });
      assert.deepEqual(res, { status: 200, body: 'web v1\n' }, `node ${n.name}`);
    }
  });

  test('the local engine reaches host-mode ports on every node (as the edge proxy does)', () => {
    const local = { socket: env.localDockerHost };
    dockerAt(local, ['network', 'create', '--label', `steward.e2e=${STACK}`, `${STACK}-edge`]);
    try {
      const script = swarm.nodes.map((n) => `wget -q -O- http://${n.address}:${PORT}/`).join(' && ');
      const out = dockerAt(local, ['run', '--rm', '--network', `${STACK}-edge`, env.images.v1, 'sh', '-c', script], { timeoutMs: 30_000 });
      assert.equal(out, 'web v1\nweb v1\nweb v1');
    } finally {
      dockerAt(local, ['network', 'rm', `${STACK}-edge`]);
    }
  });

  test('a constraint on the steward.node label places the task on that node', async () => {
    const [task] = await waitServiceRunning(swarm, `${STACK}_pinned`, 1, { timeoutMs: 60_000 });
    assert.equal(nodeByHostname(swarm, task!.node).name, 's2');
  });

  test('tasks reach each other over the overlay network across nodes', async () => {
    const ips: Record<string, string> = {};
    for (const n of swarm.nodes) {
      const id = dockerAt(n, ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${STACK}_web`]);
      assert.match(id, /^[0-9a-f]+$/, `one web task container on ${n.name}`);
      ips[n.name] = dockerAt(n, ['inspect', '--format', `{{(index .NetworkSettings.Networks "${STACK}_net").IPAddress}}`, id]);
    }
    const s1 = swarm.nodes[0]!;
    const from = dockerAt(s1, ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${STACK}_web`]);
    for (const name of ['s2', 's3']) {
      // busybox wget of the test image: no -T (it crashes with it), the docker call's timeout bounds it
      const body = await waitUntil(`s1 -> ${name} over ${STACK}_net`, () =>
        dockerAt(s1, ['exec', from, 'wget', '-q', '-O-', `http://${ips[name]}/`], { timeoutMs: 10_000 }),
      { timeoutMs: 20_000 });
      assert.equal(body, 'web v1');
    }
  });

  test('without IPVS an ingress-published port answers on no node (use mode: host)', { skip: env.swarm?.ipvs ? 'this kernel has IPVS' : false }, async () => {
    managerDocker(swarm, [
      'service', 'create', '--detach', '--name', `${STACK}-ingress`, '--replicas', '1', '--stop-grace-period', '2s',
      '--publish', `mode=ingress,target=80,published=${INGRESS_PORT}`, env.images.v1,
    ]);
    await waitServiceRunning(swarm, `${STACK}-ingress`, 1, { timeoutMs: 60_000 });
    for (const n of swarm.nodes) {
      await assert.rejects(httpGet(n.address, INGRESS_PORT, '/', 2_000), Error, `ingress port on ${n.name}`);
    }
    managerDocker(swarm, ['service', 'rm', `${STACK}-ingress`]);
  });

  test('stack rm leaves no service, network or container on any node', async () => {
    assert.deepEqual(stackServices(swarm, STACK), [`${STACK}_pinned`, `${STACK}_web`]);
    await stackRm(swarm, STACK, { timeoutMs: 90_000 });
    assert.deepEqual(stackRemains(swarm, STACK), []);
  });
});
