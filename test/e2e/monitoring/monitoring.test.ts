// conventions.monitoring on real parts: Debian's Prometheus and blackbox
// exporter (scripts/testenv's images) on the local engine scrape an app there
// (by its alias on the shared network) and one on an SSH target (by address and
// published port), and probe both routes. Asked through Prometheus' own HTTP
// API: both up and probed; one stopped by hand goes down; one removed from git
// loses its targets after converge, without a new Prometheus container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork } from '../../support/testenv-project';
import { convergeOptions, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { containerOf, prometheusApi, until } from '../../support/prometheus';
import { wipeProject } from '../../support/testenv-project';

const env = loadTestenv()!;
const skip = testenvSkip();
const PROJECT = 'mone2e';
const HTTP_PORT = 18490;
const PROM_PORT = 18491;
const REMOTE_PORT = 18492;

const { byApp, activeTargets } = prometheusApi(PROM_PORT);

const status = async () => ({ up: await byApp('up{job=~"m1|m2"}'), probe: await byApp('probe_success') });

test('Prometheus scrapes and probes apps on the local and an SSH target; stop and removal show; no restart on a targets change', { skip, timeout: 420_000 }, async (t) => {
  const remote = env.targets[0];
  const image = (name: string) => `${env.registry}/steward-test/${name}`;
  const p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${PROJECT}.test\nconverge: { health_timeout: 60s, lock_timeout: 30s }\n` +
      `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n` +
      `  monitoring: { provider: prometheus, image: ${image('prometheus:2')}, blackbox_image: ${image('blackbox-exporter:0')}, scrape_interval: 1s, port: ${PROM_PORT} }\n`,
    'network.yml': testenvNetwork(env),
    'services/m1/service.yml': serviceYml('core', env.images.v1, 'route: { subdomain: m1, port: 80 }\nmetrics: { port: 80 }\n'),
    'services/m2/service.yml': serviceYml(remote.name, env.images.v2, `ports: [ { container: 80, host: ${REMOTE_PORT} } ]\nroute: { subdomain: m2, port: 80 }\nmetrics: { port: 80 }\n`),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-monitoring-state-'));
  const wipe = () => wipeProject(env, PROJECT);
  wipe();
  t.after(async () => {
    wipe();
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  });

  const first = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(first.result, 'success', JSON.stringify([first.errors, first.steps.filter((s) => s.result !== 'success')]));
  const ids = first.steps.map((s) => s.id);
  assert.deepEqual(ids.filter((s) => !s.startsWith('prepare:')).sort(), [
    'deploy:core/blackbox',
    'deploy:core/caddy',
    'deploy:core/m1',
    'deploy:core/prometheus',
    `deploy:${remote.name}/m2`,
    'sync-files:core/prometheus',
  ]);
  assert.ok(ids.indexOf('sync-files:core/prometheus') < ids.indexOf('deploy:core/prometheus'), 'the targets are on the host before Prometheus mounts them');

  const up = await until(status, (s) => s.up.m1 === '1' && s.up.m2 === '1' && s.probe.m1 === '1' && s.probe.m2 === '1');
  assert.deepEqual(up, { up: { m1: '1', m2: '1' }, probe: { m1: '1', m2: '1' } });
  const targets = await activeTargets();
  const scrape = (app: string, job: string) => targets.find((x) => x.labels.app === app && x.labels.job === job);
  assert.equal(scrape('m1', 'm1')?.scrapeUrl, 'http://m1:80/metrics');
  assert.equal(scrape('m2', 'm2')?.scrapeUrl, `http://${remote.address}:${REMOTE_PORT}/metrics`);
  assert.deepEqual(scrape('m2', 'm2')?.labels, { app: 'm2', instance: `${remote.address}:${REMOTE_PORT}`, job: 'm2', project: PROJECT, target: remote.name });
  assert.equal(scrape('m1', 'steward-probe')?.labels.instance, 'http://m1:80/health');
  assert.deepEqual(await byApp('steward_test_version'), { m1: '1', m2: '2' }, "the apps' own metrics are scraped");

  const again = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.deepEqual(again.steps.map((s) => s.id), [], 'the live targets on the host are what the project wants');

  const prometheus = containerOf(env.localDockerHost, PROJECT, 'prometheus');
  execFileSync('docker', ['-H', env.localDockerHost, 'stop', '-t', '1', containerOf(env.localDockerHost, PROJECT, 'm1')], { stdio: 'ignore' });
  const down = await until(status, (s) => s.up.m1 === '0' && s.probe.m1 === '0');
  assert.deepEqual(down, { up: { m1: '0', m2: '1' }, probe: { m1: '0', m2: '1' } });

  p.commit({ 'services/m2': null }, 'remove m2');
  const removed = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(removed.result, 'success', JSON.stringify(removed.errors));
  const changed = removed.steps.map((s) => s.id).filter((s) => !s.startsWith('prepare:'));
  assert.ok(changed.includes(`remove:${remote.name}/m2`) && changed.includes('sync-files:core/prometheus'), changed.join(', '));
  assert.ok(!changed.some((s) => s.endsWith('/prometheus') && !s.startsWith('sync-files:')), `no new Prometheus release: ${changed.join(', ')}`);

  const left = await until(activeTargets, (ts) => !ts.some((x) => x.labels.app === 'm2'));
  assert.deepEqual(left.filter((x) => x.labels.app === 'm2'), []);
  assert.equal(containerOf(env.localDockerHost, PROJECT, 'prometheus'), prometheus, 'Prometheus re-read its targets: same container');
  // m1 was started again by this converge (drift), and Prometheus sees it.
  assert.equal((await until(status, (s) => s.up.m1 === '1')).up.m1, '1');
});
