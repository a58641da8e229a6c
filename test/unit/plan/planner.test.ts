import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, type Observation } from '../../../src/plan/planner';
import { planMarkdown, summaryLine } from '../../../src/plan/markdown';
import { unifiedDiff } from '../../../src/plan/text-diff';
import type { ChangeSet } from '../../../src/diff/changeset';
import type { Manifest, ManifestApp } from '../../../src/render/manifest';
import type { ObservedApp, ObservedTarget } from '../../../src/targets/target';

const app = (name: string, target: string, extra: Partial<ManifestApp> = {}): ManifestApp => ({
  name, kind: 'service', target, state: 'present', hash: `h-${name}`, compose: `rendered/${target}/${name}/compose.yaml`, files: [], secrets: [], dependsOn: [], ...extra,
});

const manifest = (apps: ManifestApp[]): Manifest => ({
  schema: 1, project: 'lab', domain: 'lab.test', edge: 'core',
  targets: { core: { address: 'local', user: 'root', port: 22, dir: '/d' }, media: { address: '10.0.0.2', user: 'root', port: 22, dir: '/d' } },
  apps,
});

const cs = (apps: ChangeSet['apps'] = [], mode: ChangeSet['mode'] = 'incremental'): ChangeSet => ({ schema: 1, from: 'a'.repeat(40), to: 'b'.repeat(40), mode, commits: [], apps, targets: [], conventions: [] });

const running = (name: string, hash = `h-${name}`, status: ObservedApp['status'] = 'running'): ObservedApp => ({
  project: 'lab', app: name, composeProject: `lab-${name}`, hash, hashes: [hash], status,
  containers: [{ id: name, name: `lab-${name}-1`, image: 'x', imageId: 'sha256:1', imageDigests: [], state: status === 'stopped' ? 'exited' : 'running', exitCode: 0, labels: { 'steward.hash': hash } }],
});

const observed = (target: string, apps: ObservedApp[]): ObservedTarget => ({ target, apps, leftovers: [], roundTrips: 1 });
const settings = { selfHeal: true, prune: true };

test('nothing to do when every app runs its desired hash', () => {
  const m = manifest([app('web', 'core'), app('db', 'media')]);
  const plan = buildPlan({ manifest: m, changeset: cs(), observed: { core: observed('core', [running('web')]), media: observed('media', [running('db')]) }, settings });
  assert.deepEqual(plan.steps, []);
  assert.equal(summaryLine(plan), '0 to deploy, 0 to update, 0 to remove, 0 drifted');
});

test('deploy, update and remove, each with its reason, prepare first, dependencies in order', () => {
  const m = manifest([app('db', 'media'), app('web', 'core', { dependsOn: ['db'] }), app('old', 'core', { state: 'absent', hash: undefined, compose: undefined })]);
  const changes = cs([
    { name: 'db', target: 'media', change: 'added', reasons: [{ commit: 'c1', file: 'services/db/service.yml', why: 'service.yml added' }] },
    { name: 'web', target: 'core', change: 'changed', reasons: [{ commit: 'c2', file: 'services/web/service.yml', why: 'service.yml changed' }] },
    { name: 'old', target: 'core', change: 'removed', reasons: [{ why: 'state: absent' }] },
  ]);
  const plan = buildPlan({ manifest: m, changeset: changes, observed: { core: observed('core', [running('web', 'h-old-web'), running('old')]), media: observed('media', []) }, settings });
  assert.deepEqual(plan.steps.map((s) => [s.id, s.after]), [
    ['prepare:core', []],
    ['prepare:media', []],
    ['remove:core/old', []],
    ['deploy:media/db', ['prepare:media']],
    ['update:core/web', ['deploy:media/db', 'prepare:core']],
  ]);
  assert.deepEqual(plan.summary, { deploy: 1, update: 1, remove: 1, leftovers: 0, drifted: 0, held: 0, unknownTargets: 0 });
});

test('drift without commits: a stopped container, a hand-edited one, a missing one', () => {
  const m = manifest([app('web', 'core'), app('api', 'core'), app('db', 'media')]);
  const plan = buildPlan({ manifest: m, changeset: cs(), observed: { core: observed('core', [running('web', 'h-web', 'stopped'), running('api', 'h-hand')]), media: observed('media', []) }, settings });
  const byId = Object.fromEntries(plan.steps.map((s) => [s.id, s]));
  assert.match(byId['update:core/web'].drift!, /^container stopped/);
  assert.match(byId['update:core/api'].drift!, /differs from the desired h-api/);
  assert.match(byId['deploy:media/db'].drift!, /not running on the target/);
  assert.equal(plan.summary.drifted, 3);
});

test('self_heal: false holds drift steps; prune: false holds removals of deleted apps', () => {
  const m = manifest([app('web', 'core')]);
  const obs = { core: observed('core', [running('web', 'h-web', 'stopped'), running('gone')]), media: observed('media', []) };
  const plan = buildPlan({ manifest: m, changeset: cs(), observed: obs, settings: { selfHeal: false, prune: false } });
  const held = Object.fromEntries(plan.steps.map((s) => [s.id, s.held]));
  assert.equal(held['update:core/web'], 'self_heal: false: drift reported, not corrected');
  assert.equal(held['remove:core/gone'], 'prune: false: reported, not removed');
  assert.deepEqual(plan.summary, { deploy: 0, update: 0, remove: 0, leftovers: 0, drifted: 2, held: 2, unknownTargets: 0 });
  assert.ok(!plan.steps.some((s) => s.action === 'prepare'), 'nothing to apply, nothing to prepare');
});

test('an unreachable target: planned from git alone and marked unknown', () => {
  const m = manifest([app('web', 'core'), app('db', 'media')]);
  const changes = cs([{ name: 'db', target: 'media', change: 'changed', reasons: [{ why: 'x' }] }]);
  const obs: Record<string, Observation> = { core: observed('core', [running('web')]), media: { target: 'media', error: 'ssh: connection refused' } };
  const plan = buildPlan({ manifest: m, changeset: changes, observed: obs, settings });
  assert.deepEqual(plan.targets.map((t) => [t.name, t.status]), [['core', 'observed'], ['media', 'unknown']]);
  assert.deepEqual(plan.steps.map((s) => s.id), ['prepare:media', 'update:media/db']);
  assert.match(planMarkdown(plan), /#### Errors\n\n- target `media` could not be observed: ssh: connection refused/);
});

test('the edge proxy update is a reload-proxy step; a leftover is removed by container id, never as an app', () => {
  const m = manifest([app('caddy', 'core', { kind: 'edge' })]);
  const o = observed('core', [running('caddy', 'h-older')]);
  // It impersonates the edge app: removing "caddy" by name would take the real proxy down.
  o.leftovers.push({ container: { ...running('x').containers[0], id: 'ab'.repeat(32), name: 'stray', app: 'caddy' }, reason: 'not in compose project lab-caddy' });
  const plan = buildPlan({ manifest: m, changeset: cs([{ name: 'caddy', target: 'core', change: 'changed', reasons: [{ why: 'conventions.routing changed' }] }]), observed: { core: o, media: observed('media', []) }, settings });
  assert.deepEqual(plan.steps.map((s) => s.id), ['prepare:core', 'reload-proxy:core/caddy', 'remove-leftover:core/stray']);
  const leftover = plan.steps[2];
  assert.equal(leftover.app, undefined);
  assert.deepEqual([leftover.action, leftover.container, leftover.containers, leftover.after], ['remove-leftover', 'stray', ['ab'.repeat(32)], []]);
  assert.equal(leftover.drift, 'unmanaged leftover container stray: not in compose project lab-caddy');
  assert.equal(plan.summary.leftovers, 1);
  assert.equal(plan.summary.remove, 0);
  assert.match(summaryLine(plan), /, 1 leftover container to remove, /);
  assert.match(planMarkdown(plan), /\| remove-leftover ⚠ drift \| container `stray` \| leftover container stray: /);
});

test('removal runs dependants first', () => {
  const m = manifest([app('db', 'core', { state: 'absent' }), app('web', 'core', { state: 'absent', dependsOn: ['db'] })]);
  const plan = buildPlan({ manifest: m, changeset: cs(), observed: { core: observed('core', [running('db'), running('web')]), media: observed('media', []) }, settings });
  assert.deepEqual(plan.steps.map((s) => [s.id, s.after]), [['remove:core/web', []], ['remove:core/db', ['remove:core/web']]]);
});

test('only: a dispatch for one app plans that app alone', () => {
  const m = manifest([app('web', 'core'), app('db', 'media')]);
  const plan = buildPlan({ manifest: m, changeset: cs([], 'first-run'), observed: { core: observed('core', []), media: observed('media', []) }, settings, only: 'db' });
  assert.deepEqual(plan.steps.map((s) => s.id), ['prepare:media', 'deploy:media/db']);
});

test('markdown: summary, a table per target, compose diff in details', () => {
  const m = manifest([app('web', 'core')]);
  const plan = buildPlan({
    manifest: m,
    changeset: cs([{ name: 'web', target: 'core', change: 'changed', reasons: [{ commit: 'abc1234', file: 'services/web/service.yml', why: 'service.yml changed' }] }]),
    observed: { core: observed('core', [running('web', 'h-x')]), media: observed('media', []) },
    settings,
    composeDiffs: { web: unifiedDiff('image: web:1\n', 'image: web:2\n') },
  });
  const md = planMarkdown(plan);
  assert.match(md, /\*\*0 to deploy, 1 to update, 0 to remove, 0 drifted\*\*/);
  assert.match(md, /\| update \| `web` \| service.yml changed \(`services\/web\/service.yml` in abc1234\) \|/);
  assert.match(md, /```diff\n--- before\n\+\+\+ after\n@@ -1,1 \+1,1 @@\n-image: web:1\n\+image: web:2\n```/);
  assert.match(md, /#### Target `media` \(0 Steward apps observed\)\n\nNo changes\./);
});

test('unifiedDiff keeps context and splits distant hunks', () => {
  const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
  const b = a.replace('l2\n', 'L2\n').replace('l17\n', 'L17\n');
  const d = unifiedDiff(a, b);
  assert.equal((d.match(/^@@/gm) ?? []).length, 2);
  assert.match(d, /@@ -1,6 \+1,6 @@\n l0\n l1\n-l2\n\+L2\n l3\n l4\n l5\n/);
  assert.equal(unifiedDiff(a, a), '');
});

test('what is on disk is verified: edited release files, a release of another hash, no release at all are drift', () => {
  const m = manifest([app('web', 'core')]);
  const withRelease = (release: ObservedApp['release']): ObservedApp => ({ ...running('web'), release });
  const drift = (release: ObservedApp['release']) =>
    buildPlan({ manifest: m, changeset: cs(), observed: { core: observed('core', [withRelease(release)]), media: observed('media', []) }, settings }).steps.filter((s) => s.action !== 'prepare').map((s) => [s.id, s.drift]);
  assert.deepEqual(drift({ id: 'R1', hash: 'h-web', changed: [] }), []);
  assert.deepEqual(drift(undefined), [], 'not looked at: nothing to say');
  assert.deepEqual(drift({ id: 'R1', hash: 'h-web', changed: ['files/', 'secrets.env'] }), [['update:core/web', 'files/, secrets.env of release R1 differ from what was deployed (edited on the host)']]);
  assert.deepEqual(drift({ id: 'R0', hash: 'h-old', changed: [] }), [['update:core/web', 'the current release R0 is of h-old but the containers run h-web (a rollback that failed, or a run stopped before the switch)']]);
  assert.deepEqual(drift(null), [['update:core/web', 'no current release on the host (deployed before releases, or its directory was removed by hand)']]);
});
