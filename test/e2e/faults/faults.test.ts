// The fault-injection suite: real engines (the local one and two SSH
// targets), real processes killed with SIGKILL, hosts that do not answer,
// secrets tampered with. Seeded: STEWARD_FAULTS_SEED replays a run,
// STEWARD_FAULTS_K sets the number of kills (default 15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { convergeOptions, observeAll, removeAll, runConverge } from '../../support/converge-fixture';
import { testenvNetwork, testenvTargetFactory } from '../../support/testenv-project';
import { composeProjects, faultApps, faultProject, killTrials } from '../../support/faults';

const env = loadTestenv()!;
const skip = testenvSkip();
const K = Number(process.env.STEWARD_FAULTS_K ?? 15);
const SEED = Number(process.env.STEWARD_FAULTS_SEED ?? Date.now() % 1_000_000);

test(`SIGKILL at ${K} random points of a converge, then a re-run: converged, nothing duplicated, no plaintext left (seed ${SEED})`, { skip }, async () => {
  console.log(`faults: seed ${SEED} (STEWARD_FAULTS_SEED=${SEED} replays it), K=${K}`);
  const figures = await killTrials(env, { k: K, seed: SEED, name: 'fkill', log: (l) => console.log(`faults: ${l}`) });
  console.log(JSON.stringify({ faults: 'sigkill', seed: figures.seed, trials: figures.trials, killedMidRun: figures.killedMidRun, failures: figures.failures, duplicates: figures.duplicates, leftPlaintext: figures.leftPlaintext.length, fullConvergeMs: figures.fullConvergeMs }));
  const failed = figures.results.filter((r) => r.problems.length);
  assert.deepEqual(failed.map((r) => `trial ${r.trial} (kill at ${r.delayMs} ms): ${r.problems.join('; ')}`), []);
  assert.equal(figures.duplicates, 0, 'no compose project twice');
  assert.deepEqual(figures.leftPlaintext, [], 'no secret plaintext outside the apps\' secrets files');
});

test('a target that does not answer: bounded, named, the others converge, the ref does not move', { skip }, async (t) => {
  const p = await faultProject(env, 'fdown');
  // 10.231.77.99 is on the testenv's own bridge and nothing has it: connects time out.
  p.commit({ 'network.yml': testenvNetwork(env, '  ghost: { address: 10.231.77.99, port: 22, user: root, dir: /var/lib/steward }\n'), 'services/front/service.yml': faultApps(env, 0)['services/front/service.yml'].replace('target: t2', 'target: ghost') }, 'a host that is gone');
  t.after(async () => {
    await removeAll(env, p).catch(() => {});
    p.cleanup();
  });
  const connectTimeoutMs = 3000;
  const t0 = Date.now();
  const r = await runConverge(convergeOptions(env, p, { createTarget: testenvTargetFactory(env, { connectTimeoutMs, commandTimeoutMs: 20_000 }) }));
  const tookMs = Date.now() - t0;
  console.log(JSON.stringify({ faults: 'unreachable', connectTimeoutMs, tookMs }));
  assert.equal(r.result, 'failure');
  assert.match(JSON.stringify(r.errors), /ghost/);
  const byId = Object.fromEntries(r.steps.map((s) => [s.id, s.result]));
  for (const id of ['deploy:core/web', 'deploy:t1/api', 'deploy:t1/cache', 'deploy:t2/worker']) assert.equal(byId[id], 'success', `${id}: ${JSON.stringify(r.steps.find((s) => s.id === id))}`);
  assert.notEqual(byId['deploy:ghost/front'], 'success');
  assert.equal(r.convergedRef.advanced, false);
  assert.throws(() => p.git('rev-parse', '--verify', '-q', 'refs/steward/converged'));
  // Bounded: a generous margin over the connect timeout, only to prove the run cannot hang on the host.
  assert.ok(tookMs < connectTimeoutMs + 60_000, `took ${tookMs} ms`);
});

test('one byte of a secret changed: refused naming the file, nothing deployed or changed on any target', { skip }, async (t) => {
  const p = await faultProject(env, 'ftamper');
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-faults-state-'));
  t.after(async () => {
    await removeAll(env, p).catch(() => {});
    p.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  assert.equal((await runConverge(convergeOptions(env, p, { stateDir }))).result, 'success');
  const before = JSON.stringify(await observeAll(env, p));
  const converged = p.git('rev-parse', 'refs/steward/converged');
  // A change that would redeploy every app, with the secret's ciphertext tampered with.
  const file = join(p.dir, 'secrets/app.sops.yaml');
  const text = readFileSync(file, 'utf8');
  const m = /API_TOKEN: ENC\[AES256_GCM,data:([A-Za-z0-9+/]+)/.exec(text)!;
  const flipped = m[1][0] === 'A' ? `B${m[1].slice(1)}` : `A${m[1].slice(1)}`;
  p.write(faultApps(env, 1));
  writeFileSync(file, text.replace(m[0], m[0].replace(m[1], flipped)));
  p.commit({}, 'tampered');
  const r = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(r.result, 'failure');
  assert.match(JSON.stringify(r.errors), /secrets\/app\.sops\.yaml/);
  assert.deepEqual(r.steps.filter((s) => s.action !== 'prepare' && s.result === 'success'), [], 'nothing applied');
  assert.equal(JSON.stringify(await observeAll(env, p)), before, 'every target as it was');
  assert.equal(p.git('rev-parse', 'refs/steward/converged'), converged);
  assert.equal(new Set(composeProjects(env, 'ftamper')).size, 5);
});
