// How the driver reaches a host's engine: its socket forwarded over the SSH
// connection (compose and health polls use it), a new connection when the old
// one went away, and the docker CLI over ssh on hosts that refuse forwarding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerTarget } from '../../../src/targets/docker-target';
import type { DeployableApp, TargetSpec } from '../../../src/targets/target';
import { loadTestenv, testenvSkip, type Testenv } from '../../support/testenv';

const skip = testenvSkip();
const env = loadTestenv() as Testenv;
const PROJECT = 'e2eaccess';

function app(spec: TargetSpec, name: string, image: string, hash: string): DeployableApp {
  return {
    project: PROJECT,
    app: name,
    target: spec.name,
    hash,
    compose:
      `name: ${PROJECT}-${name}\nservices:\n  ${name}:\n    image: ${image}\n` +
      `    labels: { steward.project: ${PROJECT}, steward.app: ${name}, steward.hash: ${hash} }\n` +
      `    env_file: [secrets.env]\n    stop_grace_period: 1s\n`,
    files: [],
    env: {},
    health: { http: '/health', port: 80 },
    healthTimeoutMs: 30_000,
  };
}

/** The private ssh directory of a target (its control master's socket lives there). */
async function sshDir(target: DockerTarget): Promise<string> {
  const ctx = await (target as unknown as { sshContext: Promise<{ dir: string }> }).sshContext;
  return ctx.dir;
}

describe('engine access over SSH', { skip }, () => {
  const t = skip ? undefined : env.targets[1]!;
  const spec: TargetSpec = skip ? ({} as TargetSpec) : { name: t!.name, address: t!.address, port: t!.port, user: t!.user, dir: t!.dir };
  let target: DockerTarget;

  before(() => {
    target = new DockerTarget(spec, { key: env.sshKey, knownHosts: env.knownHosts });
  });
  after(async () => {
    await target?.remove({ project: PROJECT, app: 'fwd' }).catch(() => undefined);
    await target?.close();
  });

  test('prepare forwards the engine socket; apply and health checks go through it', async () => {
    const p = await target.prepare(PROJECT, ['fwd']);
    assert.deepEqual(p.problems, []);
    assert.equal(p.engineVia, 'ssh-forward');
    const r = await target.apply(app(spec, 'fwd', env.images.v1, 'a1'));
    assert.equal(r.ok, true, r.message);
    assert.match(r.message, /^HTTP check http:\/\/[\d.]+:80\/health passed$/);
  });

  test('the SSH connection dies under the forward: the next apply and health check reconnect', async () => {
    const dir = await sshDir(target);
    execFileSync('pkill', ['-f', `${dir}/cm-`]);
    await sleep(200);
    const r = await target.apply(app(spec, 'fwd', env.images.v2, 'a2'));
    assert.equal(r.ok, true, r.message);
    execFileSync('pkill', ['-f', `${dir}/cm-`]);
    await sleep(200);
    const h = await target.health({ project: PROJECT, app: 'fwd', health: { http: '/health', port: 80 } });
    assert.equal(h.status, 'healthy', h.message);
    assert.equal(h.containers[0]?.hash, 'a2');
    // ...through a new forward, not the docker CLI.
    const sock = readdirSync(dir).filter((f) => f.startsWith('engine-')).map((f) => join(dir, f));
    assert.equal(sock.length, 1);
    assert.equal(execFileSync('curl', ['-sS', '--unix-socket', sock[0]!, 'http://docker/_ping'], { encoding: 'utf8' }), 'OK');
  });

  test('an HTTP check of a port nothing listens on fails with the reason, not an ssh error', async () => {
    const h = await target.health({ project: PROJECT, app: 'fwd', health: { http: '/health', port: 8081 } });
    assert.equal(h.status, 'unhealthy');
    assert.equal(h.message.replace(/[\d.]+:/, 'IP:'), 'HTTP check http://IP:8081/health failed (connection refused or closed)');
  });
});

const hardened = [
  { label: 'no forwarding at all', port: 2299, config: 'DisableForwarding yes', via: 'docker-cli' },
  // OpenSSH then refuses socket forwards too.
  { label: 'no TCP forwarding', port: 2298, config: 'AllowTcpForwarding no', via: 'docker-cli' },
] as const;

for (const h of hardened) {
  describe(`engine access on a host with ${h.label}`, { skip }, () => {
    const t = skip ? undefined : env.targets[0]!;
    const tmp = skip ? '' : mkdtempSync(join(tmpdir(), 'stw-noforward-'));
    const name = `hard${h.port}`;
    const spec: TargetSpec = skip ? ({} as TargetSpec) : { name, address: t!.address, port: h.port, user: t!.user, dir: t!.dir };
    let target: DockerTarget;

    before(() => {
      // A second sshd in the target's namespace, hardened.
      const base = readFileSync(join(dirname(t!.dir), 'sshd_config'), 'utf8')
        .replace(/^ListenAddress .*$/m, `ListenAddress ${t!.address}:${h.port}`)
        .replace(/^PidFile .*$/m, `PidFile ${tmp}/sshd.pid`);
      writeFileSync(join(tmp, 'sshd_config'), `${base}\n${h.config}\n`);
      execFileSync('ip', ['netns', 'exec', t!.netns, '/usr/sbin/sshd', '-f', join(tmp, 'sshd_config'), '-E', join(tmp, 'sshd.log')]);
      target = new DockerTarget(spec, { key: env.sshKey, knownHosts: join(tmp, 'known_hosts'), hostKeyPolicy: 'accept-new' });
    });
    after(async () => {
      // before() may have thrown before making the target: the sshd and tmp still go.
      await target?.remove({ project: PROJECT, app: name }).catch(() => undefined);
      await target?.close();
      try {
        process.kill(Number(readFileSync(join(tmp, 'sshd.pid'), 'utf8')));
      } catch {
        // never started
      }
      rmSync(tmp, { recursive: true, force: true });
    });

    test(`prepare reaches the engine via ${h.via}; apply and HTTP checks still work`, async () => {
      const p = await target.prepare(PROJECT, [name]);
      assert.deepEqual(p.problems, []);
      assert.equal(p.engineVia, h.via);
      const r = await target.apply(app(spec, name, env.images.v1, 'p1'));
      assert.equal(r.ok, true, r.message);
      assert.match(r.message, /HTTP check .* passed/);
      const again = await target.health({ project: PROJECT, app: name, health: { http: '/health', port: 80 } });
      assert.equal(again.status, 'healthy', again.message);
    });
  });
}
