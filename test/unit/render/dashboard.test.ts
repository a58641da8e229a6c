import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject } from '../../../src/project/load';
import { ProjectError } from '../../../src/project/diagnostics';
import { renderProject } from '../../../src/render/render';
import { dashboardTargets, esc, formatDuration, renderDashboard, type DashboardInput } from '../../../src/conventions/dashboard';
import type { RunRecord } from '../../../src/converge/run-record';
import type { Manifest } from '../../../src/render/manifest';
import type { ObservedApp } from '../../../src/targets/target';
import { BASE_PROJECT, writeProject } from '../../support/project-fixture';

function withProject<T>(overlay: Record<string, string | null>, f: (dir: string) => T): T {
  const p = writeProject(overlay);
  try {
    return f(p.dir);
  } finally {
    p.cleanup();
  }
}

const manifest: Manifest = {
  schema: 1,
  project: 'lab',
  domain: 'lab.test',
  edge: 'core',
  targets: { core: { address: 'local', user: 'root', port: 22, dir: '/d' }, media: { address: '10.0.0.2', user: 'root', port: 22, dir: '/d' } },
  apps: [
    { name: 'caddy', kind: 'edge', target: 'core', state: 'present', hash: 'cccccccc11111111', files: [], secrets: [], dependsOn: [] },
    { name: 'db', kind: 'service', target: 'media', state: 'present', hash: 'dddddddd22222222', image: 'db:2', files: [], secrets: [], dependsOn: [] },
    { name: 'old', kind: 'service', target: 'media', state: 'absent', files: [], secrets: [], dependsOn: [] },
    { name: 'web', kind: 'service', target: 'core', state: 'present', hash: 'wwwwwwww33333333', image: 'web:1', route: { host: 'web.lab.test', port: 80 }, files: [], secrets: [], dependsOn: [] },
  ],
};

const observedApp = (app: string, hash: string, image: string, state: 'running' | 'exited'): ObservedApp => ({
  project: 'lab',
  app,
  composeProject: `lab-${app}`,
  hash,
  hashes: [hash],
  status: state === 'running' ? 'running' : 'stopped',
  containers: [{ id: `${app}1`, name: `lab-${app}-1`, image, imageId: 'sha256:x', imageDigests: [], state, exitCode: 0, labels: {} }],
});

function record(extra: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: 1,
    runId: 'run-1',
    trigger: 'schedule',
    project: 'lab',
    commit: '0123456789abcdef0123456789abcdef01234567',
    from: null,
    startedAt: '2026-01-02T03:04:00.000Z',
    finishedAt: '2026-01-02T03:04:05.678Z',
    durationMs: 5678,
    result: 'success',
    summary: '1 step(s) applied',
    commits: [],
    steps: [],
    drift: { found: 0, corrected: 0, items: [] },
    errors: [],
    convergedRef: { advanced: true },
    ...extra,
  };
}

const input = (r: RunRecord): DashboardInput => ({
  manifest,
  record: r,
  observed: {
    core: { target: 'core', apps: [observedApp('caddy', 'cccccccc11111111', 'caddy:2', 'running'), observedApp('web', 'wwwwwwww33333333', 'web:1', 'exited')], leftovers: [], roundTrips: 1 },
    media: { target: 'media', error: 'ssh: connect to host 10.0.0.2 port 22: Connection refused' },
  },
  changes: { web: { sha: 'abcdef0123456789abcdef0123456789abcdef01', subject: 'web: <b>bump</b>', at: '2026-01-01T10:00:00Z' } },
  urls: { 'web.lab.test': 'https://web.lab.test/' },
});

test('after the run: an app healed this run is healthy, an unobserved target is unknown, absent apps are not shown', () => {
  const healed = record({
    steps: [{ id: 'update:core/web', action: 'update', target: 'core', app: 'web', result: 'success', message: 'healthy', durationMs: 10 } as RunRecord['steps'][number]],
    drift: { found: 1, corrected: 1, items: [{ target: 'core', app: 'web', drift: 'container exited', corrected: true }] },
  });
  const targets = dashboardTargets(input(healed));
  assert.deepEqual(
    targets.map((t) => ({ name: t.name, error: t.error, apps: t.apps.map((a) => [a.app, a.health, a.image, a.url, a.drift.length]) })),
    [
      { name: 'core', error: undefined, apps: [['caddy', 'healthy', 'caddy:2', undefined, 0], ['web', 'healthy', 'web:1', 'https://web.lab.test/', 1]] },
      { name: 'media', error: 'ssh: connect to host 10.0.0.2 port 22: Connection refused', apps: [['db', 'unknown', undefined, undefined, 0]] },
    ],
  );
  const stopped = dashboardTargets(input(record()));
  assert.equal(stopped[0].apps[1].health, 'stopped', 'without a step, what the plan observed');
  const failed = dashboardTargets(input(record({ steps: [{ id: 'update:core/web', action: 'update', target: 'core', app: 'web', result: 'failed', message: 'unhealthy after 30s\nmore', durationMs: 1 } as RunRecord['steps'][number]] })));
  assert.deepEqual([failed[0].apps[1].health, failed[0].apps[1].note], ['failed', 'unhealthy after 30s']);
});

test('the page: one card per app under its target, with health, version, change and drift; every value escaped', () => {
  const html = renderDashboard(
    input(
      record({
        summary: 'nothing to do: <in sync>',
        drift: { found: 1, corrected: 0, items: [{ target: 'core', app: 'web', drift: 'container "exited" & gone', corrected: false }] },
        errors: [{ stage: 'plan', target: 'media', message: 'target media could not be observed: refused' }],
      }),
    ),
  );
  assert.match(html, /^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n/);
  assert.doesNotMatch(html, /<script|<link|src=|url\(/i, 'no script and no outside resource');
  assert.match(html, /<li>nothing to do: &lt;in sync&gt;<\/li>/);
  assert.match(html, /<li>took <strong>5\.7 s<\/strong><\/li>/);
  assert.match(html, /<li>at <time datetime="2026-01-02T03:04:05\.678Z">2026-01-02 03:04:05 UTC<\/time> \(schedule\)<\/li>/);
  assert.ok(
    html.includes(
      [
        '<li class="app stopped" data-app="web" data-health="stopped">',
        '<h3><span class="name"><a href="https://web.lab.test/">web</a></span> <span class="health stopped">stopped</span></h3>',
        '<dl><dt>version</dt><dd><code>web:1</code> <code class="hash">wwwwwwww</code></dd><dt>changed</dt><dd><code>abcdef0</code> web: &lt;b&gt;bump&lt;/b&gt;, <time datetime="2026-01-01T10:00:00Z">2026-01-01 10:00:00 UTC</time></dd><dt>drift</dt><dd class="drift">container &quot;exited&quot; &amp; gone <span class="uncorrected">not corrected</span></dd></dl>',
        '</li>',
      ].join('\n'),
    ),
    html,
  );
  assert.match(html, /<section class="target" id="target-media" data-target="media">\n<h2>media <small>10\.0\.0\.2<\/small><\/h2>\n<p class="unreachable">not reached: ssh: connect/);
  assert.match(html, /<h2>Drift in the last run <small>1 found, 0 corrected<\/small><\/h2>/);
  assert.match(html, /<li><strong>plan media<\/strong>: target media could not be observed: refused<\/li>/);
  assert.doesNotMatch(html, /data-app="old"/);
});

test('esc and durations', () => {
  assert.equal(esc(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.deepEqual([formatDuration(250), formatDuration(12_340), formatDuration(125_000)], ['250 ms', '12.3 s', '2 min 5 s']);
});

test('the page is on by default with routing, at the apex, behind SSO; `dashboard: false` turns it off', () => {
  const caddy = (overlay: Record<string, string | null>) => withProject(overlay, (dir) => renderProject(loadProject(dir)).files);
  const on = caddy({ 'project.yml': BASE_PROJECT['project.yml'].replace('tls: internal', 'tls: off') + '  dashboard: { provider: steward, subdomain: status }\n' });
  assert.match(on.get('rendered/core/caddy/Caddyfile')!, /^http:\/\/status\.lab\.test \{\n\troot \* \/srv\/steward-site\n\theader Cache-Control no-cache\n\theader Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'"\n\tfile_server\n\}$/m);
  assert.match(on.get('rendered/core/caddy/compose.yaml')!, /- bind:\n {10}create_host_path: true\n {8}read_only: true\n {8}source: \/var\/lib\/steward\/lab\/caddy\/site\n {8}target: \/srv\/steward-site\n {8}type: bind\n/);
  const off = caddy({ 'project.yml': BASE_PROJECT['project.yml'] + '  dashboard: false\n' });
  assert.doesNotMatch(off.get('rendered/core/caddy/Caddyfile')!, /steward-site/);
  assert.doesNotMatch(off.get('rendered/core/caddy/compose.yaml')!, /steward-site/);
});

test('a route at the page\'s host must make room; a bad subdomain is named', () => {
  const err = withProject({ 'services/web/service.yml': BASE_PROJECT['services/web/service.yml'].replace('subdomain: web', "subdomain: '@'") }, (dir) => {
    try {
      loadProject(dir);
    } catch (e) {
      return e as ProjectError;
    }
  });
  assert.ok(err instanceof ProjectError);
  assert.deepEqual(
    err.diagnostics.map((d) => `${d.file}:${d.line} ${d.key} ${d.message}`),
    ['services/web/service.yml:4 route.subdomain lab.test is where the status page is served (conventions.dashboard): pick another subdomain, or set conventions.dashboard.subdomain to a free one, or turn the page off with `dashboard: false`'],
  );
  const bad = withProject({ 'project.yml': BASE_PROJECT['project.yml'] + '  dashboard: { provider: steward, subdomain: Bad_Name }\n' }, (dir) => {
    try {
      loadProject(dir);
    } catch (e) {
      return (e as ProjectError).diagnostics.map((d) => `${d.file}:${d.line} ${d.key} ${d.message}`);
    }
  });
  assert.deepEqual(bad?.length, 1);
  assert.match(bad![0], /^project\.yml:5 conventions\.dashboard\.subdomain .*DNS label.*Bad_Name/);
  const on = withProject({ 'project.yml': BASE_PROJECT['project.yml'] + '  dashboard: true\n' }, (dir) => {
    try {
      loadProject(dir);
    } catch (e) {
      return (e as ProjectError).diagnostics.map((d) => d.key);
    }
  });
  assert.deepEqual(on, ['conventions.dashboard'], '`true` is no form: the page is on by default');
});
