import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target, TargetSpec } from '../../../src/targets/target';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork, testenvTargetFactory } from '../../support/testenv-project';
import { convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject, git } from '../../support/git-project';

const env = loadTestenv()!;
const skip = testenvSkip();
const REF = 'refs/steward/converged';

/** Targets whose first observation waits for `gate`: holds a run between reading the ref and pushing it. */
function gated(gate: Promise<void>): (spec: TargetSpec) => Target {
  const create = testenvTargetFactory(env);
  return (spec) => {
    const t = create(spec);
    return new Proxy(t, {
      get(obj, prop) {
        const v = Reflect.get(obj, prop) as unknown;
        if (prop === 'observe') return async (...a: Parameters<Target['observe']>) => (await gate, obj.observe(...a));
        return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(obj) : v;
      },
    });
  };
}

test('two runners: the run of the older commit, finishing after the newer one, never moves the converged ref back', { skip, timeout: 180_000 }, async (t) => {
  const name = `flowref${Math.random().toString(36).slice(2, 7)}`;
  const bare = mkdtempSync(join(tmpdir(), 'steward-bare-'));
  git(bare, 'init', '-q', '--bare');
  const newer = new GitProject({
    'project.yml': `name: ${name}\ndomain: ${name}.test\nconverge: { health_timeout: 20s, lock_timeout: 1s }\n`,
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1),
  });
  const older = { dir: mkdtempSync(join(tmpdir(), 'steward-older-')) };
  t.after(async () => {
    await removeAll(env, newer);
    newer.cleanup();
    rmSync(older.dir, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
  });
  newer.git('remote', 'add', 'origin', bare);
  newer.git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  const c1 = newer.head();
  const first = await runConverge(convergeOptions(env, newer));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));
  assert.equal(git(bare, 'rev-parse', REF), c1);

  const c2 = newer.commit({ 'services/web/service.yml': serviceYml('core', env.images.v2) }, 'web v2');
  newer.git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  git(older.dir, 'clone', '-q', '-b', 'main', bare, '.');
  const c3 = newer.commit({ 'services/web/service.yml': serviceYml('core', env.images.v1) }, 'web v1 again');
  newer.git('push', '-q', 'origin', 'HEAD:refs/heads/main');

  // Two runners (two state dirs, so no shared lock): the older run reads the ref, then waits.
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const slow = runConverge(convergeOptions(env, { dir: older.dir } as GitProject, { createTarget: gated(gate) }));
  await new Promise((r) => setTimeout(r, 1500));
  const fast = await runConverge(convergeOptions(env, newer));
  assert.equal(fast.result, 'success', JSON.stringify(fast.errors));
  assert.deepEqual(fast.convergedRef, { advanced: true, sha: c3 });
  open();
  const late = await slow;
  assert.equal(late.commit, c2);
  assert.equal(late.result, 'success', JSON.stringify(late.errors));
  assert.equal(late.convergedRef.advanced, false);
  assert.equal(late.convergedRef.reason, `not pushed: ${REF} on origin moved since this run started (${c1.slice(0, 7)} then): another run converged meanwhile, and its record stands`);
  assert.equal(git(bare, 'rev-parse', REF), c3);

  // A run of the older commit that starts after the newer one converged: refused as a step backwards.
  const again = await runConverge(convergeOptions(env, { dir: older.dir } as GitProject, { full: true }));
  assert.equal(again.convergedRef.advanced, false);
  assert.equal(again.convergedRef.reason, `not pushed: ${c2.slice(0, 7)} is an ancestor of the converged commit ${c3.slice(0, 7)}: a newer run converged meanwhile; ${REF} does not move backwards`);
  assert.equal(git(bare, 'rev-parse', REF), c3);
});
