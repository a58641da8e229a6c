import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { buildProject } from '../../../src/project/build';
import { readProjectFiles } from '../../../src/project/read';
import { formatDiagnostic } from '../../../src/project/diagnostics';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import { configName, secretName, withExternalObjects, withSwarmSecretNames } from '../../../src/render/stack';
import { BASE_PROJECT, writeProject } from '../../support/project-fixture';

const SPEC = JSON.parse(readFileSync(new URL('../../../schemas/compose-spec.json', import.meta.url), 'utf8'));
const specValid = new Ajv({ strict: false, validateSchema: false, validateFormats: false, allErrors: true }).compile(SPEC);

const NET = BASE_PROJECT['network.yml'] + '  swarm: { address: 10.231.77.31, engine: swarm, publish: host, nodes: [10.231.77.31, 10.231.77.32, 10.231.77.33] }\n';
const API = `target: swarm
image: api:1
env: { MODE: prod }
secrets: [API_KEY]
files: [ { source: files/app.conf, path: /etc/app.conf } ]
ports: [ { container: 80, host: 8081 } ]
route: { subdomain: api, port: 80 }
replicas: 3
placement: { preferences: [ { spread: node.id } ], max_per_node: 1 }
update: { order: stop-first, delay: 2s, parallelism: 1, failure_action: rollback }
`;

function swarmProject(overlay: Record<string, string | null> = {}) {
  return writeProject({ 'network.yml': NET, 'services/api/service.yml': API, 'services/api/files/app.conf': 'listen 80\n', ...overlay });
}

function diagnostics(overlay: Record<string, string | null>): string[] {
  const p = writeProject(overlay);
  try {
    return buildProject(readProjectFiles(p.dir)).diagnostics.map(formatDiagnostic);
  } finally {
    p.cleanup();
  }
}

test('a swarm app renders a versioned stack file: deploy, configs by content, secrets as files, host-mode ports', () => {
  const p = swarmProject();
  try {
    const out = renderProject(loadProject(p.dir));
    const text = out.files.get('rendered/swarm/api/compose.yaml')!;
    const stack = parse(text);
    const cfg = configName('lab', 'api', Buffer.from('listen 80\n'));
    assert.match(cfg, /^lab-api-[0-9a-f]{12}$/);
    const svc = stack.services.api;
    assert.equal(stack.version, '3.8');
    assert.equal(stack.name, undefined, 'the 20.10 stack loader refuses a top-level name');
    assert.equal(svc.restart, undefined);
    assert.deepEqual(svc.deploy.placement, { preferences: [{ spread: 'node.id' }], max_replicas_per_node: 1 });
    assert.deepEqual(svc.deploy.update_config, { parallelism: 1, delay: '2s', order: 'stop-first', failure_action: 'rollback', monitor: '5s' });
    assert.equal(svc.deploy.replicas, 3);
    assert.deepEqual(svc.ports, [{ target: 80, published: 8081, protocol: 'tcp', mode: 'host' }]);
    assert.deepEqual(svc.configs, [{ source: cfg, target: '/etc/app.conf', mode: 0o444 }]);
    assert.deepEqual(stack.configs, { [cfg]: { name: cfg, file: './files/app.conf', labels: { 'steward.project': 'lab', 'steward.app': 'api' } } });
    assert.deepEqual(svc.secrets, [{ source: 'API_KEY', target: 'API_KEY' }]);
    assert.equal(stack.secrets.API_KEY.file, './secrets/API_KEY');
    assert.deepEqual(svc.environment, { MODE: 'prod', API_KEY_FILE: '/run/secrets/API_KEY' });
    const m = out.manifest.apps.find((a) => a.name === 'api')!;
    for (const labels of [svc.labels, svc.deploy.labels]) assert.equal(labels['steward.hash'], m.hash);
    assert.equal(svc.deploy.labels['steward.replicas'], '3');
    assert.deepEqual(out.manifest.targets.swarm, { address: '10.231.77.31', user: 'root', port: 22, dir: '/var/lib/steward', engine: 'swarm' });
    assert.ok(specValid(stack), JSON.stringify(specValid.errors));
    const again = renderProject(loadProject(p.dir));
    assert.deepEqual([...again.files], [...out.files], 'deterministic');
  } finally {
    p.cleanup();
  }
});

test('a changed file is a new config name and a new app hash; the other apps keep theirs', () => {
  const a = swarmProject();
  const b = swarmProject({ 'services/api/files/app.conf': 'listen 8080\n' });
  try {
    const [ra, rb] = [renderProject(loadProject(a.dir)), renderProject(loadProject(b.dir))];
    const names = (r: typeof ra) => Object.keys(parse(r.files.get('rendered/swarm/api/compose.yaml')!).configs);
    assert.notDeepEqual(names(ra), names(rb));
    assert.deepEqual(names(rb), [configName('lab', 'api', Buffer.from('listen 8080\n'))]);
    const hash = (r: typeof ra, n: string) => r.manifest.apps.find((x) => x.name === n)!.hash;
    assert.notEqual(hash(ra, 'api'), hash(rb, 'api'));
    assert.equal(hash(ra, 'web'), hash(rb, 'web'));
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('secrets are named at converge by the keyed hash of the value; a rollback references what exists', () => {
  const p = swarmProject();
  try {
    const text = renderProject(loadProject(p.dir)).files.get('rendered/swarm/api/compose.yaml')!;
    assert.equal(parse(text).secrets.API_KEY.name, 'lab-api-set-at-converge');
    const named = withSwarmSecretNames(text, 'lab', 'api', { API_KEY: 'hmac-sha256:0123456789abcdef0123' });
    assert.equal(parse(named).secrets.API_KEY.name, 'lab-api-0123456789abcdef');
    assert.equal(secretName('p'.repeat(63), 'a', 'hmac-sha256:' + 'f'.repeat(64)).length, 64);
    assert.throws(() => withSwarmSecretNames(text, 'lab', 'api', {}), /no value hash for secret API_KEY of app api/);
    const back = parse(withExternalObjects(named));
    assert.deepEqual(back.secrets.API_KEY, { name: 'lab-api-0123456789abcdef', external: true });
    assert.deepEqual(Object.values(back.configs), [{ name: configName('lab', 'api', Buffer.from('listen 80\n')), external: true }]);
    assert.ok(specValid(back), JSON.stringify(specValid.errors));
  } finally {
    p.cleanup();
  }
});

test('swarm keys only on swarm targets; what a swarm cannot do is refused with file, line, key and value', () => {
  assert.deepEqual(diagnostics({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'] + 'replicas: 3\nplacement: { preferences: [ { spread: node.id } ] }\n' }), [
    'services/web/service.yml:5:1  replicas  "replicas" needs a swarm target: target core is engine: docker (got 3); set engine: swarm on it in network.yml, or remove "replicas"',
    'services/web/service.yml:6:1  placement  "placement" needs a swarm target: target core is engine: docker (got {"preferences":[{"spread":"node.id"}]}); set engine: swarm on it in network.yml, or remove "placement"',
  ]);
  assert.deepEqual(diagnostics({ 'network.yml': NET, 'services/api/service.yml': 'target: swarm\nimage: api:1\nplacement: { constraints: ["node.role = worker"] }\nupdate: { order: first }\n' }), [
    'services/api/service.yml:3:28  placement.constraints[0]  must be a placement constraint such as node.role==worker or node.labels.zone!=b (got "node.role = worker")',
    'services/api/service.yml:4:11  update.order  must be one of: start-first, stop-first (got "first")',
  ]);
  assert.deepEqual(diagnostics({
    'network.yml': NET.replace('media: { address: 10.231.0.11, dir: /srv/steward }', 'media: { address: 10.231.0.11, dir: /srv/steward, nodes: [a] }'),
    'services/api/service.yml': 'target: swarm\nimage: api:1\nports: [ { container: 80, host: 8081, bind: 10.0.0.1 } ]\nreplicas: 3\nupdate: { order: start-first }\n',
  }), [
    'network.yml:6:53  targets.media.nodes  "nodes" is for targets with engine: swarm; target media is engine: docker (got ["a"])',
    'services/api/service.yml:3:39  ports[0].bind  a swarm publishes a port on every node: "bind" is not supported on swarm target swarm (got "10.0.0.1")',
    'services/api/service.yml:5:11  update.order  start-first with host-mode ports (target swarm has publish: host) needs a free node for each task it starts: replicas (3) + update.parallelism (1) is more than the 3 nodes listed in targets.swarm.nodes; use stop-first, or fewer replicas (got "start-first")',
  ]);
  // Two replicas on three nodes: Swarm starts each new task on the free node, so start-first is safe.
  assert.deepEqual(diagnostics({ 'network.yml': NET, 'services/api/service.yml': 'target: swarm\nimage: api:1\nports: [ { container: 80, host: 8081 } ]\nreplicas: 2\nplacement: { max_per_node: 1 }\nupdate: { order: start-first, parallelism: 1 }\n' }), []);
  // The status page is a directory on one host: refused with the edge on a swarm until dashboard: false.
  assert.deepEqual(diagnostics({ 'network.yml': NET.replace('edge: core', 'edge: swarm') }), [
    'project.yml:3:1  conventions.dashboard  the edge is the swarm target swarm: the status page is not served from a swarm yet; set conventions.dashboard: false, or put the edge on a docker target (got "on by default")',
  ]);
  assert.deepEqual(diagnostics({ 'network.yml': NET.replace('edge: core', 'edge: swarm'), 'project.yml': EDGE_PROJECT }), []);
  assert.deepEqual(diagnostics({ 'network.yml': NET, 'project.yml': EDGE_PROJECT }), [
    'project.yml:4:92  conventions.routing.constraints  "constraints" place the edge proxy\'s task on a swarm; the edge core is engine: docker (got ["node.hostname == s1"])',
  ]);
  assert.deepEqual(diagnostics({ 'network.yml': NET.replace('publish: host', 'publish: ingress, endpoint_mode: dnsrr').replace('  core: { address: local }', '  core: { address: local, endpoint_mode: vip }'), 'services/api/service.yml': 'target: swarm\nimage: api:1\nports: [ { container: 80, host: 8081 } ]\n' }), [
    'network.yml:5:27  targets.core.endpoint_mode  "endpoint_mode" is for targets with engine: swarm; target core is engine: docker (got "vip")',
    'network.yml:7:68  targets.swarm.endpoint_mode  Swarm refuses ingress-mode ports on a dnsrr service: target swarm has publish: ingress; set publish: host with endpoint_mode: dnsrr (got "dnsrr")',
  ]);
});

const EDGE_PROJECT = 'name: lab\ndomain: lab.test\nconventions:\n  routing: { provider: caddy, tls: off, http_port: 18080, image: 10.231.77.1:5311/caddy:2, constraints: [node.hostname == s1] }\n  dashboard: false\n';

test('an edge on a swarm: Caddy is a one-task stack with host-mode ports and its Caddyfile as a config; swarm apps by name over the overlay, others by address', () => {
  const p = swarmProject({
    'project.yml': EDGE_PROJECT,
    'network.yml': NET.replace('edge: core', 'edge: swarm').replace('publish: host,', 'publish: host, endpoint_mode: dnsrr,'),
    'services/media/service.yml': 'target: media\nimage: web:1\nports: [ { container: 80, host: 8090 } ]\nroute: { subdomain: media, port: 80 }\n',
  });
  try {
    const out = renderProject(loadProject(p.dir));
    const caddyfile = out.files.get('rendered/swarm/caddy/Caddyfile')!;
    assert.match(caddyfile, /\nhttp:\/\/api\.lab\.test \{\n\treverse_proxy api:80\n\}\n/);
    assert.match(caddyfile, /\nhttp:\/\/media\.lab\.test \{\n\treverse_proxy 10\.231\.0\.11:8090\n\}\n/);
    const stack = parse(out.files.get('rendered/swarm/caddy/compose.yaml')!);
    const cfg = configName('lab', 'caddy', Buffer.from(caddyfile));
    const svc = stack.services.caddy;
    const edge = out.manifest.apps.find((a) => a.name === 'caddy')!;
    assert.equal(stack.version, '3.8');
    assert.deepEqual(svc.ports, [{ target: 80, published: 18080, protocol: 'tcp', mode: 'host' }]);
    assert.deepEqual(svc.configs, [{ source: cfg, target: '/etc/caddy/Caddyfile', mode: 0o444 }]);
    assert.deepEqual(stack.configs[cfg], { name: cfg, file: './files/Caddyfile', labels: { 'steward.project': 'lab', 'steward.app': 'caddy' } });
    assert.deepEqual(svc.networks, { steward: { aliases: ['caddy'] } });
    assert.deepEqual(stack.networks, { steward: { name: 'steward-lab', external: true } });
    assert.equal(svc.deploy.replicas, 1);
    assert.deepEqual(svc.deploy.placement, { constraints: ['node.hostname == s1'] });
    assert.equal(svc.deploy.update_config.order, 'stop-first');
    assert.equal(svc.deploy.labels['steward.hash'], edge.hash);
    assert.equal(svc.labels['steward.hash'], edge.hash);
    assert.deepEqual(edge.files, [{ from: 'rendered/swarm/caddy/Caddyfile', to: 'files/Caddyfile', sha256: edge.files[0].sha256 }]);
    assert.equal(parse(out.files.get('rendered/swarm/api/compose.yaml')!).services.api.deploy.endpoint_mode, 'dnsrr');
    const changed = renderProject(loadProject(p.dir)).manifest.apps.find((a) => a.name === 'caddy')!.hash;
    assert.equal(changed, edge.hash, 'the same project renders the same edge');
    assert.ok(specValid(stack), JSON.stringify(specValid.errors));
  } finally {
    p.cleanup();
  }
});

test('Caddy balances a swarm app over the nodes on its published port, and retries the next node', () => {
  const p = swarmProject();
  try {
    const caddyfile = renderProject(loadProject(p.dir)).files.get('rendered/core/caddy/Caddyfile')!;
    const block = caddyfile.slice(caddyfile.indexOf('api.lab.test {'));
    assert.equal(block.slice(0, block.indexOf('\n}\n') + 3), [
      'api.lab.test {',
      '\ttls internal',
      '\treverse_proxy 10.231.77.31:8081 10.231.77.32:8081 10.231.77.33:8081 {',
      '\t\tlb_policy round_robin',
      '\t\tlb_try_duration 10s',
      '\t\tlb_try_interval 100ms',
      '\t\tfail_duration 10s',
      '\t}',
      '}',
      '',
    ].join('\n'));
  } finally {
    p.cleanup();
  }
});
