// The status page as a person sees it: a converge of the local engine and an
// SSH target writes it, Caddy serves it at the project's apex, and headless
// Chromium loads it through Caddy on loopback. A container stopped by hand and
// the next scheduled run show on the reloaded page as drift found and corrected.
// Screenshots stay in the artifacts directory the test prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, wipeProject } from '../../support/testenv-project';
import { convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { chromiumPath, openBrowser } from './chromium';

const env = loadTestenv()!;
const skip = testenvSkip() || (chromiumPath() ? false : 'chromium is not installed (apt-get install -y --no-install-recommends chromium)');
const PROJECT = 'dshb';
const DOMAIN = `${PROJECT}.test`;
// Ports of their own, apart from the other e2e tests' proxies.
const HTTP_PORT = 18590;
const REMOTE_PORT = 18591;
const PAGE = `http://${DOMAIN}:${HTTP_PORT}/`;
const ARTIFACTS = process.env.STEWARD_TEST_ARTIFACTS ?? join(new URL('../../../', import.meta.url).pathname, '.steward-test-artifacts');

function status(host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: HTTP_PORT, path: '/', headers: { Host: host }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

/** Caddy may still be starting right after the converge: bounded wait for its answer. */
async function until200(host: string): Promise<number> {
  const end = Date.now() + 20_000;
  for (;;) {
    const s = await status(host);
    if (s === 200 || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The cards of the page: app name -> its data-health, from the DOM Chromium built. */
function cards(dom: string): Record<string, { target: string; health: string; card: string }> {
  const out: Record<string, { target: string; health: string; card: string }> = {};
  for (const section of dom.split('<section class="target" ').slice(1)) {
    const target = /data-target="([^"]+)"/.exec(section)![1];
    for (const m of section.matchAll(/<li class="app [a-z]+" data-app="([^"]+)" data-health="([a-z]+)">([\s\S]*?)<\/li>/g)) out[m[1]] = { target, health: m[2], card: m[3] };
  }
  return out;
}

function caddyId(): string {
  return execFileSync('docker', ['-H', env.localDockerHost, 'ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}-caddy`], { encoding: 'utf8' }).trim();
}

test('the status page through Caddy in Chromium: every app with its health, then a drift found and corrected', { skip, timeout: 300_000 }, async (t) => {
  const remote = env.targets[0];
  const p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${DOMAIN}\nconverge: { health_timeout: 30s, lock_timeout: 30s }\n` +
      `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n`,
    'network.yml': `edge: core\ntargets:\n  core: { address: local, dir: ${env.localDir} }\n  ${remote.name}: { address: ${remote.address}, port: ${remote.port}, user: ${remote.user}, dir: ${remote.dir} }\n`,
    'services/near/service.yml': serviceYml('core', env.images.v1, 'route: { subdomain: near, port: 80 }\n'),
    'services/far/service.yml': serviceYml(remote.name, env.images.v2, `ports: [ { container: 80, host: ${REMOTE_PORT} } ]\nroute: { subdomain: far, port: 80 }\n`),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-dashboard-state-'));
  const browser = openBrowser([DOMAIN, `*.${DOMAIN}`]);
  mkdirSync(ARTIFACTS, { recursive: true });
  t.after(async () => {
    browser.close();
    await removeAll(env, p);
    wipeProject(env, PROJECT);
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  });

  const first = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  assert.deepEqual(first.errors, []);
  assert.equal(await until200(DOMAIN), 200, 'Caddy serves the page at the apex');
  const caddyBefore = caddyId();

  const dom = await browser.dom(PAGE);
  const seen = cards(dom);
  assert.deepEqual(
    Object.fromEntries(Object.entries(seen).map(([app, c]) => [app, [c.target, c.health]])),
    { caddy: ['core', 'healthy'], near: ['core', 'healthy'], far: [remote.name, 'healthy'] },
    dom,
  );
  assert.match(seen.near.card, new RegExp(`<a href="http://near\\.${PROJECT}\\.test:${HTTP_PORT}/">near</a>`));
  assert.match(seen.far.card, /<code>[^<]*steward-test\/web:2<\/code>/);
  assert.match(seen.near.card, /<dt>changed<\/dt><dd><code>[0-9a-f]{7}<\/code> /, 'the commit of its last change');
  assert.match(dom, /last run: <strong class="result success">success<\/strong>/);
  const wide = join(ARTIFACTS, 'dashboard-desktop.png');
  const phone = join(ARTIFACTS, 'dashboard-phone.png');
  await browser.screenshot(PAGE, wide, { width: 1280, height: 900 });
  await browser.screenshot(PAGE, phone, { width: 390, height: 844 });
  assert.ok(statSync(wide).size > 0 && statSync(phone).size > 0);

  // Someone stops an app by hand; the scheduled run finds and heals it.
  const near = execFileSync('docker', ['-H', env.localDockerHost, 'ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}-near`], { encoding: 'utf8' }).trim();
  execFileSync('docker', ['-H', env.localDockerHost, 'stop', '-t', '1', near], { stdio: 'ignore' });
  const healed = await runConverge(convergeOptions(env, p, { stateDir, trigger: 'schedule' }));
  assert.equal(healed.result, 'success', JSON.stringify(healed.errors));
  assert.equal(healed.drift.corrected, 1, JSON.stringify(healed.drift));

  const after = await browser.dom(PAGE);
  const drift = /<section id="drift">([\s\S]*?)<\/section>/.exec(after)![1];
  assert.match(drift, /1 found, 1 corrected/);
  assert.match(drift, /<li data-app="near" data-corrected="true"><strong>core\/near<\/strong>: [^<]+ <span class="corrected">corrected<\/span><\/li>/);
  const healedCards = cards(after);
  assert.equal(healedCards.near.health, 'healthy');
  assert.match(healedCards.near.card, /<span class="corrected">corrected<\/span>/);
  assert.match(after, /\(schedule\)/);
  await browser.screenshot(PAGE, join(ARTIFACTS, 'dashboard-after-drift.png'), { width: 1280, height: 900 });
  assert.equal(caddyId(), caddyBefore, 'a new page does not recreate Caddy');
  t.diagnostic(`screenshots in ${ARTIFACTS}`);
  console.log(`dashboard screenshots: ${ARTIFACTS}`);
});
