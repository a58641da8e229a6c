// conventions.monitoring at render and plan: what it validates, what it adds,
// and that its targets are live files (a sync-files step, never a new release).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildProject } from '../../../src/project/build';
import { readProjectFiles } from '../../../src/project/read';
import { formatDiagnostic } from '../../../src/project/diagnostics';
import { renderProject } from '../../../src/render/render';
import { buildPlan } from '../../../src/plan/planner';
import { computeChangeSet } from '../../../src/diff/changeset';
import { liveDigest } from '../../../src/targets/live';
import type { ObservedTarget } from '../../../src/targets/target';
import { BASE_PROJECT, writeProject } from '../../support/project-fixture';

const MON = BASE_PROJECT['project.yml'] + '  monitoring: { provider: prometheus, scrape_interval: 5s, port: 19090 }\n';
const WEB_METRICS = BASE_PROJECT['services/web/service.yml'] + 'metrics: { port: 80 }\n';

function build(overlay: Record<string, string | null>) {
  const p = writeProject({ 'project.yml': MON, 'services/web/service.yml': WEB_METRICS, ...overlay });
  try {
    return buildProject(readProjectFiles(p.dir));
  } finally {
    p.cleanup();
  }
}

test('a remote app with metrics but no published port is refused with file, line and key', () => {
  const r = build({ 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'] + 'metrics: { port: 9187 }\n' });
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
    'services/db/service.yml:5:12  metrics.port  Prometheus (on target core) scrapes port 9187 of this app on target media over the network: publish it, e.g. ports: [{ container: 9187, host: 9187 }]',
  ]);
});

test('reserved names, an unknown own app or target, a taken port: each named where it is written', () => {
  const own = build({ 'services/prometheus/service.yml': 'target: core\nimage: prom/prometheus:v2.54.1\n' });
  assert.match(own.diagnostics.map(formatDiagnostic).join('\n'), /^services\/prometheus\/service\.yml:1:1 {2}- {2}the app name "prometheus" is reserved .* say `app: prometheus`/);
  const unknown = build({ 'project.yml': BASE_PROJECT['project.yml'] + '  monitoring: { provider: prometheus, app: prom }\n' });
  assert.deepEqual(unknown.diagnostics.map((d) => `${d.file}:${d.line} ${d.key}`), ['project.yml:5 conventions.monitoring.app']);
  const target = build({ 'project.yml': BASE_PROJECT['project.yml'] + '  monitoring: { provider: prometheus, target: nas }\n' });
  assert.match(formatDiagnostic(target.diagnostics[0]), /^project\.yml:5:\d+ {2}conventions\.monitoring\.target {2}unknown target "nas"/);
  const port = build({ 'project.yml': MON.replace('19090', '8080') });
  assert.match(formatDiagnostic(port.diagnostics[0]), /conventions\.monitoring\.port {2}host port 8080\/tcp on target core is already published by app "web"/);
});

test("Steward's Prometheus and blackbox exporter: its config and targets as live dirs mounted read-only, the config reloaded by HUP", () => {
  const { project } = build({});
  const out = renderProject(project!);
  const prom = out.manifest.apps.find((a) => a.name === 'prometheus')!;
  assert.equal(prom.target, 'core');
  assert.deepEqual(prom.live, [
    {
      dir: 'targets',
      files: [
        { from: 'rendered/core/prometheus/targets/metrics-web.json', to: 'metrics-web.json', sha256: prom.live![0].files[0].sha256 },
        { from: 'rendered/core/prometheus/targets/probe-web.json', to: 'probe-web.json', sha256: prom.live![0].files[1].sha256 },
      ],
    },
    { dir: 'config', files: [{ from: 'rendered/core/prometheus/config/prometheus.yml', to: 'prometheus.yml', sha256: prom.live![1].files[0].sha256 }], reload: 'HUP' },
  ]);
  assert.deepEqual(prom.files, []);
  assert.deepEqual(JSON.parse(out.files.get('rendered/core/prometheus/targets/probe-web.json')!), [{ labels: { app: 'web', project: 'lab', target: 'core' }, targets: ['http://web:80/'] }]);
  const svc = parse(out.files.get('rendered/core/prometheus/compose.yaml')!).services.prometheus;
  assert.deepEqual(svc.ports, [{ target: 9090, published: '19090', protocol: 'tcp', host_ip: '127.0.0.1' }]);
  assert.deepEqual(svc.volumes.slice(-2), [
    { type: 'bind', source: '/var/lib/steward/lab/prometheus/targets', target: '/etc/prometheus/steward', read_only: true },
    { type: 'bind', source: '/var/lib/steward/lab/prometheus/config', target: '/etc/prometheus/config', read_only: true },
  ]);
  assert.equal(svc.command[0], '--config.file=/etc/prometheus/config/prometheus.yml');
  const config = parse(out.files.get('rendered/core/prometheus/config/prometheus.yml')!);
  assert.deepEqual(config.global, { evaluation_interval: '5s', scrape_interval: '5s', scrape_timeout: '5s' });
  assert.deepEqual(config.scrape_configs.map((c: { job_name: string }) => c.job_name), ['steward-metrics', 'steward-probe']);
  assert.ok(out.manifest.apps.some((a) => a.name === 'blackbox' && a.target === 'core'));

  // Another app's metrics change the targets, never Prometheus' hash.
  const more = renderProject(build({ 'services/db/service.yml': BASE_PROJECT['services/db/service.yml'] + 'ports: [ { container: 9187, host: 9187 } ]\nmetrics: { port: 9187 }\n' }).project!);
  const prom2 = more.manifest.apps.find((a) => a.name === 'prometheus')!;
  assert.equal(prom2.hash, prom.hash);
  assert.equal(JSON.parse(more.files.get('rendered/core/prometheus/targets/metrics-db.json')!)[0].targets[0], '10.231.0.11:9187');
  // Nor does the interval: Prometheus re-reads its config on HUP.
  const slower = renderProject(build({ 'project.yml': MON.replace('scrape_interval: 5s', 'scrape_interval: 7s') }).project!);
  assert.equal(parse(slower.files.get('rendered/core/prometheus/config/prometheus.yml')!).global.scrape_interval, '7s');
  assert.equal(slower.manifest.apps.find((a) => a.name === 'prometheus')!.hash, prom.hash);
});

test("the project's own Prometheus gets the targets mounted; Steward runs only the blackbox exporter", () => {
  const { project, diagnostics } = build({
    'project.yml': BASE_PROJECT['project.yml'] + '  monitoring: { provider: prometheus, app: prom }\n',
    'services/prom/service.yml': 'target: core\nimage: prom/prometheus:v2.54.1\n',
  });
  assert.deepEqual(diagnostics, []);
  const out = renderProject(project!);
  assert.deepEqual(out.manifest.apps.map((a) => a.name), ['blackbox', 'caddy', 'db', 'prom', 'web']);
  assert.equal(out.manifest.apps.find((a) => a.name === 'blackbox')!.target, 'core');
  assert.deepEqual(JSON.parse(out.files.get('rendered/core/prom/targets/metrics-web.json')!)[0].targets, ['web:80']);
  const svc = parse(out.files.get('rendered/core/prom/compose.yaml')!).services.prom;
  assert.deepEqual(svc.volumes, [{ type: 'bind', source: '/var/lib/steward/lab/prom/targets', target: '/etc/prometheus/steward', read_only: true }]);
});

test('plan: a live dir that differs is a sync-files step before the app\'s own; equal digests, no step', () => {
  const { project } = build({});
  const out = renderProject(project!);
  const [want, config] = out.manifest.apps.find((a) => a.name === 'prometheus')!.live!.map((l) => l.files.map((f) => ({ path: f.to, content: Buffer.from(out.files.get(f.from)!) })));
  const cs = computeChangeSet({ to: 'b'.repeat(40), mode: 'first-run', commits: [], newManifest: out.manifest, projectKeyChanges: [], secretKeyChanges: {} });
  const obs = (live: ObservedTarget['live']): Record<string, ObservedTarget> => ({ core: { target: 'core', apps: [], leftovers: [], live, roundTrips: 1 }, media: { target: 'media', apps: [], leftovers: [], live: [], roundTrips: 1 } });
  const settings = { selfHeal: true, prune: true };

  const fresh = buildPlan({ manifest: out.manifest, changeset: cs, observed: obs([]), settings });
  const ids = fresh.steps.map((s) => s.id);
  const sync = fresh.steps.find((s) => s.id === 'sync-files:core/prometheus')!;
  assert.deepEqual(sync.dirs, ['targets', 'config']);
  assert.deepEqual(sync.reasons, [{ why: 'targets/ is not on the host yet (2 files)' }, { why: 'config/ is not on the host yet (1 file)' }]);
  assert.ok(fresh.steps.find((s) => s.id === 'deploy:core/prometheus')!.after.includes(sync.id));
  assert.ok(ids.indexOf(sync.id) < ids.indexOf('deploy:core/prometheus'));

  const conf = { app: 'prometheus', dir: 'config', digest: liveDigest(config) };
  const same = buildPlan({ manifest: out.manifest, changeset: cs, observed: obs([{ app: 'prometheus', dir: 'targets', digest: liveDigest(want) }, conf]), settings });
  assert.ok(!same.steps.some((s) => s.action === 'sync-files'));
  const other = buildPlan({ manifest: out.manifest, changeset: cs, observed: obs([{ app: 'prometheus', dir: 'targets', digest: liveDigest(want.slice(1)) }, conf]), settings });
  assert.deepEqual(other.steps.find((s) => s.action === 'sync-files')!.reasons, [{ why: "targets/ on the host differs from the project's 2 files" }]);
});

test('diff: a commit that changes only live files changes no app', () => {
  const { project } = build({});
  const m = renderProject(project!).manifest;
  const cs = computeChangeSet({
    from: 'a'.repeat(40),
    to: 'b'.repeat(40),
    mode: 'incremental',
    commits: [{ sha: 'c'.repeat(40), subject: 'edit', files: [{ path: 'rendered/core/prometheus/targets/metrics-web.json', status: 'M' }] } as never],
    oldManifest: m,
    newManifest: m,
    projectKeyChanges: [],
    secretKeyChanges: {},
  });
  assert.deepEqual(cs.apps, []);
});
