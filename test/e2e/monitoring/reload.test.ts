// A change of the generated prometheus.yml (the scrape interval) on real
// parts: the plan is only the sync of Prometheus' live dirs, converge rewrites
// config/prometheus.yml and sends the container SIGHUP in the same step, and
// Prometheus runs the new interval in the same container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
const PROJECT = 'monreload';
const PROM_PORT = 18691;

const projectYml = (interval: string) =>
  `name: ${PROJECT}\ndomain: ${PROJECT}.test\nconverge: { health_timeout: 60s, lock_timeout: 30s }\nconventions:\n` +
  `  monitoring: { provider: prometheus, image: ${env.registry}/steward-test/prometheus:2, blackbox_image: ${env.registry}/steward-test/blackbox-exporter:0, scrape_interval: ${interval}, port: ${PROM_PORT} }\n`;

test('a new scrape interval is a sync of the live config and a SIGHUP: same Prometheus container, new config', { skip, timeout: 300_000 }, async (t) => {
  const prom = prometheusApi(PROM_PORT);
  const p = new GitProject({
    'project.yml': projectYml('1s'),
    'network.yml': testenvNetwork(env),
    'services/m1/service.yml': serviceYml('core', env.images.v1, 'metrics: { port: 80 }\n'),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-monreload-state-'));
  wipeProject(env, PROJECT);
  t.after(() => {
    wipeProject(env, PROJECT);
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  });

  const first = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(first.result, 'success', JSON.stringify([first.errors, first.steps.filter((s) => s.result !== 'success')]));
  assert.match(await until(prom.config, (c) => c.includes('scrape_interval: 1s')), /scrape_interval: 1s/);
  assert.equal((await until(() => prom.byApp('up{job="m1"}'), (u) => u.m1 === '1')).m1, '1');
  const before = containerOf(env.localDockerHost, PROJECT, 'prometheus');
  assert.ok(before);

  p.commit({ 'project.yml': projectYml('3s') }, 'scrape every 3s');
  const slower = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(slower.result, 'success', JSON.stringify(slower.errors));
  const steps = slower.steps.filter((s) => s.action !== 'prepare');
  assert.deepEqual(steps.map((s) => s.id), ['sync-files:core/prometheus']);
  assert.equal(steps[0].message, 'config/ written (1 file), HUP sent to 1 container');

  assert.match(await until(prom.config, (c) => c.includes('scrape_interval: 3s')), /scrape_interval: 3s/);
  assert.equal(containerOf(env.localDockerHost, PROJECT, 'prometheus'), before, 'reloaded, not recreated');
  assert.equal((await until(() => prom.byApp('up{job="m1"}'), (u) => u.m1 === '1')).m1, '1', 'still scraping after the reload');

  const again = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.deepEqual(again.steps.map((s) => s.id), [], 'the live config on the host is the project\'s');
});
