// The edge proxy on the local engine routes to an app on the same engine (by its
// alias on the shared network) and to an app on an SSH target (by the target's
// address and published port), as on a LAN: the target host must be able to
// answer the proxy's container, which only works when the test environment
// routes between the local engine's networks and the targets' bridge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork, wipeProject } from '../../support/testenv-project';
import { convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';
import { whenAnswers } from '../../support/http-get';

const env = loadTestenv()!;
const skip = testenvSkip();
const PROJECT = 'rtg';
// Ports of their own, so that the loop test's proxy (18080) and other runs never collide.
const HTTP_PORT = 18280;
const REMOTE_PORT = 18281;

/** Caddy answers as soon as it has loaded its config; the first request may still race its start. */
async function getWhenUp(host: string): Promise<{ status: number; body: string; error?: string }> {
  const { status, body, error } = await whenAnswers(HTTP_PORT, host, (r) => r.status === 200);
  return error === undefined ? { status, body } : { status, body, error };
}

test('Caddy on the local engine answers for an app on the local engine and for one on an SSH target', { skip, timeout: 240_000 }, async (t) => {
  const remote = env.targets[0];
  const p = new GitProject({
    'project.yml':
      `name: ${PROJECT}\ndomain: ${PROJECT}.test\nconverge: { health_timeout: 30s, lock_timeout: 30s }\n` +
      `conventions:\n  routing: { provider: caddy, tls: off, image: ${env.images.caddy}, http_port: ${HTTP_PORT} }\n`,
    'network.yml': testenvNetwork(env),
    'services/near/service.yml': serviceYml('core', env.images.v1, 'route: { subdomain: near, port: 80 }\n'),
    'services/far/service.yml': serviceYml(remote.name, env.images.v2, `ports: [ { container: 80, host: ${REMOTE_PORT} } ]\nroute: { subdomain: far, port: 80 }\n`),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-routing-state-'));
  t.after(async () => {
    await removeAll(env, p);
    wipeProject(env, PROJECT);
    rmSync(stateDir, { recursive: true, force: true });
    p.cleanup();
  });

  const record = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(record.result, 'success', JSON.stringify(record.errors));
  assert.deepEqual(record.steps.filter((s) => s.action !== 'prepare').map((s) => s.id).sort(), ['deploy:core/caddy', 'deploy:core/near', `deploy:${remote.name}/far`]);

  const near = await getWhenUp(`near.${PROJECT}.test`);
  assert.deepEqual(near, { status: 200, body: 'web v1\n' });
  const far = await getWhenUp(`far.${PROJECT}.test`);
  assert.deepEqual(far, { status: 200, body: 'web v2\n' }, 'the app on the SSH target answers through the edge proxy');
});
