import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject } from '../../../src/project/load';
import { ProjectError } from '../../../src/project/diagnostics';
import { writeProject } from '../../support/project-fixture';

test('defaults are applied to project, targets and apps', () => {
  const p = writeProject();
  try {
    const m = loadProject(p.dir);
    assert.equal(m.name, 'lab');
    assert.deepEqual(m.converge, { prune: true, selfHeal: true, parallelism: 4, healthTimeoutMs: 120_000, lockTimeoutMs: 60_000 });
    assert.deepEqual(m.network.targets.core, { name: 'core', address: 'local', user: 'root', port: 22, dir: '/var/lib/steward', engine: 'docker' });
    assert.equal(m.network.targets.media.dir, '/srv/steward');
    assert.deepEqual(m.apps.map((a) => a.name), ['db', 'web']);
    const web = m.apps.find((a) => a.name === 'web')!;
    assert.equal(web.state, 'present');
    assert.equal(web.kind, 'service');
    assert.deepEqual(web.ports, [{ container: 80, host: 8080, protocol: 'tcp', bind: undefined }]);
    assert.deepEqual(web.route, { subdomain: 'web', port: 80, sso: false });
    assert.deepEqual(m.secretFiles.map((f) => [f.path, f.keys]), [['secrets/main.sops.yaml', ['API_KEY', 'DB_PASSWORD']]]);
    assert.equal(m.conventions.routing?.tls, 'internal');
  } finally {
    p.cleanup();
  }
});

test('durations and converge settings are read', () => {
  const p = writeProject({ 'project.yml': 'name: lab\ndomain: lab.test\nconverge: { prune: false, self_heal: false, parallelism: 1, health_timeout: 2m }\nconventions:\n  routing: { provider: caddy }\n' });
  try {
    const m = loadProject(p.dir);
    assert.deepEqual(m.converge, { prune: false, selfHeal: false, parallelism: 1, healthTimeoutMs: 120_000, lockTimeoutMs: 60_000 });
  } finally {
    p.cleanup();
  }
});

test('an adopted compose.yaml becomes an adopted app carrying its folder', () => {
  const p = writeProject({
    'services/kuma/service.yml': 'target: core\nroute: { subdomain: status, port: 3001 }\n',
    'services/kuma/compose.yaml': 'services:\n  kuma:\n    image: kuma:1\n    ports: ["3001:3001"]\n    volumes: ["./data:/app/data"]\n',
    'services/kuma/data/seed.txt': 'seed\n',
  });
  try {
    const kuma = loadProject(p.dir).apps.find((a) => a.name === 'kuma')!;
    assert.equal(kuma.kind, 'adopted');
    assert.deepEqual(kuma.files.map((f) => f.source), ['data/seed.txt']);
  } finally {
    p.cleanup();
  }
});

test('a symlink inside the app folder is followed', () => {
  const p = writeProject({
    'services/web/files/real.conf': 'x=1\n',
    'services/web/files/link.conf': { symlink: 'real.conf' },
    'services/web/service.yml': 'target: core\nimage: web:1\nfiles: [ { source: files/link.conf, path: /etc/x.conf } ]\n',
  });
  try {
    const web = loadProject(p.dir).apps.find((a) => a.name === 'web')!;
    assert.equal(web.files[0].content.toString(), 'x=1\n');
  } finally {
    p.cleanup();
  }
});

test('ProjectError lists every problem with file:line:column, key and message', () => {
  const p = writeProject({ 'services/web/service.yml': 'target: nas\nimage: web:1\ndepends_on: [ghost]\n' });
  try {
    assert.throws(() => loadProject(p.dir), (e: unknown) => {
      assert.ok(e instanceof ProjectError);
      assert.equal(e.diagnostics.length, 2);
      assert.match(e.message, /^services\/web\/service\.yml:1:1  target  unknown target "nas"/m);
      assert.match(e.message, /^services\/web\/service\.yml:3:14  depends_on\[0\]  unknown app "ghost"/m);
      assert.match(e.message, /2 errors in the project; nothing was written or deployed\.$/);
      return true;
    });
  } finally {
    p.cleanup();
  }
});
