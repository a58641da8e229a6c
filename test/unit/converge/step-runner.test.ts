// The step runner and its rollback paths against a fake Target: what each
// outcome of apply/rollback makes of a step, without any engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeSteps } from '../../../src/converge/execute';
import { stepRunner } from '../../../src/converge/step-runner';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import type { PlanStep } from '../../../src/plan/types';
import type { ApplyResult, AppRef, CurrentRelease, DeployableApp, Target, TargetSpec } from '../../../src/targets/target';
import { writeProject } from '../../support/project-fixture';

type Outcome = Partial<ApplyResult> | Error;

/** Records every call; answers apply/rollback as told. */
class FakeTarget implements Target {
  readonly calls: string[] = [];
  roundTrips = 0;
  constructor(
    readonly spec: TargetSpec,
    private readonly answers: { apply?: Outcome; rollback?: Outcome | 'none'; remaining?: string[] } = {},
  ) {}
  private result(app: AppRef, o: Outcome | undefined): ApplyResult {
    if (o instanceof Error) throw o;
    return { ok: true, target: this.spec.name, project: app.project, app: app.app, hash: 'h', status: 'healthy', message: 'healthy', durationMs: 1, containers: [], ...o };
  }
  async prepare() {
    this.calls.push('prepare');
    return { ok: true, target: this.spec.name, problems: [] };
  }
  async observe() {
    return { target: this.spec.name, apps: [], leftovers: [], roundTrips: 1 };
  }
  async apply(app: DeployableApp) {
    this.calls.push(`apply ${app.app} ${app.hash}`);
    return this.result(app, this.answers.apply);
  }
  async rollback(app: AppRef) {
    this.calls.push(`rollback ${app.app}`);
    if (this.answers.rollback === 'none') return undefined;
    return this.result(app, this.answers.rollback);
  }
  async currentRelease(): Promise<CurrentRelease | undefined> {
    return undefined;
  }
  async remove(app: AppRef) {
    this.calls.push(`remove ${app.app}`);
    return { target: this.spec.name, app: app.app, removedVolumes: false };
  }
  async removeContainers(ids: string[]) {
    this.calls.push(`removeContainers ${ids.join(',')}`);
    return { target: this.spec.name, remaining: this.answers.remaining ?? [] };
  }
  async syncFiles(ref: AppRef, dir: string, files: { path: string }[]) {
    this.calls.push(`syncFiles ${ref.app} ${dir} ${files.map((f) => f.path).join(',')}`);
    return { changed: true };
  }
  async health(app: AppRef) {
    return { target: this.spec.name, app: app.app, status: 'healthy' as const, message: '', containers: [] };
  }
  async logs() {
    return [];
  }
  async close() {}
}

function setUp(t: { after: (f: () => void) => void }, answers: ConstructorParameters<typeof FakeTarget>[1]) {
  const p = writeProject();
  t.after(p.cleanup);
  const project = loadProject(p.dir);
  const rendered = renderProject(project);
  const fakes = new Map<string, FakeTarget>();
  const targetFor = (name: string) => {
    if (!fakes.has(name)) fakes.set(name, new FakeTarget(project.network.targets[name], answers));
    return fakes.get(name)!;
  };
  const logs: string[] = [];
  const run = stepRunner(project, rendered, { db: { env: { DB_PASSWORD: 'pw' }, hash: 'hmac-sha256:x' } }, targetFor, (l) => logs.push(l));
  const hash = (app: string) => rendered.manifest.apps.find((a) => a.name === app)!.hash!;
  return { run, fakes, logs, hash };
}

const update = (app: string, target: string, extra: Partial<PlanStep> = {}): PlanStep => ({ id: `update:${target}/${app}`, action: 'update', target, app, reasons: [{ why: 'x' }], after: [], ...extra });

test('apply ok: success, no rollback', async (t) => {
  const { run, fakes, hash } = setUp(t, {});
  assert.deepEqual(await run(update('web', 'core')), { result: 'success', message: 'healthy' });
  assert.deepEqual(fakes.get('core')!.calls, [`apply web ${hash('web')}`]);
});

test('apply fails, rollback serves: rolled-back, with the failure and its logs', async (t) => {
  const { run, fakes, logs } = setUp(t, { apply: { ok: false, status: 'unhealthy', message: 'container web-1 is unhealthy', logs: ['boom'] }, rollback: { ok: true } });
  assert.deepEqual(await run(update('web', 'core')), {
    result: 'rolled-back',
    message: 'container web-1 is unhealthy; rolled back to the previous release (serving)',
    logs: ['boom'],
  });
  assert.deepEqual(fakes.get('core')!.calls.slice(1), ['rollback web']);
  assert.deepEqual(logs, ['rolled back web on core to its current release']);
});

test('apply fails, rollback fails too (or throws): rolled-back naming both, nothing removed', async (t) => {
  const { run, fakes } = setUp(t, { apply: { ok: false, message: 'pull failed: not found' }, rollback: { ok: false, message: 'container web-1 is exited (exit code 1)' } });
  assert.deepEqual(await run(update('web', 'core')), {
    result: 'rolled-back',
    message: 'pull failed: not found; rolled back to the previous release (rollback failed too: container web-1 is exited (exit code 1))',
    logs: undefined,
  });
  assert.ok(!fakes.get('core')!.calls.some((c) => c.startsWith('remove')));
  const thrown = setUp(t, { apply: { ok: false, message: 'pull failed' }, rollback: new Error('target core: ssh failed') });
  assert.match((await thrown.run(update('web', 'core'))).message, /^pull failed; rolled back to the previous release \(rollback failed too: target core: ssh failed\)$/);
});

test('apply fails with no previous release: the new app is removed, failed', async (t) => {
  const { run, fakes } = setUp(t, { apply: { ok: false, message: 'not healthy within 20 s' }, rollback: 'none' });
  const r = await run({ ...update('db', 'media'), id: 'deploy:media/db', action: 'deploy' });
  assert.deepEqual(r, { result: 'failed', message: 'not healthy within 20 s; removed the new app (no previous release to keep)', logs: undefined });
  assert.deepEqual(fakes.get('media')!.calls.slice(1), ['rollback db', 'remove db']);
});

test('a leftover is removed by id and succeeds only when seen gone', async (t) => {
  const ids = ['a'.repeat(64)];
  const leftover: PlanStep = { id: 'remove-leftover:core/stray', action: 'remove-leftover', target: 'core', container: 'stray', containers: ids, reasons: [{ why: 'x' }], after: [] };
  const gone = setUp(t, {});
  assert.deepEqual(await gone.run(leftover), { result: 'success', message: 'removed container stray (aaaaaaaaaaaa)' });
  assert.deepEqual(gone.fakes.get('core')!.calls, [`removeContainers ${ids[0]}`]);
  const stays = setUp(t, { remaining: ids });
  assert.deepEqual(await stays.run(leftover), { result: 'failed', message: 'container stray is still there after docker rm (aaaaaaaaaaaa)' });
});

test('a held dependency is report-only: its dependants still apply, the held app is not touched', async (t) => {
  const { run, fakes } = setUp(t, {});
  const steps = [update('db', 'media', { held: 'self_heal: false: drift reported, not corrected' }), update('web', 'core', { after: ['update:media/db'] })];
  const out = await executeSteps(steps, run, { parallelism: 1 });
  assert.deepEqual(out.map((o) => [o.id, o.result]), [
    ['update:media/db', 'held'],
    ['update:core/web', 'success'],
  ]);
  assert.equal(out[0].message, 'self_heal: false: drift reported, not corrected');
  assert.deepEqual([...fakes.keys()], ['core'], 'only the dependant\'s target was contacted');
});
