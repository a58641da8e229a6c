import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../../src/converge/run-record';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { serviceYml, testenvNetwork } from '../../support/testenv-project';
import { convergeOptions, removeAll, runConverge } from '../../support/converge-fixture';
import { GitProject } from '../../support/git-project';

// Two `steward converge` processes started together on one change, again and
// again: the lock lets exactly one apply it, and no container is created twice.
// Odd trials start from a lock left by a killed run, so the two race for the takeover.

const env = loadTestenv()!;
const skip = testenvSkip();
const TRIALS = 10;
const CLI = new URL('../../../src/cli/index.ts', import.meta.url).pathname;

function converge(p: GitProject, stateDir: string, out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'converge', '--project', p.dir, '--out', out], {
      env: { ...process.env, STEWARD_STATE_DIR: stateDir, STEWARD_SSH_KEY: env.sshKey, STEWARD_KNOWN_HOSTS: env.knownHosts, DOCKER_HOST: env.localDockerHost },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stderr });
    });
  });
}

/** `create` events of the project's containers on one engine, with their time in ns. */
function creates(host: string, project: string, since: number, until: number): Promise<{ app: string; ns: bigint }[]> {
  const args = ['-H', host, 'events', '--since', (since / 1000).toFixed(3), '--until', (until / 1000).toFixed(3), '--filter', 'type=container', '--filter', `label=steward.project=${project}`, '--filter', 'event=create', '--format', '{{json .}}'];
  return new Promise((resolve, reject) => {
    execFile('docker', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(stdout.split('\n').filter(Boolean).map((l) => {
        const e = JSON.parse(l) as { timeNano: number; Actor: { Attributes: Record<string, string> } };
        return { app: e.Actor.Attributes['steward.app'] ?? '?', ns: BigInt(e.timeNano) };
      }));
    });
  });
}

const applied = (r: RunRecord) => r.steps.filter((s) => s.action !== 'prepare' && s.result === 'success').length;

test(`two converges started at once on one change, ${TRIALS} trials: exactly one applies, nothing is created twice`, { skip, timeout: 240_000 }, async (t) => {
  const project = `flowcc${Math.random().toString(36).slice(2, 7)}`;
  const t1 = env.targets[0];
  const p = new GitProject({
    'project.yml': `name: ${project}\ndomain: ${project}.test\nconverge: { health_timeout: 20s, lock_timeout: 60s }\n`,
    'network.yml': testenvNetwork(env),
    'services/web/service.yml': serviceYml('core', env.images.v1),
    'services/api/service.yml': serviceYml(t1.name, env.images.v1),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'steward-state-'));
  t.after(async () => {
    await removeAll(env, p);
    p.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const first = await runConverge(convergeOptions(env, p, { stateDir }));
  assert.equal(first.result, 'success', JSON.stringify(first.errors));

  const windows: { since: number; until: number }[] = [];
  let doubleApplies = 0;
  const outcomes: string[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const image = trial % 2 === 0 ? env.images.v2 : env.images.v1;
    p.commit({ 'services/web/service.yml': serviceYml('core', image), 'services/api/service.yml': serviceYml(t1.name, image) }, `trial ${trial}: ${image}`);
    if (trial % 2 === 1) writeFileSync(join(stateDir, `${project}.lock`), JSON.stringify({ runId: 'killed', pid: 999_999_999, host: hostname(), since: new Date().toISOString(), leaseUntil: new Date(Date.now() + 600_000).toISOString() }));
    const since = Date.now();
    const outs = ['a', 'b'].map((w) => join(stateDir, `run-${trial}-${w}.json`));
    const runs = await Promise.all(outs.map((o) => converge(p, stateDir, o)));
    windows.push({ since, until: Date.now() });
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const records = outs.map((o) => JSON.parse(readFileSync(o, 'utf8')) as RunRecord);
    const counts = records.map(applied);
    if (counts.filter((c) => c > 0).length > 1) doubleApplies++;
    outcomes.push(records.map((r) => `${r.result}:${applied(r)}`).join('/'));
    assert.deepEqual(counts.slice().sort(), [0, 2], `trial ${trial}: one run applies both apps, the other waits and finds them in sync or skips: ${records.map((r) => r.summary).join(' | ')}`);
    for (const r of records.filter((x) => applied(x) === 0)) assert.ok(r.result === 'skipped' || r.summary === 'nothing to do: in sync', r.summary);
  }

  const all = { since: windows[0].since - 1000, until: windows.at(-1)!.until + 1000 };
  const events = [...(await creates(env.localDockerHost, project, all.since, all.until)), ...(await creates(t1.socket, project, all.since, all.until))];
  const perTrial = windows.map((w) => {
    const inside = events.filter((e) => e.ns >= BigInt(w.since) * 1_000_000n && e.ns <= BigInt(w.until) * 1_000_000n);
    return Object.fromEntries(['web', 'api'].map((a) => [a, inside.filter((e) => e.app === a).length]));
  });
  const createdTwice = perTrial.filter((c) => c.web > 1 || c.api > 1).length;
  console.log(JSON.stringify({ twoConverges: { trials: TRIALS, doubleApplies, createdTwice, outcomes, createsPerTrial: perTrial } }));
  assert.equal(doubleApplies, 0);
  assert.deepEqual(perTrial, windows.map(() => ({ web: 1, api: 1 })), 'one create per app per change, on each engine');
});
