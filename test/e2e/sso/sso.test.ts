// SSO through the real edge proxy: Caddy asks the project's own `authelia` app (a double that
// answers /api/authz/forward-auth as Authelia 4.38 documents, test/contracts/authelia/SOURCE.md)
// on the shared network before it lets a request reach an app with `sso: true`; an app without
// sso is reached directly. Authelia's own image cannot be pulled here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { testenvNetwork } from '../../support/testenv-project';
import { convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { getVia, whenAnswers, type Reply } from '../../support/http-get';

const env = loadTestenv()!;
const skip = testenvSkip();
const PROJECT = 'ssoe';
const DOMAIN = `${PROJECT}.test`;
const HTTP_PORT = 18390;
const SESSION = 'e2e-session-0123456789';

const get = (host: string, headers: Record<string, string> = {}) => getVia(HTTP_PORT, host, headers);
/** Caddy answers once it has loaded its config; the first request may still race its start. */
const whenUp = (host: string, ok: (r: Reply) => boolean, headers: Record<string, string> = {}) => whenAnswers(HTTP_PORT, host, ok, headers);

function service(image: string, extra: string): string {
  return `target: core\nimage: ${image}\n${extra}`;
}

test('Caddy lets a request reach an sso app only with an Authelia session, and passes Remote-User on', { skip, timeout: 240_000 }, async (t) => {
  const double = `${env.registry}/steward-test/sso-double:1`;
  const p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${DOMAIN}\nconverge: { health_timeout: 30s, lock_timeout: 30s }\n` +
      `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n  sso: { provider: authelia }\n`,
    'network.yml': testenvNetwork(env),
    'services/authelia/service.yml': service(
      double,
      'command: [/bin/serve, /bin/authz]\n' +
        `env: { PORT: "9091", AUTHZ_SESSION: ${SESSION}, AUTHZ_USER: alice, AUTHZ_GROUPS: "admins,dev", AUTHZ_EMAIL: alice@${DOMAIN}, AUTHZ_NAME: Alice, AUTHZ_PORTAL: "https://auth.${DOMAIN}" }\n` +
        'route: { subdomain: auth, port: 9091 }\nhealth: { http: /api/health, port: 9091 }\n',
    ),
    'services/private/service.yml': service(double, 'route: { subdomain: private, port: 80, sso: true }\nhealth: { http: /, port: 80 }\n'),
    'services/public/service.yml': service(double, 'route: { subdomain: public, port: 80 }\nhealth: { http: /, port: 80 }\n'),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-sso-state-'));
  t.after(async () => {
    await removeAll(env, p);
    try {
      execFileSync('docker', ['-H', env.localDockerHost, 'network', 'rm', `steward-${PROJECT}`], { stdio: 'ignore' });
    } catch {
      /* never created */
    }
    rmSync(join(env.localDir, PROJECT), { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  });

  const record = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(record.result, 'success', JSON.stringify(record.errors));
  assert.deepEqual(record.steps.filter((s) => s.action !== 'prepare').map((s) => s.id).sort(), ['deploy:core/authelia', 'deploy:core/caddy', 'deploy:core/private', 'deploy:core/public']);

  const pub = await whenUp(`public.${DOMAIN}`, (r) => r.status === 200);
  assert.equal(pub.status, 200, pub.error ?? pub.body);
  assert.match(pub.body, /^GET \/ HTTP\/1\.1$/m, 'a route without sso is reached directly');
  assert.doesNotMatch(pub.body, /^Remote-User:/im);

  const portal = await get(`auth.${DOMAIN}`);
  assert.equal(portal.status, 404, 'the portal host reaches the authelia app itself (the double knows no /)');

  const html = { Accept: 'text/html,application/xhtml+xml;q=0.9' };
  const browser = await whenUp(`private.${DOMAIN}`, (r) => r.status === 302, html);
  assert.equal(browser.status, 302, browser.error ?? browser.body);
  assert.equal(browser.headers.location, `https://auth.${DOMAIN}/?rd=http%3A%2F%2Fprivate.${DOMAIN}%2F&rm=GET`);
  assert.doesNotMatch(browser.body, /HTTP\/1\.1/, 'without a session the app is not reached');

  const api = await get(`private.${DOMAIN}`, { Accept: 'application/json' });
  assert.equal(api.status, 401, 'a client that takes no HTML gets 401, as from Authelia');

  const wrong = await get(`private.${DOMAIN}`, { ...html, Cookie: 'authelia_session=forged', 'Remote-User': 'mallory' });
  assert.equal(wrong.status, 302, 'a forged session and a client-sent Remote-User do not get in');

  const in_ = await get(`private.${DOMAIN}`, { Cookie: `other=1; authelia_session=${SESSION}`, 'Remote-User': 'mallory' });
  assert.equal(in_.status, 200, in_.body);
  assert.match(in_.body, /^GET \/ HTTP\/1\.1$/m);
  const got = Object.fromEntries(in_.body.split('\n').filter((l) => /^Remote-/i.test(l)).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  assert.deepEqual(got, { 'remote-user': 'alice', 'remote-groups': 'admins,dev', 'remote-email': `alice@${DOMAIN}`, 'remote-name': 'Alice' }, 'the headers come from the auth answer, never from the client');

  // The project's own authelia is kept and only gets the generated rules, mounted read-only.
  const container = execFileSync('docker', ['-H', env.localDockerHost, 'ps', '-q', '--filter', `label=steward.project=${PROJECT}`, '--filter', 'label=steward.app=authelia'], { encoding: 'utf8' }).trim();
  const rules = execFileSync('docker', ['-H', env.localDockerHost, 'exec', container, 'cat', '/etc/authelia/steward-access-control.yml'], { encoding: 'utf8' });
  assert.match(rules, new RegExp(`access_control:\\n  default_policy: deny\\n  rules:\\n    - domain: private\\.${PROJECT}\\.test\\n      policy: one_factor\\n`));
});
