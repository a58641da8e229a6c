import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import { runRender } from '../../../src/render/run-render';
import { writeProject } from '../../support/project-fixture';
import { composeSpecErrors } from '../../support/compose-spec';
import { scratchDir } from '../../support/cleanup';

const EXAMPLE = new URL('../../../examples/homelab', import.meta.url).pathname;

function copyExample(): string {
  const dir = scratchDir('steward-example-');
  cpSync(EXAMPLE, dir, { recursive: true });
  return dir;
}

test('golden: the committed examples/homelab/rendered is exactly what render writes', () => {
  const r = runRender(EXAMPLE, { check: true });
  assert.deepEqual({ written: r.written, deleted: r.deleted }, { written: [], deleted: [] });
});

test('render is deterministic: same input, same bytes, whatever the order files were read', () => {
  const a = renderProject(loadProject(EXAMPLE));
  const b = renderProject(loadProject(EXAMPLE));
  assert.deepEqual([...a.files.entries()], [...b.files.entries()]);
  for (const content of a.files.values()) assert.doesNotMatch(content, /20\d\d-\d\d-\d\dT/, 'no timestamps');
});

test('every rendered compose file validates against the Compose Specification', () => {
  const out = renderProject(loadProject(EXAMPLE));
  const composeFiles = [...out.files].filter(([f]) => f.endsWith('compose.yaml'));
  assert.ok(composeFiles.length >= 7);
  for (const [file, content] of composeFiles) assert.deepEqual(composeSpecErrors(content), [], file);
});

test('labels carry project, app and hash on every service; the manifest lists absent apps', () => {
  const out = renderProject(loadProject(EXAMPLE));
  const m = out.manifest;
  const wiki = m.apps.find((a) => a.name === 'old-wiki')!;
  assert.equal(wiki.state, 'absent');
  assert.equal(wiki.compose, undefined);
  for (const app of m.apps.filter((a) => a.state === 'present')) {
    const compose = parse(out.files.get(app.compose!)!);
    assert.equal(compose.name, `homelab-${app.name}`);
    for (const svc of Object.values(compose.services) as { labels: Record<string, string> }[]) {
      assert.equal(svc.labels['steward.project'], 'homelab');
      assert.equal(svc.labels['steward.app'], app.name);
      assert.equal(svc.labels['steward.hash'], app.hash);
    }
  }
});

test('the adopted compose file is deployed as written, labels added', () => {
  const out = renderProject(loadProject(EXAMPLE));
  const compose = parse(out.files.get('rendered/media/uptime-kuma/compose.yaml')!);
  const svc = compose.services['uptime-kuma'];
  assert.equal(svc.image, 'louislam/uptime-kuma:1.23.15');
  assert.deepEqual(svc.ports, ['3001:3001']);
  assert.deepEqual(svc.volumes, ['kuma-data:/app/data']);
  assert.equal(svc.labels['steward.app'], 'uptime-kuma');
});

test('the hash moves with anything that defines the app, and only that app', () => {
  const before = writeProject();
  const after = writeProject({ 'services/web/service.yml': 'target: core\nimage: web:2\nports: [ { container: 80, host: 8080 } ]\nroute: { subdomain: web, port: 80 }\n' });
  try {
    const h = (dir: string) => Object.fromEntries(renderProject(loadProject(dir)).manifest.apps.map((a) => [a.name, a.hash]));
    const [a, b] = [h(before.dir), h(after.dir)];
    assert.notEqual(a.web, b.web);
    assert.equal(a.db, b.db);
    assert.equal(a.caddy, b.caddy, 'same routes, same proxy');
  } finally {
    before.cleanup();
    after.cleanup();
  }
});

test('a file content change moves the hash; a "$" in env reaches the container as written', () => {
  const mk = (content: string) =>
    writeProject({
      'services/web/files/a.conf': content,
      'services/web/service.yml': 'target: core\nimage: web:1\nenv: { PASS_HINT: "a$b" }\nfiles: [ { source: files/a.conf, path: /etc/a.conf } ]\n',
    });
  const [x, y] = [mk('one'), mk('two')];
  try {
    const ox = renderProject(loadProject(x.dir));
    const oy = renderProject(loadProject(y.dir));
    const hx = ox.manifest.apps.find((a) => a.name === 'web')!.hash;
    assert.notEqual(hx, oy.manifest.apps.find((a) => a.name === 'web')!.hash);
    const web = parse(ox.files.get('rendered/core/web/compose.yaml')!).services.web;
    assert.equal(web.environment.PASS_HINT, 'a$$b');
    assert.deepEqual(web.volumes, [{ type: 'bind', source: '/var/lib/steward/lab/web/files/a.conf', target: '/etc/a.conf', read_only: true }]);
  } finally {
    x.cleanup();
    y.cleanup();
  }
});

test('write deletes rendered files of removed apps; --check lists stale files and writes nothing', () => {
  const dir = copyExample();
  try {
    rmSync(join(dir, 'rendered'), { recursive: true, force: true });
    let r = runRender(dir);
    assert.ok(r.changed);
    assert.ok(existsSync(join(dir, 'rendered/media/jellyfin/compose.yaml')));
    rmSync(join(dir, 'services/jellyfin'), { recursive: true });
    r = runRender(dir, { check: true });
    // Its Prometheus targets go with it.
    assert.deepEqual(r.deleted, ['rendered/core/prometheus/targets/metrics-jellyfin.json', 'rendered/core/prometheus/targets/probe-jellyfin.json', 'rendered/media/jellyfin/compose.yaml']);
    assert.ok(existsSync(join(dir, 'rendered/media/jellyfin/compose.yaml')), 'check writes nothing');
    r = runRender(dir);
    assert.ok(!existsSync(join(dir, 'rendered/media/jellyfin')));
    assert.equal(runRender(dir).changed, false);
    writeFileSync(join(dir, 'rendered/core/postgres/compose.yaml'), 'edited by hand\n');
    assert.deepEqual(runRender(dir, { check: true }).written, ['rendered/core/postgres/compose.yaml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Caddyfile routes every subdomain and passes `caddy validate`', (t) => {
  const out = renderProject(loadProject(EXAMPLE));
  const caddyfile = out.files.get('rendered/core/caddy/Caddyfile')!;
  assert.match(caddyfile, /^jellyfin\.home\.example\.org \{\n\ttls internal\n\treverse_proxy 10\.10\.0\.11:8096\n\}$/m);
  assert.match(caddyfile, /^cloud\.home\.example\.org \{\n\ttls internal\n\treverse_proxy nextcloud:80\n\}$/m);
  assert.match(caddyfile, /grafana\.home\.example\.org \{\n\ttls internal\n\tforward_auth authelia:9091 \{/);
  if (spawnSync('caddy', ['version']).status !== 0) {
    t.skip('caddy is not installed (scripts/testenv up installs it)');
    return;
  }
  const dir = scratchDir('steward-caddy-');
  try {
    writeFileSync(join(dir, 'Caddyfile'), caddyfile);
    execFileSync('caddy', ['validate', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { stdio: 'pipe', env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the example project stays as documented: 6+ apps over 2 targets', () => {
  const m = loadProject(EXAMPLE);
  assert.ok(m.apps.length >= 6);
  assert.deepEqual(Object.keys(m.network.targets), ['core', 'media']);
  assert.ok(m.apps.some((a) => a.kind === 'adopted'));
  assert.ok(m.apps.some((a) => a.state === 'absent'));
  assert.ok(readFileSync(join(EXAMPLE, 'secrets', 'homelab.sops.yaml'), 'utf8').includes('sops:'));
});
