import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG } from '../../../src/catalog/catalog';
import { renderProject } from '../../../src/render/render';
import { loadProject } from '../../../src/project/load';
import { runRender } from '../../../src/render/run-render';
import { writeProject } from '../../support/project-fixture';
import { cli } from './run-cli';

/** A fresh `steward init` project with a second target `media`; its age key in a throwaway HOME. */
async function initProject(t: { after: (f: () => void) => void }) {
  const root = mkdtempSync(join(tmpdir(), 'steward-app-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const env = { HOME: join(root, 'home') };
  const r = await cli(['init', 'lab', '--domain', 'lab.test'], root, env);
  assert.equal(r.code, 0, r.err);
  const dir = join(root, 'lab');
  writeFileSync(join(dir, 'network.yml'), 'edge: core\ntargets:\n  core: { address: local }\n  media: { address: 10.231.77.11 }\n');
  const ageEnv = { ...env, STEWARD_AGE_KEY: readFileSync(join(env.HOME, '.config', 'steward', 'lab.agekey'), 'utf8') };
  return { dir, env: ageEnv };
}

test('the catalog: at least 15 apps, the required ones among them, every image pinned to a release tag', () => {
  const keys = CATALOG.map((e) => e.key);
  assert.ok(keys.length >= 15);
  for (const k of ['jellyfin', 'vaultwarden', 'nextcloud', 'immich', 'forgejo', 'postgres', 'uptime-kuma', 'homepage', 'paperless-ngx', 'home-assistant', 'grafana', 'prometheus', 'adguardhome', 'audiobookshelf', 'freshrss']) {
    assert.ok(keys.includes(k), k);
  }
  assert.deepEqual(keys, [...keys].sort(), 'sorted, so `app ls --catalog` reads alphabetically');
  for (const e of CATALOG) {
    const tag = e.image.slice(e.image.lastIndexOf(':') + 1);
    assert.match(tag, /^v?\d+(\.\d+)+|^pg\d+-v\d/, `${e.key}: ${e.image} is not pinned to a version`);
    assert.ok(e.health || e.compose?.healthcheck, `${e.key} has no health check`);
  }
});

test('every catalog entry added to a `steward init` project validates and renders (secrets set with the secrets command)', async (t) => {
  const { dir, env } = await initProject(t);
  for (const e of CATALOG) {
    const r = await cli(['app', 'add', e.key, '--target', 'core'], dir, env);
    assert.equal(r.code, 0, `${e.key}: ${r.err}`);
    for (const s of e.secrets ?? []) {
      assert.match(r.out, new RegExp(`printf %s "\\$${s.name}" \\| steward secrets set secrets/${e.key}\\.sops\\.yaml ${s.name} `), e.key);
      const set = await cli(['secrets', 'set', `secrets/${e.key}.sops.yaml`, s.name], dir, env, `value-of-${s.name}`);
      assert.equal(set.code, 0, `${e.key} ${s.name}: ${set.err}`);
    }
  }
  const v = await cli(['validate'], dir, env);
  assert.equal(v.code, 0, v.err);
  assert.equal(v.out, `lab: valid (${CATALOG.length + 1} apps over 2 targets); nothing was written\n`);
  const out = renderProject(loadProject(dir));
  for (const e of CATALOG) {
    const app = out.manifest.apps.find((a) => a.name === e.key)!;
    assert.equal(app.image, e.image, e.key);
    assert.deepEqual(app.secrets, (e.secrets ?? []).map((s) => s.name).sort(), e.key);
    if (e.subdomain) assert.equal(app.route?.host, `${e.subdomain}.lab.test`, e.key);
  }
  assert.equal(runRender(dir).apps, CATALOG.length + 2);
});

test('app add jellyfin --target media writes this service.yml, which renders', async (t) => {
  const { dir, env } = await initProject(t);
  const r = await cli(['app', 'add', 'jellyfin', '--target', 'media'], dir, env);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.equal(
    r.out,
    `added jellyfin (jellyfin, jellyfin/jellyfin:10.10.3) on media: wrote services/jellyfin/service.yml
  route: https://jellyfin.lab.test -> jellyfin:8096 (published on media's port 8096)

To serve an existing media folder, replace the \`media\` volume by \`{ host: /srv/media, path: /media, readonly: true }\`.

Then: steward validate && steward render, and commit.
`,
  );
  assert.equal(
    readFileSync(join(dir, 'services/jellyfin/service.yml'), 'utf8'),
    `# jellyfin: media server for films, series and music, from Steward's catalog (jellyfin).
# The image is pinned: to upgrade, change its tag here and push.
target: media
image: jellyfin/jellyfin:10.10.3
env:
  TZ: Etc/UTC
  JELLYFIN_PublishedServerUrl: https://jellyfin.lab.test
volumes:
  - name: config
    path: /config
  - name: cache
    path: /cache
  - name: media
    path: /media
ports:
  - container: 8096
    host: 8096
route:
  subdomain: jellyfin
  port: 8096
health:
  http: /health
  port: 8096
metrics:
  path: /metrics
  port: 8096
`,
  );
  const v = await cli(['validate'], dir, env);
  assert.equal(v.code, 0, v.err);
  const app = renderProject(loadProject(dir)).manifest.apps.find((a) => a.name === 'jellyfin')!;
  assert.deepEqual([app.target, app.image, app.route], ['media', 'jellyfin/jellyfin:10.10.3', { host: 'jellyfin.lab.test', port: 8096 }]);
  assert.equal(runRender(dir).apps, 3);
});

test('app add on the edge target renders; --from names the app differently, --route sets the subdomain; the secrets commands name the app\'s file', async (t) => {
  const { dir, env } = await initProject(t);
  const r = await cli(['app', 'add', 'passwords', '--from', 'vaultwarden', '--target', 'core', '--route', 'pw'], dir, env);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    `added passwords (vaultwarden, vaultwarden/server:1.32.5) on core: wrote services/passwords/service.yml
  route: https://pw.lab.test -> passwords:80

passwords needs a secret; set it (the value is read from stdin):
  printf %s "$ADMIN_TOKEN" | steward secrets set secrets/passwords.sops.yaml ADMIN_TOKEN   # token of the /admin page (an argon2 PHC string from \`vaultwarden hash\`, or a long random string)

Then: steward validate && steward render, and commit.
`,
  );
  const text = readFileSync(join(dir, 'services/passwords/service.yml'), 'utf8');
  assert.match(text, /^  DOMAIN: https:\/\/pw\.lab\.test$/m);
  assert.match(text, /^# Secrets: ADMIN_TOKEN \(set them with `steward secrets set secrets\/passwords\.sops\.yaml KEY`\)\.$/m);
  const before = await cli(['validate'], dir, env);
  assert.equal(before.code, 1);
  assert.match(before.err, /secret "ADMIN_TOKEN" is defined in no secrets file/);
  assert.equal((await cli(['secrets', 'set', 'secrets/passwords.sops.yaml', 'ADMIN_TOKEN'], dir, env, 'tok')).code, 0);
  assert.equal((await cli(['validate'], dir, env)).code, 0);
  const none = await cli(['app', 'add', 'db', '--from', 'postgres', '--target', 'core'], dir, env);
  assert.equal(none.code, 0, none.err);
  assert.doesNotMatch(readFileSync(join(dir, 'services/db/service.yml'), 'utf8'), /route/);
  const noRoute = await cli(['app', 'add', 'kuma', '--from', 'uptime-kuma', '--target', 'core', '--route', 'none'], dir, env);
  assert.equal(noRoute.code, 0, noRoute.err);
  assert.doesNotMatch(readFileSync(join(dir, 'services/kuma/service.yml'), 'utf8'), /route/);
});

test('app add refuses to overwrite, an unknown entry or target, a bad name; nothing is written', async (t) => {
  const { dir, env } = await initProject(t);
  const hello = readFileSync(join(dir, 'services/hello/service.yml'), 'utf8');
  const cases: [string[], number, string][] = [
    [['app', 'add', 'hello', '--from', 'homepage', '--target', 'core'], 1, 'steward app add: services/hello/service.yml already exists; nothing was written (choose another NAME, or remove the app\'s folder first)\n'],
    [['app', 'add', 'plex', '--target', 'core'], 1, 'steward app add: "plex" is not in the catalog (to name the app differently, give the entry with --from KEY); `steward app ls --catalog` lists it\n'],
    [['app', 'add', 'jellyfin', '--target', 'nas'], 1, 'steward app add: network.yml has no target "nas"; targets in network.yml: core, media\n'],
    [['app', 'add', 'Media', '--from', 'jellyfin', '--target', 'core'], 1, 'steward app add: the app name "Media" must be a DNS label: lowercase letters, digits and "-"\n'],
    [['app', 'add', 'redis', '--target', 'core', '--route', 'cache'], 1, 'steward app add: redis has no web interface to route; leave out --route\n'],
  ];
  for (const [argv, code, err] of cases) {
    const r = await cli(argv, dir, env);
    assert.equal(r.code, code, argv.join(' '));
    assert.equal(r.err, err);
    assert.equal(r.out, '');
  }
  assert.equal(readFileSync(join(dir, 'services/hello/service.yml'), 'utf8'), hello);
  const usage = await cli(['app', 'add', 'jellyfin'], dir, env);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /^steward app: app add needs --target T/);
  assert.equal((await cli(['app', 'add', 'jellyfin', '--catalog'], dir, env)).code, 2);
  assert.equal((await cli(['app', 'frob'], dir, env)).code, 2);
  assert.equal((await cli(['validate'], dir, env)).code, 0, 'the refused adds left nothing behind');
});

test('app rm sets state: absent and keeps the rest of the file, comments included', async (t) => {
  const p = writeProject({ 'services/web/service.yml': '# the web app\ntarget: core # where\nimage: web:1   # pinned\nroute: { subdomain: web, port: 80 }\n' });
  t.after(p.cleanup);
  const r = await cli(['app', 'rm', 'web', '-p', p.dir]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'services/web/service.yml: state: absent; the next converge removes web (its volumes stay unless purge: true). Commit and push.\n');
  assert.equal(readFileSync(join(p.dir, 'services/web/service.yml'), 'utf8'), '# the web app\ntarget: core # where\nimage: web:1 # pinned\nroute: { subdomain: web, port: 80 }\nstate: absent\n');
  assert.equal(loadProject(p.dir).apps.find((a) => a.name === 'web')!.state, 'absent');
  const again = await cli(['app', 'rm', 'web', '-p', p.dir]);
  assert.equal(again.out, 'services/web/service.yml already has state: absent; unchanged\n');
  const present = writeProject({ 'services/web/service.yml': 'target: core\nstate: present\nimage: web:1\n' });
  t.after(present.cleanup);
  assert.equal((await cli(['app', 'rm', 'web', '-p', present.dir])).code, 0);
  assert.equal(readFileSync(join(present.dir, 'services/web/service.yml'), 'utf8'), 'target: core\nstate: absent\nimage: web:1\n');
  const missing = await cli(['app', 'rm', 'nope', '-p', p.dir]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "steward app rm: services/nope/service.yml does not exist; `steward app ls` lists the project's apps\n");
});

test('app ls lists the project\'s apps; --catalog the catalog', async (t) => {
  const p = writeProject({ 'services/old/service.yml': 'target: media\nstate: absent\nimage: old:1\n' });
  t.after(p.cleanup);
  const r = await cli(['app', 'ls', '-p', p.dir]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'NAME  TARGET  STATE    ROUTE\ndb    media   present  -\nold   media   absent   -\nweb   core    present  web.lab.test\n');
  const c = await cli(['app', 'ls', '--catalog']);
  assert.equal(c.code, 0);
  const lines = c.out.trimEnd().split('\n');
  assert.match(lines[0], /^KEY +IMAGE +ROUTE +DESCRIPTION$/);
  assert.equal(lines.length, CATALOG.length + 1);
  assert.match(c.out, /^jellyfin +jellyfin\/jellyfin:10\.10\.3 +jellyfin +media server for films, series and music$/m);
});
