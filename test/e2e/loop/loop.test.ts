import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadTestenv, testenvSkip } from '../../support/testenv';
import { pullRequestEvent, pushEvent, scheduleEvent, workflowDispatchEvent } from '../../support/events';
import { Loop, REPO, webApp } from '../../support/loop-fixture';
import type { WorkflowRun } from '../../support/action-runner';
import { removeProjectNetworks } from '../../support/testenv-project';

const env = loadTestenv()!;
const skip = testenvSkip();

const stepOutcomes = (run: WorkflowRun) => Object.fromEntries(run.steps.map((s) => [s.id, s.outcome]));
// What each step did, for an assertion on the comment a run should have written.
const trace = (run: WorkflowRun) => run.steps.map((s) => `${s.id}: ${s.outcome}\n${s.run?.stdout ?? ''}${s.run?.stderr ?? ''}`).join('\n');
const failures = (run: WorkflowRun) => run.steps.filter((s) => s.outcome === 'failure').map((s) => `${s.id}:\n${s.run?.stdout}\n${s.run?.stderr}`).join('\n');

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the whole loop, as forgejo-runner runs the workflow templates', { skip, timeout: 600_000 }, async (t) => {
  const loop = await Loop.create(env);
  t.after(async () => {
    for (const app of ['web', 'api', 'worker', 'caddy']) {
      for (const host of [env.localDockerHost, ...env.targets.map((x) => x.socket)]) {
        try {
          execFileSync('docker', ['-H', host, 'compose', '-p', `lab-${app}`, 'down', '-v', '--remove-orphans'], { stdio: 'ignore' });
        } catch {
          /* not on this host */
        }
      }
    }
    await removeProjectNetworks(env, 'lab');
    await loop.close();
  });
  const repo = { fullName: REPO, serverUrl: loop.forge.url };

  // 1. steward init, two routed apps (and a worker over SSH with a secret), push -> live through Caddy.
  await loop.setSecret('secrets/apps.sops.yaml', 'API_TOKEN', 'loop-secret-value-42');
  const first = await loop.commitAndPush(
    {
      'services/web/service.yml': webApp(env.images.v1, 'web'),
      'services/api/service.yml': webApp(env.images.v1, 'api', 'depends_on: [web]\n'),
      'services/worker/service.yml': `target: t1\nimage: ${env.images.v1}\nsecrets: [API_TOKEN]\nhealth: { http: /health, port: 80 }\n`,
    },
    'two apps and a worker',
  );
  const pushed = Date.now();
  let run = await loop.run('steward-converge.yml', pushEvent(repo, { before: '0'.repeat(40), after: first }));
  assert.ok(run.success, failures(run));
  const web = await waitFor(() => loop.http('web.lab.test'), (r) => r.status === 200);
  const pushToLiveMs = Date.now() - pushed;
  assert.equal(web.body.trim(), 'web v1');
  assert.equal((await loop.http('api.lab.test')).body.trim(), 'web v1');
  t.diagnostic(`push-to-live (scenario 1, 3 apps + edge proxy): ${pushToLiveMs} ms`);
  assert.equal(run.record!.result, 'success');
  assert.equal(await loop.git('ls-remote', 'origin', 'refs/steward/converged').then((l) => l.split('\t')[0]), first);
  assert.equal(loop.forge.listStatuses(REPO, first).at(-1)!.state, 'success');
  const printed = run.steps.map((s) => [s.run?.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), s.run?.stderr, JSON.stringify(s.outputs)].join('\n'));
  assert.ok(run.masks.includes('loop-secret-value-42'), 'the value was masked');
  assert.ok(!printed.join('\n').includes('loop-secret-value-42') && !run.summary.includes('loop-secret-value-42'), 'the secret appears in no step output');

  // 2. A pull request changing one app: one plan comment listing exactly that change; merge -> converged.
  await loop.git('checkout', '-q', '-b', 'feature');
  const head = await loop.commitAndPush({ 'services/api/service.yml': webApp(env.images.v2, 'api', 'depends_on: [web]\n') }, 'api v2', 'feature');
  const pr = loop.forge.addPullRequest(REPO, { headRef: 'feature', headSha: head, baseSha: first });
  await loop.git('push', '-q', 'origin', `HEAD:refs/pull/${pr}/head`);
  for (let push = 0; push < 2; push++) {
    run = await loop.run('steward-plan.yml', pullRequestEvent(repo, { number: pr, headRef: 'feature', headSha: head, baseSha: first }));
    assert.ok(run.success, failures(run));
  }
  const comments = loop.forge.listComments(REPO, pr);
  assert.equal(comments.length, 1, 'one sticky comment, updated');
  assert.match(comments[0].body, /\*\*0 to deploy, 1 to update, 0 to remove, 0 drifted\*\*/);
  assert.match(comments[0].body, /\| update \| `api` \| service\.yml changed/);
  assert.doesNotMatch(comments[0].body, /\| `web` \|/);
  await loop.git('checkout', '-q', 'main');
  await loop.git('merge', '-q', '--ff-only', 'feature');
  await loop.git('push', '-q', 'origin', 'main');
  run = await loop.run('steward-converge.yml', pushEvent(repo, { before: first, after: head }));
  assert.ok(run.success, failures(run));
  assert.deepEqual(run.record!.steps.map((s: { id: string }) => s.id), ['prepare:core', 'update:core/api']);
  assert.equal((await loop.http('api.lab.test')).body.trim(), 'web v2');

  // 3. A container stopped by hand; the schedule corrects it and the report says so.
  execFileSync('docker', ['-H', env.localDockerHost, 'compose', '-p', 'lab-web', 'stop'], { stdio: 'ignore' });
  run = await loop.run('steward-converge.yml', scheduleEvent(repo, { sha: head }));
  assert.ok(run.success, failures(run));
  assert.deepEqual({ found: run.record!.drift.found, corrected: run.record!.drift.corrected }, { found: 1, corrected: 1 });
  assert.match(run.summary, /Drift: 1 found, 1 corrected\./);
  assert.equal((await waitFor(() => loop.http('web.lab.test'), (r) => r.status === 200)).body.trim(), 'web v1');

  // 4. A converge: commit pushed: the run skips.
  const converge = await loop.commitAndPush({}, 'converge: record something');
  run = await loop.run('steward-converge.yml', pushEvent(repo, { before: head, after: converge }));
  assert.ok(run.success, failures(run));
  assert.equal(stepOutcomes(run).plan, 'skipped');
  assert.equal(stepOutcomes(run).converge, 'skipped');
  assert.match(run.steps.find((s) => s.id === 'diff')!.outputs['skipped-reason'], /start with "converge:"/);

  // 5. git revert of a change: the old version is back.
  await loop.git('revert', '--no-edit', head);
  await loop.git('push', '-q', 'origin', 'main');
  const reverted = await loop.git('rev-parse', 'HEAD');
  run = await loop.run('steward-converge.yml', pushEvent(repo, { before: converge, after: reverted }));
  assert.ok(run.success, failures(run));
  assert.equal((await loop.http('api.lab.test')).body.trim(), 'web v1');

  // 6. Dispatch with app: X touches only X.
  const both = await loop.commitAndPush(
    { 'services/web/service.yml': webApp(env.images.v2, 'web'), 'services/api/service.yml': webApp(env.images.v2, 'api', 'depends_on: [web]\n') },
    'web and api v2',
  );
  run = await loop.run('steward-converge.yml', workflowDispatchEvent(repo, { sha: both, inputs: { app: 'web', 'dry-run': false, full: false } }));
  assert.ok(run.success, failures(run));
  assert.deepEqual(run.record!.steps.filter((s: { action: string }) => s.action !== 'prepare').map((s: { id: string }) => s.id), ['update:core/web']);
  assert.equal((await loop.http('web.lab.test')).body.trim(), 'web v2');
  assert.equal((await loop.http('api.lab.test')).body.trim(), 'web v1', 'api untouched');

  // 7. A change pushed without `steward render` (as after a Steward upgrade): the run renders
  //    again, commits rendered/ alone as `converge:`, pushes it with the token checkout left
  //    (the remote refuses a second Authorization header) and converges that commit.
  const unrendered = await loop.commitAndPush(
    { 'services/worker/service.yml': `target: t1\nimage: ${env.images.v2}\nsecrets: [API_TOKEN]\nhealth: { http: /health, port: 80 }\n` },
    'worker v2, not rendered',
    'main',
    { render: false },
  );
  run = await loop.run('steward-converge.yml', pushEvent(repo, { before: both, after: unrendered }));
  assert.ok(run.success, failures(run));
  const rerender = run.steps.find((s) => s.id === 'render')!.outputs.commit;
  assert.match(rerender, /^[0-9a-f]{40}$/);
  assert.equal((await loop.git('ls-remote', 'origin', 'refs/heads/main')).split('\t')[0], rerender);
  await loop.git('fetch', '-q', 'origin', 'main');
  assert.match(await loop.git('log', '-1', '--format=%s', rerender), /^converge: re-render rendered\/ with steward \d/);
  assert.equal(await loop.git('rev-parse', `${rerender}~1`), unrendered);
  assert.deepEqual((await loop.git('show', '--name-only', '--format=', rerender)).split('\n').sort(), ['rendered/manifest.json', 'rendered/t1/worker/compose.yaml']);
  assert.equal(run.record!.commit, rerender);
  assert.ok(run.record!.steps.some((s: { id: string; result: string }) => s.id === 'update:t1/worker' && s.result === 'success'));
  assert.equal(await loop.git('ls-remote', 'origin', 'refs/steward/converged').then((l) => l.split('\t')[0]), rerender);
  assert.equal(loop.forge.listStatuses(REPO, rerender).at(-1)!.state, 'success');
  assert.equal(loop.forge.listStatuses(REPO, unrendered).at(-1)!.state, 'success', 'the pushed commit shows the outcome too');
  // The push Steward made: already converged, skipped.
  run = await loop.run('steward-converge.yml', pushEvent(repo, { before: unrendered, after: rerender }));
  assert.ok(run.success, failures(run));
  assert.equal(stepOutcomes(run).converge, 'skipped');
  assert.match(run.steps.find((s) => s.id === 'diff')!.outputs['skipped-reason'], /is already the converged commit: nothing new$/);
  assert.equal(run.steps.find((s) => s.id === 'render')!.outputs.commit, '', 'nothing to re-render');

  // 8. A pull request that breaks the project: the one plan comment says what to fix (file, line,
  //    key; then the stale rendered/ files), the status fails; fixed, the same comment is the plan.
  const base = await loop.git('rev-parse', 'HEAD');
  await loop.git('checkout', '-q', '-b', 'oops');
  const prOpts = (headSha: string) => ({ number: 0, headRef: 'oops', headSha, baseSha: base });
  const planPr = async (number: number, headSha: string) => {
    await loop.git('push', '-q', '-f', 'origin', `HEAD:refs/pull/${number}/head`);
    return loop.run('steward-plan.yml', pullRequestEvent(repo, { ...prOpts(headSha), number }));
  };
  const badYaml = await loop.commitAndPush({ 'services/api/service.yml': webApp(env.images.v2, 'api', 'depends_on: [web]\nreplicas: lots\n') }, 'api: replicas', 'oops', { render: false });
  const oops = loop.forge.addPullRequest(REPO, { headRef: 'oops', headSha: badYaml, baseSha: base });
  run = await planPr(oops, badYaml);
  assert.equal(run.success, false);
  assert.equal(stepOutcomes(run).render, 'failure');
  let oopsComments = loop.forge.listComments(REPO, oops);
  assert.equal(oopsComments.length, 1);
  assert.match(oopsComments[0].body, /### ❌ Steward `render` failed for `lab` at [0-9a-f]{7}: nothing was planned or applied/);
  assert.match(oopsComments[0].body, /\| `services\/api\/service\.yml` \| \d+:\d+ \| `replicas` \| /);
  assert.equal(loop.forge.listStatuses(REPO, badYaml).at(-1)!.state, 'failure');
  assert.match(loop.forge.listStatuses(REPO, badYaml).at(-1)!.description, /^render failed: services\/api\/service\.yml:\d+ /);
  const unrenderedPr = await loop.commitAndPush({ 'services/api/service.yml': webApp(env.images.v1, 'api', 'depends_on: [web]\n') }, 'api: v1, not rendered', 'oops', { render: false });
  run = await planPr(oops, unrenderedPr);
  assert.equal(run.success, false);
  oopsComments = loop.forge.listComments(REPO, oops);
  assert.equal(oopsComments.length, 1);
  assert.match(oopsComments[0].body, new RegExp(`failed for \`lab\` at ${unrenderedPr.slice(0, 7)}:`), `the comment is not this run's:\n${trace(run)}`);
  assert.match(oopsComments[0].body, /\| `rendered\/core\/api\/compose\.yaml` \|  \|  \| stale: not what the project renders \|/);
  const fixed = await loop.commitAndPush({}, 'render', 'oops');
  run = await planPr(oops, fixed);
  assert.ok(run.success, failures(run));
  oopsComments = loop.forge.listComments(REPO, oops);
  assert.equal(oopsComments.length, 1, 'still one comment');
  assert.match(oopsComments[0].body, /\| update \| `api` \|/);
  assert.equal(loop.forge.listStatuses(REPO, fixed).at(-1)!.state, 'success');
  loop.forge.assertNoViolations();
});
