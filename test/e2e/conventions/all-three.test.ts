// Issue 13's "done when", on real parts: one project with monitoring, sso and
// the status page converges on the local engine and an SSH target. Prometheus
// reports every app with metrics up and every route probed; an sso route
// refuses a request without a session and passes one with it (the project's
// own `authelia` is the testenv's sso-double, as in test/e2e/sso); Chromium,
// given the session cookie the way a portal gives it (Set-Cookie on the
// domain, then a redirect), loads the status page through Caddy and sees every
// app healthy; the generated Authelia rules are mounted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork } from '../../support/testenv-project';
import { convergeOptions, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { prometheusApi, until } from '../../support/prometheus';
import { wipeProject } from '../../support/testenv-project';
import { getVia, statusCards, whenAnswers } from '../../support/http-get';
import { chromiumPath, openBrowser } from '../dashboard/chromium';

const env = loadTestenv()!;
const skip = testenvSkip() || (chromiumPath() ? false : 'chromium is not installed (apt-get install -y --no-install-recommends chromium)');
const PROJECT = 'allthree';
const DOMAIN = `${PROJECT}.test`;
const HTTP_PORT = 18690;
const PROM_PORT = 18692;
const REMOTE_PORT = 18693;
const SESSION = 'allthree-session-0123456789';

test('monitoring + sso + status page on the local engine and an SSH target', { skip, timeout: 420_000 }, async (t) => {
  const remote = env.targets[0];
  const image = (name: string) => `${env.registry}/steward-test/${name}`;
  const p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${DOMAIN}\nconverge: { health_timeout: 60s, lock_timeout: 30s }\nconventions:\n` +
      `  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n  sso: { provider: authelia }\n` +
      `  monitoring: { provider: prometheus, image: ${image('prometheus:2')}, blackbox_image: ${image('blackbox-exporter:0')}, scrape_interval: 1s, port: ${PROM_PORT} }\n` +
      '  dashboard: { provider: steward, subdomain: "@" }\n',
    'network.yml': testenvNetwork(env),
    'services/authelia/service.yml':
      `target: core\nimage: ${image('sso-double:1')}\ncommand: [/bin/serve, /bin/authz]\n` +
      `env: { PORT: "9091", AUTHZ_SESSION: ${SESSION}, AUTHZ_USER: alice, AUTHZ_GROUPS: admins, AUTHZ_EMAIL: alice@${DOMAIN}, AUTHZ_NAME: Alice, AUTHZ_PORTAL: "https://auth.${DOMAIN}" }\n` +
      'route: { subdomain: auth, port: 9091 }\nhealth: { http: /api/health, port: 9091 }\n',
    'services/near/service.yml': serviceYml('core', env.images.v1, 'route: { subdomain: near, port: 80, sso: true }\nmetrics: { port: 80 }\n'),
    'services/far/service.yml': serviceYml(remote.name, env.images.v2, `ports: [ { container: 80, host: ${REMOTE_PORT} } ]\nroute: { subdomain: far, port: 80 }\nmetrics: { port: 80 }\n`),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-allthree-state-'));
  // The portal's part: set the session cookie on the domain, send the browser on to the page.
  const login = createServer((_req, res) => {
    res.writeHead(302, { 'Set-Cookie': `authelia_session=${SESSION}; Domain=${DOMAIN}; Path=/; HttpOnly`, Location: `http://${DOMAIN}:${HTTP_PORT}/` });
    res.end();
  });
  await new Promise<void>((resolve) => login.listen(0, '127.0.0.1', resolve));
  const loginPort = (login.address() as { port: number }).port;
  const browser = openBrowser([DOMAIN, `*.${DOMAIN}`]);
  wipeProject(env, PROJECT);
  t.after(async () => {
    browser.close();
    await new Promise((resolve) => login.close(resolve));
    wipeProject(env, PROJECT);
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  });

  const record = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(record.result, 'success', JSON.stringify([record.errors, record.steps.filter((s) => s.result !== 'success')]));
  assert.deepEqual(record.errors, []);

  const prom = prometheusApi(PROM_PORT);
  const status = async () => ({ up: await prom.byApp('up{job=~"near|far"}'), probe: await prom.byApp('probe_success') });
  const seen = await until(status, (s) => s.up.near === '1' && s.up.far === '1' && ['authelia', 'near', 'far'].every((a) => s.probe[a] === '1'));
  assert.deepEqual(seen, { up: { near: '1', far: '1' }, probe: { authelia: '1', near: '1', far: '1' } });

  const html = { Accept: 'text/html' };
  const refused = await whenAnswers(HTTP_PORT, `near.${DOMAIN}`, (r) => r.status === 302, html);
  assert.equal(refused.status, 302, refused.error ?? refused.body);
  assert.match(String(refused.headers.location), new RegExp(`^https://auth\\.${PROJECT}\\.test/\\?rd=`));
  const passed = await getVia(HTTP_PORT, `near.${DOMAIN}`, { Cookie: `authelia_session=${SESSION}` });
  assert.equal(passed.status, 200, passed.body);
  assert.equal((await getVia(HTTP_PORT, DOMAIN, html)).status, 302, 'the status page is behind the login too');

  const dom = await browser.dom(`http://login.${DOMAIN}:${loginPort}/`);
  const cards = statusCards(dom);
  assert.deepEqual(
    Object.fromEntries(Object.entries(cards).map(([app, c]) => [app, [c.target, c.health]])),
    {
      authelia: ['core', 'healthy'],
      blackbox: ['core', 'healthy'],
      caddy: ['core', 'healthy'],
      near: ['core', 'healthy'],
      prometheus: ['core', 'healthy'],
      far: [remote.name, 'healthy'],
    },
    dom,
  );

  const authelia = execFileSync('docker', ['-H', env.localDockerHost, 'ps', '-q', '--filter', `label=steward.project=${PROJECT}`, '--filter', 'label=steward.app=authelia'], { encoding: 'utf8' }).trim();
  const rules = execFileSync('docker', ['-H', env.localDockerHost, 'exec', authelia, 'cat', '/etc/authelia/steward-access-control.yml'], { encoding: 'utf8' });
  assert.match(rules, /^access_control:\n {2}default_policy: deny\n/m);
  for (const host of [DOMAIN, `near.${DOMAIN}`]) assert.match(rules, new RegExp(`- domain: ${host.replace(/\./g, '\\.')}\\n {6}policy: one_factor\\n`), rules);
  assert.doesNotMatch(rules, /far\.allthree/, 'a route without sso gets no rule');
});
