import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startForgejoDouble, DOUBLE_TOKEN } from '../../support/forgejo-double';
import { runNodeAction } from '../../support/action-runner';
import { pullRequestEvent, pushEvent } from '../../support/events';
import { buildPlan } from '../../../src/plan/planner';
import type { Plan } from '../../../src/plan/types';
import type { RunRecord } from '../../../src/converge/run-record';
import type { Manifest } from '../../../src/render/manifest';
import { scratchDir } from '../../support/cleanup';

const ACTION = new URL('../../../actions/report', import.meta.url).pathname;
const REPO = 'alice/homelab';
const HEAD = 'e'.repeat(40);

function plan(apps: number, opts: { unreachable?: boolean; diffLines?: number } = {}): Plan {
  const manifest: Manifest = {
    schema: 1, project: 'homelab', domain: 'h.test', edge: 'core',
    targets: { core: { address: 'local', user: 'root', port: 22, dir: '/d' }, media: { address: '10.0.0.2', user: 'root', port: 22, dir: '/d' } },
    apps: Array.from({ length: apps }, (_, i) => ({ name: `app${i}`, kind: 'service' as const, target: 'core', state: 'present' as const, hash: `h${i}`, compose: `rendered/core/app${i}/compose.yaml`, files: [], secrets: [], dependsOn: [] })),
  };
  const diff = Array.from({ length: opts.diffLines ?? 3 }, (_, i) => `+    line ${i}: ${'x'.repeat(40)}`).join('\n');
  return buildPlan({
    manifest,
    changeset: { schema: 1, from: 'a'.repeat(40), to: HEAD, mode: 'incremental', commits: [], apps: manifest.apps.map((a) => ({ name: a.name, target: 'core', change: 'added' as const, reasons: [{ commit: 'abc1234', file: `services/${a.name}/service.yml`, why: 'service.yml added' }] })), targets: [], conventions: [] },
    observed: { core: { target: 'core', apps: [], leftovers: [], roundTrips: 1 }, ...(opts.unreachable ? { media: { target: 'media', error: 'ssh: connect to host 10.0.0.2 port 22: Connection refused' } } : { media: { target: 'media', apps: [], leftovers: [], roundTrips: 1 } }) },
    settings: { selfHeal: true, prune: true },
    composeDiffs: Object.fromEntries(manifest.apps.map((a) => [a.name, `--- a\n+++ b\n@@ -1,0 +1,${opts.diffLines ?? 3} @@\n${diff}\n`])),
  });
}

async function setup() {
  const double = await startForgejoDouble();
  double.addRepo(REPO);
  const pr = double.addPullRequest(REPO, { headRef: 'feature', headSha: HEAD, baseSha: 'a'.repeat(40) });
  const workspace = scratchDir('steward-ws-');
  const repoRef = { fullName: REPO, serverUrl: double.url };
  return { double, pr, workspace, repoRef };
}

test('a pull request gets ONE sticky plan comment, updated on each push, and a commit status', async () => {
  const { double, pr, workspace, repoRef } = await setup();
  try {
    const ctx = { workspace, repository: REPO, serverUrl: double.url, token: DOUBLE_TOKEN, event: pullRequestEvent(repoRef, { number: pr, headRef: 'feature', headSha: HEAD, baseSha: 'a'.repeat(40) }) };
    writeFileSync(join(workspace, 'plan.json'), JSON.stringify(plan(2)));
    let r = await runNodeAction(ctx, { actionDir: ACTION, inputs: { plan: 'plan.json', token: DOUBLE_TOKEN } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    let comments = double.listComments(REPO, pr);
    assert.equal(comments.length, 1);
    assert.match(comments[0].body, /<!-- steward:plan:homelab -->/);
    assert.match(comments[0].body, /\*\*2 to deploy, 0 to update, 0 to remove, 0 drifted\*\*/);
    const id = r.outputs['comment-id'];

    writeFileSync(join(workspace, 'plan.json'), JSON.stringify(plan(3)));
    r = await runNodeAction(ctx, { actionDir: ACTION, inputs: { plan: 'plan.json', token: DOUBLE_TOKEN } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    comments = double.listComments(REPO, pr);
    assert.equal(comments.length, 1, 'updated, never duplicated');
    assert.equal(r.outputs['comment-id'], id);
    assert.match(comments[0].body, /\*\*3 to deploy/);
    const statuses = double.listStatuses(REPO, HEAD);
    assert.equal(statuses.at(-1)!.context, 'steward/plan');
    assert.equal(statuses.at(-1)!.state, 'success');
    assert.match(r.summary, /3 to deploy/);
    double.assertNoViolations();
  } finally {
    await double.close();
  }
});

test('a 200 KB plan is cut from the middle: summary and errors kept, the cut is said', async () => {
  const { double, pr, workspace, repoRef } = await setup();
  try {
    const big = plan(120, { unreachable: true, diffLines: 30 });
    const ctx = { workspace, repository: REPO, serverUrl: double.url, token: DOUBLE_TOKEN, event: pullRequestEvent(repoRef, { number: pr, headRef: 'feature', headSha: HEAD, baseSha: 'a'.repeat(40) }) };
    writeFileSync(join(workspace, 'plan.json'), JSON.stringify(big));
    const r = await runNodeAction(ctx, { actionDir: ACTION, inputs: { plan: 'plan.json', token: DOUBLE_TOKEN, 'fail-on-error': 'false' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [c] = double.listComments(REPO, pr);
    assert.ok(c.body.length <= 65_536, `comment is ${c.body.length} chars`);
    assert.match(c.body, /^\*\*120 to deploy, 0 to update, 0 to remove, 0 drifted, 1 target not observed\*\*$/m);
    assert.match(c.body, /#### Errors\n\n- target `media` could not be observed: ssh: connect to host 10\.0\.0\.2 port 22: Connection refused/);
    assert.match(c.body, /cut/i);
    assert.equal(double.listStatuses(REPO, HEAD).at(-1)!.state, 'failure');
    double.assertNoViolations();
  } finally {
    await double.close();
  }
});

test('a RunRecord sets the commit status, fails the step on failure, and notifies a webhook', async () => {
  const { double, workspace, repoRef } = await setup();
  const got: { headers: Record<string, unknown>; body: string }[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  try {
    const sha = 'f'.repeat(40);
    const record: RunRecord = {
      schema: 1, runId: '7-1', trigger: 'push', project: 'homelab', commit: sha, from: null, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:05.000Z', durationMs: 5000,
      result: 'failure', summary: '1 step(s) failed, 2 applied', commits: [],
      steps: [{ id: 'update:core/web', action: 'update', target: 'core', app: 'web', result: 'rolled-back', message: 'health check failed; rolled back', durationMs: 3000, logs: ['boom'] }],
      drift: { found: 0, corrected: 0, items: [] }, errors: [{ stage: 'apply', target: 'core', app: 'web', message: 'update:core/web: health check failed; rolled back' }], convergedRef: { advanced: false, reason: 'not every step succeeded' },
    };
    writeFileSync(join(workspace, 'run.json'), JSON.stringify(record));
    const ctx = { workspace, repository: REPO, serverUrl: double.url, token: DOUBLE_TOKEN, event: pushEvent(repoRef, { before: '0'.repeat(40), after: sha }) };
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/steward`;
    const r = await runNodeAction(ctx, { actionDir: ACTION, inputs: { 'run-record': 'run.json', token: DOUBLE_TOKEN, 'webhook-url': url } });
    assert.equal(r.code, 1, 'the step fails with the run');
    const [status] = double.listStatuses(REPO, sha);
    assert.equal(status.context, 'steward/converge');
    assert.equal(status.state, 'failure');
    assert.match(r.summary, /❌ Steward converge `homelab` at fffffff: failure/);
    assert.equal(got.length, 1);
    assert.match(got[0].body, /1 step\(s\) failed/);
    assert.equal(double.listComments(REPO, 1).length, 0, 'no comment outside pull requests');
    double.assertNoViolations();
  } finally {
    hook.close();
    await double.close();
  }
});

test('a stage that failed before planning: the status fails; a failure another run left is ignored', async () => {
  const { double, workspace, repoRef } = await setup();
  try {
    const sha = 'c'.repeat(40);
    const ctx = { workspace, repository: REPO, serverUrl: double.url, token: DOUBLE_TOKEN, runId: '41', event: pushEvent(repoRef, { before: 'a'.repeat(40), after: sha }) };
    const failure = (runId: string) => ({
      schema: 1, stage: 'render', runId, project: 'homelab', commit: sha, message: 'invalid project',
      diagnostics: [{ file: 'services/web/service.yml', line: 3, column: 1, key: 'replicas', message: 'unknown key' }],
    });
    mkdirSync(join(workspace, '.steward'), { recursive: true });
    writeFileSync(join(workspace, '.steward/failure.json'), JSON.stringify(failure('40-1')));
    let r = await runNodeAction(ctx, { actionDir: ACTION, inputs: { token: DOUBLE_TOKEN } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /nothing to report/);
    assert.deepEqual(double.listStatuses(REPO, sha), []);

    writeFileSync(join(workspace, '.steward/failure.json'), JSON.stringify(failure('41-1')));
    r = await runNodeAction(ctx, { actionDir: ACTION, inputs: { token: DOUBLE_TOKEN, 'fail-on-error': 'false' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [status] = double.listStatuses(REPO, sha);
    assert.equal(status?.state, 'failure');
    assert.equal(status?.context, 'steward/converge');
    assert.equal(status?.description, 'render failed: services/web/service.yml:3 unknown key');
    assert.match(r.summary, /\| `services\/web\/service\.yml` \| 3:1 \| `replicas` \| unknown key \|/);
    double.assertNoViolations();
  } finally {
    await double.close();
  }
});
