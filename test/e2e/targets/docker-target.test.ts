// The Docker driver against real engines: the testenv's local dockerd and its
// SSH targets (network namespaces with their own sshd and dockerd).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { sharedNetworkName } from '../../../src/render/labels';
import { DockerTarget } from '../../../src/targets/docker-target';
import type { DeployableApp, ObservedTarget } from '../../../src/targets/target';
import { loadTestenv, testenvSkip, type Testenv } from '../../support/testenv';

const skip = testenvSkip();
const env = loadTestenv() as Testenv;
const PROJECT = 'e2etargets';

interface Variant {
  image: string;
  hash: string;
  healthcheck?: boolean;
  httpHealth?: boolean;
  timeoutMs?: number;
}

function deployable(target: string, app: string, v: Variant, secret = 'hunter2-secret'): DeployableApp {
  const healthcheck = v.healthcheck
    ? `    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/health"], interval: 1s, timeout: 2s, retries: 2 }\n`
    : '';
  const compose =
    `name: ${PROJECT}-${app}\n` +
    `services:\n` +
    `  ${app}:\n` +
    `    image: ${v.image}\n` +
    `    labels: { steward.project: ${PROJECT}, steward.app: ${app}, steward.hash: ${v.hash} }\n` +
    `    env_file: [secrets.env]\n` +
    `    stop_grace_period: 2s\n` +
    `    volumes: ["DIR/files/motd.txt:/etc/motd.txt:ro", "data:/data"]\n` +
    healthcheck +
    `volumes:\n  data:\n    labels: { steward.project: ${PROJECT}, steward.app: ${app} }\n`;
  return {
    project: PROJECT,
    app,
    target,
    hash: v.hash,
    compose,
    files: [{ path: 'files/motd.txt', content: Buffer.from(`motd ${v.hash}\n`) }],
    env: { API_KEY: secret },
    ...(v.httpHealth ? { health: { http: '/health', port: 80 } } : {}),
    healthTimeoutMs: v.timeoutMs ?? 30_000,
  };
}

/** The compose file mounts files by absolute path on the target: fill in the app dir. */
function forTarget(app: DeployableApp, dir: string): DeployableApp {
  return { ...app, compose: app.compose.replace('DIR', `${dir}/${app.project}/${app.app}`) };
}

/** Runs the docker CLI straight against a target's engine socket (test set-up and checks only). */
function docker(socket: string, args: string[]): string {
  return execFileSync('docker', ['-H', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** What the app's web server answers, asked from inside its own container. */
function served(socket: string, containerId: string, path = '/'): string {
  return docker(socket, ['exec', containerId, 'wget', '-q', '-O-', `http://127.0.0.1${path}`]);
}

function appOf(observed: ObservedTarget, app: string) {
  return observed.apps.find((a) => a.app === app && a.project === PROJECT);
}

const cases = skip
  ? [{ label: 'skipped', spec: undefined, socket: '' }]
  : [
      { label: 'local target', spec: { name: 'core', address: 'local', dir: env.localDir }, socket: env.localDockerHost },
      {
        label: 'SSH target',
        spec: { name: env.targets[0]!.name, address: env.targets[0]!.address, port: env.targets[0]!.port, user: env.targets[0]!.user, dir: env.targets[0]!.dir },
        socket: env.targets[0]!.socket,
      },
    ];

for (const c of cases) {
  describe(`Docker driver, ${c.label}`, { skip }, () => {
    let target: DockerTarget;
    const app = 'web';
    const others: string[] = [];

    before(async () => {
      target = new DockerTarget(c.spec!, { key: env.sshKey, knownHosts: env.knownHosts, localDockerHost: env.localDockerHost });
      // A stale run must not decide this one.
      await target.remove({ project: PROJECT, app, purge: true }).catch(() => undefined);
      await target.remove({ project: PROJECT, app: 'flaky', purge: true }).catch(() => undefined);
    });

    after(async () => {
      for (const id of others) {
        try {
          docker(c.socket, ['rm', '-f', id]);
        } catch {
          // already gone
        }
      }
      await target.remove({ project: PROJECT, app, purge: true }).catch(() => undefined);
      await target.remove({ project: PROJECT, app: 'flaky', purge: true }).catch(() => undefined);
      await target.close();
      try {
        docker(c.socket, ['network', 'rm', sharedNetworkName(PROJECT)]);
      } catch {
        // never made on this engine
      }
    });

    test('prepare: engine and compose answer, network and directories exist', async () => {
      const r = await target.prepare(PROJECT, [app]);
      assert.deepEqual(r.problems, []);
      assert.ok(r.ok);
      assert.match(r.engineVersion ?? '', /^\d+\./);
      assert.match(r.composeVersion ?? '', /^2\./);
      // The engine is read through its socket; over SSH, forwarded on the connection.
      assert.equal(r.engineVia, c.spec!.address === 'local' ? 'socket' : 'ssh-forward');
      assert.equal(docker(c.socket, ['network', 'inspect', '-f', '{{index .Labels "steward.project"}}', `steward-${PROJECT}`]), PROJECT);
      assert.ok(existsSync(`${c.spec!.dir}/${PROJECT}/${app}`));
    });

    test('apply v1: deployed, healthy, serving, secrets in a 0600 file', async () => {
      const r = await target.apply(forTarget(deployable(c.spec!.name, app, { image: env.images.v1, hash: 'h1', httpHealth: true }), c.spec!.dir));
      assert.equal(r.ok, true, r.message);
      assert.equal(r.status, 'healthy');
      const id = r.containers[0]!.id;
      assert.equal(served(c.socket, id), 'web v1');
      assert.equal(docker(c.socket, ['exec', id, 'cat', '/etc/motd.txt']), 'motd h1');
      assert.ok(docker(c.socket, ['exec', id, 'env']).includes('API_KEY=hunter2-secret'));
      assert.equal(r.release, readlinkSync(`${c.spec!.dir}/${PROJECT}/${app}/current`).replace('releases/', ''));
      const secrets = `${c.spec!.dir}/${PROJECT}/${app}/current/secrets.env`;
      assert.equal(statSync(secrets).mode & 0o777, 0o600);
      assert.equal(readFileSync(secrets, 'utf8'), "API_KEY='hunter2-secret'\n");
      assert.ok(!JSON.stringify(r).includes('hunter2-secret'));
    });

    test('observe: one round trip, the app with its hash, state and image digest', async () => {
      const o = await target.observe({ project: PROJECT, knownApps: [app] });
      assert.equal(o.roundTrips, 1);
      const a = appOf(o, app);
      assert.ok(a, 'app observed');
      assert.equal(a.hash, 'h1');
      assert.equal(a.status, 'running');
      assert.equal(a.containers[0]!.state, 'running');
      assert.match(a.containers[0]!.imageDigests[0] ?? '', /steward-test\/web@sha256:/);
      assert.deepEqual(o.leftovers, []);
    });

    test('change the image tag: updated in a new release, the previous one kept for rollback', async () => {
      const before = await target.currentRelease({ project: PROJECT, app });
      const r = await target.apply(forTarget(deployable(c.spec!.name, app, { image: env.images.v2, hash: 'h2', httpHealth: true }), c.spec!.dir));
      assert.equal(r.ok, true, r.message);
      assert.equal(served(c.socket, r.containers[0]!.id), 'web v2');
      const o = await target.observe({ project: PROJECT });
      assert.equal(appOf(o, app)?.hash, 'h2');
      assert.equal(appOf(o, app)?.containers[0]!.image, env.images.v2);
      const now = await target.currentRelease({ project: PROJECT, app });
      assert.equal(now?.hash, 'h2');
      assert.equal(now?.id, r.release);
      assert.notEqual(now?.id, before?.id);
      assert.match(now!.compose, new RegExp(`/releases/${now!.id}/files/motd\\.txt:/etc/motd\\.txt:ro`));
      assert.deepEqual(readdirSync(`${c.spec!.dir}/${PROJECT}/${app}/releases`).sort(), [before!.id, now!.id].sort());
    });

    test('drift: a container stopped by hand shows as stopped', async () => {
      const id = (await target.observe({ project: PROJECT })).apps.find((a) => a.app === app)!.containers[0]!.id;
      docker(c.socket, ['stop', '-t', '1', id]);
      const a = appOf(await target.observe({ project: PROJECT }), app);
      assert.equal(a?.status, 'stopped');
      assert.equal(a?.containers[0]!.state, 'exited');
      const h = await target.health({ project: PROJECT, app });
      assert.notEqual(h.status, 'healthy');
    });

    test('drift: a container replaced by hand shows its other hash; leftovers and foreign containers', async () => {
      const id = appOf(await target.observe({ project: PROJECT }), app)!.containers[0]!.id;
      docker(c.socket, ['rm', '-f', id]);
      // As `docker compose up` by hand with an edited file would leave it.
      const labels = [`steward.project=${PROJECT}`, `steward.app=${app}`, 'steward.hash=by-hand', `com.docker.compose.project=${PROJECT}-${app}`,
        `com.docker.compose.service=${app}`, 'com.docker.compose.oneoff=False', 'com.docker.compose.container-number=1'];
      others.push(docker(c.socket, ['run', '-d', ...labels.flatMap((l) => ['--label', l]), env.images.v1]));
      // Carries the project label but belongs to no app: a leftover.
      others.push(docker(c.socket, ['run', '-d', '--label', `steward.project=${PROJECT}`, '--name', `${PROJECT}-stray`, env.images.v1]));
      // No Steward label: never reported, never touched.
      const foreign = docker(c.socket, ['run', '-d', '--name', `${PROJECT}-foreign`, env.images.v1]);
      others.push(foreign);
      const o = await target.observe({ project: PROJECT, knownApps: [app] });
      assert.equal(appOf(o, app)?.hash, 'by-hand', JSON.stringify(o.apps));
      assert.deepEqual(o.leftovers.map((l) => l.container.name), [`${PROJECT}-stray`]);
      assert.ok(!JSON.stringify(o).includes(foreign));
      // Re-applying corrects the drift.
      const r = await target.apply(forTarget(deployable(c.spec!.name, app, { image: env.images.v2, hash: 'h2', httpHealth: true }), c.spec!.dir));
      assert.equal(r.ok, true, r.message);
      const after = appOf(await target.observe({ project: PROJECT }), app)!;
      assert.equal(after.hash, 'h2', JSON.stringify(after));
      assert.equal(docker(c.socket, ['inspect', '-f', '{{.State.Status}}', foreign]), 'running');
    });

    test('failing health check: reported with log lines; rollback re-applies the current release (v2, its files)', async () => {
      const current = await target.currentRelease({ project: PROJECT, app });
      const broken = forTarget(deployable(c.spec!.name, app, { image: env.images.broken, hash: 'h3', healthcheck: true, timeoutMs: 30_000 }), c.spec!.dir);
      const r = await target.apply(broken);
      assert.equal(r.ok, false);
      assert.equal(r.status, 'unhealthy');
      assert.ok(r.logs?.some((l) => l.includes('web broken')), `logs: ${JSON.stringify(r.logs)}`);
      assert.equal((await target.currentRelease({ project: PROJECT, app }))?.id, current?.id, 'a failed release never becomes current');
      const rollback = (await target.rollback({ project: PROJECT, app }))!;
      assert.equal(rollback.ok, true, rollback.message);
      assert.equal(rollback.hash, 'h2');
      assert.equal(rollback.release, current?.id);
      assert.equal(served(c.socket, rollback.containers[0]!.id), 'web v2');
      assert.equal(docker(c.socket, ['exec', rollback.containers[0]!.id, 'cat', '/etc/motd.txt']), 'motd h2');
      assert.equal(await target.rollback({ project: PROJECT, app: 'never-deployed' }), undefined);
    });

    test('HTTP health check that never passes: timeout with log lines', async () => {
      const flaky = forTarget(deployable(c.spec!.name, 'flaky', { image: env.images.broken, hash: 'f1', httpHealth: true, timeoutMs: 3000 }), c.spec!.dir);
      const r = await target.apply(flaky);
      assert.equal(r.ok, false);
      assert.equal(r.status, 'timeout', r.message);
      assert.match(r.message, /HTTP check .*\/health failed/);
      assert.ok(r.logs?.some((l) => l.includes('web broken')));
    });

    test('remove: containers and app dir gone, volumes kept unless purge', async () => {
      await target.remove({ project: PROJECT, app });
      const o = await target.observe({ project: PROJECT });
      assert.equal(appOf(o, app), undefined);
      assert.ok(!existsSync(`${c.spec!.dir}/${PROJECT}/${app}`));
      assert.match(docker(c.socket, ['volume', 'ls', '-q', '--filter', `label=steward.app=${app}`]), /data/);
      await target.remove({ project: PROJECT, app, purge: true });
      assert.equal(docker(c.socket, ['volume', 'ls', '-q', '--filter', `label=steward.app=${app}`]), '');
    });
  });
}
