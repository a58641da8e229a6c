import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { loadProject } from '../../../src/project/load';
import { renderProject } from '../../../src/render/render';
import { canonicalJson } from '../../../src/render/canonical';
import { computeChangeSet, skippedChangeSet, type ChangeSet } from '../../../src/diff/changeset';
import { buildPlan, type Observation } from '../../../src/plan/planner';
import { unifiedDiff } from '../../../src/plan/text-diff';
import type { Manifest, ManifestApp } from '../../../src/render/manifest';
import type { Plan } from '../../../src/plan/types';
import type { RunRecord } from '../../../src/converge/run-record';
import type { ObservedApp, ObservedContainer, ObservedTarget } from '../../../src/targets/target';

// Everything here is pure: no Docker, no git, no network.

const SCHEMAS = new URL('../../../schemas/', import.meta.url);
const HOMELAB = new URL('../../../examples/homelab/', import.meta.url);
const OUTPUTS = ['manifest', 'changeset', 'plan', 'run-record'] as const;
const INPUTS = ['project', 'network', 'service'] as const;
type Name = (typeof OUTPUTS)[number] | (typeof INPUTS)[number];

function schemaOf(name: Name): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`${name}.schema.json`, SCHEMAS), 'utf8'));
}

/** Strict mode, and any warning ajv would only log fails the compile too. */
function strictAjv(extra: { allowUnionTypes?: boolean; strictRequired?: boolean } = {}): Ajv {
  const fail = (...args: unknown[]) => {
    throw new Error(`ajv warning: ${args.join(' ')}`);
  };
  return new Ajv({ allErrors: true, strict: true, ...extra, logger: { log: () => {}, warn: fail, error: fail } });
}

const compiled = new Map<Name, ValidateFunction>();
function validator(name: Name): ValidateFunction {
  let v = compiled.get(name);
  if (!v) compiled.set(name, (v = strictAjv().compile(schemaOf(name))));
  return v;
}

/** As the file on disk: canonical JSON drops undefined values. */
function asWritten<T>(value: T): unknown {
  return JSON.parse(canonicalJson(value, 2));
}

function errorsOf(name: Name, doc: unknown): string[] {
  const validate = validator(name);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

function assertValid(name: Name, value: unknown, what: string): void {
  assert.deepEqual(errorsOf(name, asWritten(value)), [], `${what} should validate against ${name}.schema.json`);
}

function assertInvalid(name: Name, doc: unknown, expected: { keyword: string; path?: string }): void {
  const validate = validator(name);
  assert.equal(validate(doc), false, `${name}: expected to be rejected`);
  const errors = validate.errors ?? [];
  assert.ok(
    errors.some((e) => e.keyword === expected.keyword && (expected.path === undefined || e.instancePath === expected.path)),
    `${name}: expected a ${expected.keyword} error at ${expected.path ?? '(any)'}, got ${JSON.stringify(errors.map((e) => [e.keyword, e.instancePath]))}`,
  );
}

const clone = <T>(v: T): any => JSON.parse(JSON.stringify(v));

// ---------------------------------------------------------------------------
// The schemas themselves

for (const name of OUTPUTS) {
  test(`${name}.schema.json compiles in ajv strict mode`, () => {
    const schema = schemaOf(name);
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.$id, `https://steward.invalid/schemas/${name}.schema.json`);
    assert.equal(typeof schema.title, 'string');
    assert.doesNotThrow(() => strictAjv().compile(schema));
  });
}

test('every property of the output schemas has a description', () => {
  const missing: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
    const o = node as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object') {
      // if/else branches name properties only to test them; they are described where they are defined.
      const inCondition = /\/(if|then|else)(\/|$)/.test(at);
      for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
        if (!inCondition && typeof v.description !== 'string') missing.push(`${at}/properties/${k}`);
      }
    }
    for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
  };
  for (const name of OUTPUTS) walk(schemaOf(name), name);
  assert.deepEqual(missing, []);
});

test('definitions shared between output schemas are identical', () => {
  // Each schema is self-contained (editors cannot fetch steward.invalid), so shared parts are copies.
  assert.deepEqual(schemaOf('plan').definitions.reason, schemaOf('changeset').definitions.reason);
  assert.deepEqual(schemaOf('run-record').definitions.summary, schemaOf('plan').definitions.summary);
  const planStep = schemaOf('plan').definitions.step.properties;
  const outcome = schemaOf('run-record').definitions.step.properties;
  assert.deepEqual(outcome.action.enum, planStep.action.enum);
});

for (const name of INPUTS) {
  test(`${name}.schema.json (user project) compiles in ajv strict mode`, () => {
    const schema = schemaOf(name);
    if (name !== 'service') return void assert.doesNotThrow(() => strictAjv().compile(schema));
    // service.schema.json needs two relaxations, each pinned here so that a fix shows up:
    // - env values are `"type": ["string", "number", "boolean"]`, a union type (allowUnionTypes);
    //   rewriting it as anyOf would change the messages the bad-input corpus pins;
    // - volumes items say `oneOf: [{ required: [name] }, { required: [host] }]`, whose branches do
    //   not repeat the properties (strictRequired); valid draft-07, and ajv's order of evaluation
    //   (oneOf before properties) is what trips strict mode.
    const relaxed = { allowUnionTypes: true, strictRequired: false };
    assert.doesNotThrow(() => strictAjv(relaxed).compile(schema));
    assert.throws(() => strictAjv({ ...relaxed, allowUnionTypes: false }).compile(schema), /allowUnionTypes/);
    assert.throws(() => strictAjv({ ...relaxed, strictRequired: true }).compile(schema), /strictRequired/);
  });
}

// ---------------------------------------------------------------------------
// Real outputs

const rendered = renderProject(loadProject(new URL('.', HOMELAB).pathname)).manifest;

test('manifest: the rendered examples/homelab manifest validates', () => {
  assertValid('manifest', rendered, 'the in-memory manifest');
  const kinds = new Set(rendered.apps.map((a) => a.kind));
  assert.deepEqual([...kinds].sort(), ['adopted', 'edge', 'service'], 'the example covers every kind');
  assert.ok(rendered.apps.some((a) => a.state === 'absent'));
});

test('manifest: the committed examples/homelab/rendered/manifest.json validates', () => {
  const committed = JSON.parse(readFileSync(new URL('rendered/manifest.json', HOMELAB), 'utf8'));
  assert.deepEqual(errorsOf('manifest', committed), []);
});

test('manifest: optional fields (no edge, purge, health without http) validate', () => {
  const m = clone(asWritten(rendered)) as Manifest;
  delete m.edge;
  const absent = m.apps.find((a) => a.state === 'absent')!;
  absent.purge = true;
  const present = m.apps.find((a) => a.state === 'present' && a.health)!;
  present.health = { port: 8080 };
  delete present.route;
  assert.deepEqual(errorsOf('manifest', m), []);
});

/** The homelab manifest as it was one commit earlier. */
function olderManifest(): Manifest {
  const m = clone(asWritten(rendered)) as Manifest;
  const byName = (n: string) => m.apps.find((a) => a.name === n)!;
  byName('grafana').hash = '0000000000000000'; // changed
  byName('jellyfin').target = 'core'; // moved
  m.apps = m.apps.filter((a) => a.name !== 'prometheus'); // added since
  const gone: ManifestApp = { name: 'gitea', kind: 'service', target: 'core', state: 'present', hash: '1111111111111111', compose: 'rendered/core/gitea/compose.yaml', files: [], secrets: [], dependsOn: [] };
  m.apps.push(gone); // removed since
  byName('old-wiki').state = 'present'; // now absent
  byName('old-wiki').hash = '2222222222222222';
  byName('old-wiki').compose = 'rendered/media/old-wiki/compose.yaml';
  m.targets.media = { ...m.targets.media, port: 2222 }; // target changed
  m.targets.backup = { address: '10.10.0.12', user: 'root', port: 22, dir: '/srv' }; // target removed since
  return m;
}

function incrementalChangeSet(): ChangeSet {
  const sha = (c: string) => c.repeat(40);
  return computeChangeSet({
    from: sha('a'),
    to: sha('b'),
    mode: 'incremental',
    oldManifest: olderManifest(),
    newManifest: rendered,
    commits: [
      { sha: sha('1'), subject: 'grafana: new dashboard', files: [{ status: 'M', path: 'services/grafana/service.yml' }, { status: 'M', path: 'rendered/core/grafana/compose.yaml' }] },
      { sha: sha('2'), subject: 'prometheus', files: [{ status: 'A', path: 'services/prometheus/service.yml' }] },
      { sha: sha('3'), subject: 'drop gitea', files: [{ status: 'D', path: 'services/gitea/service.yml' }] },
      { sha: sha('4'), subject: 'tls and converge settings', files: [{ status: 'M', path: 'project.yml' }] },
      { sha: sha('5'), subject: 'rotate', files: [{ status: 'M', path: 'secrets/homelab.sops.yaml' }] },
      { sha: sha('6'), subject: 'hand edit', files: [{ status: 'M', path: 'rendered/core/postgres/compose.yaml' }] },
      { sha: sha('7'), subject: 'move jellyfin', files: [{ status: 'M', path: 'network.yml' }] },
    ],
    projectKeyChanges: ['conventions.routing', 'converge.parallelism', 'domain'],
    secretKeyChanges: { 'secrets/homelab.sops.yaml': ['POSTGRES_PASSWORD'] },
  });
}

test('changeset: incremental, first-run, full and skipped change sets validate', () => {
  const inc = incrementalChangeSet();
  assert.ok(inc.apps.some((a) => a.change === 'added') && inc.apps.some((a) => a.change === 'removed') && inc.apps.some((a) => a.change === 'changed'));
  assert.ok(inc.targets.length >= 2 && inc.conventions.length >= 2);
  assert.ok(inc.apps.some((a) => a.reasons.some((r) => r.commit && r.file)) && inc.apps.some((a) => a.reasons.some((r) => !r.commit && !r.file)));
  assertValid('changeset', inc, 'an incremental change set');

  const first = computeChangeSet({ to: 'b'.repeat(40), mode: 'first-run', commits: [], newManifest: rendered, projectKeyChanges: [], secretKeyChanges: {} });
  assert.equal(first.from, null);
  assertValid('changeset', first, 'a first-run change set');

  const full = computeChangeSet({ from: 'a'.repeat(40), to: 'b'.repeat(40), mode: 'full', note: 'history rewritten', commits: [], oldManifest: olderManifest(), newManifest: rendered, projectKeyChanges: [], secretKeyChanges: {} });
  assertValid('changeset', full, 'a full change set');

  const skipped = skippedChangeSet('a'.repeat(40), 'b'.repeat(40), [{ sha: 'c'.repeat(40), subject: 'converge: record', files: [] }]);
  assertValid('changeset', skipped, 'a skipped change set');

  const none = computeChangeSet({ from: 'a'.repeat(40), to: 'b'.repeat(40), mode: 'incremental', commits: [], oldManifest: rendered, newManifest: rendered, projectKeyChanges: [], secretKeyChanges: {} });
  assert.deepEqual(none.apps, []);
  assertValid('changeset', none, 'an empty change set');
});

const container = (app: string, hash: string | undefined, state: ObservedContainer['state'] = 'running'): ObservedContainer => ({
  id: `id-${app}`, name: `homelab-${app}-1`, service: app, composeProject: `homelab-${app}`, project: 'homelab', app, hash,
  image: 'x', imageId: 'sha256:1', imageDigests: [], state, exitCode: state === 'running' ? 0 : 1, labels: hash ? { 'steward.hash': hash } : {},
});
const hashOf = (name: string) => rendered.apps.find((a) => a.name === name)?.hash ?? 'feedfacefeedface';
const obsApp = (name: string, hash: string | undefined = hashOf(name), status: ObservedApp['status'] = 'running'): ObservedApp => ({
  project: 'homelab', app: name, composeProject: `homelab-${name}`, hash, hashes: hash ? [hash] : ['x', 'y'], status,
  containers: [container(name, hash, status === 'stopped' ? 'exited' : 'running')],
});

/** core observed with every kind of drift; media unreachable. */
function observations(): Record<string, Observation> {
  const core: ObservedTarget = {
    target: 'core',
    apps: [
      obsApp('authelia'), // in sync
      obsApp('caddy', '9999999999999999'), // edge: reload-proxy
      obsApp('grafana', 'abcdefabcdefabcd'), // hand-edited
      obsApp('postgres', undefined, 'degraded'), // mixed hashes
      obsApp('prometheus', hashOf('prometheus'), 'stopped'), // stopped by hand
      obsApp('gitea', '1111111111111111'), // deleted from the project
      obsApp('old-wiki', '2222222222222222'), // absent, but on the wrong target too
    ],
    leftovers: [{ container: { ...container('stray', undefined), id: 'f'.repeat(64), app: undefined, name: 'stray_container' }, reason: 'labels disagree' }],
    roundTrips: 1,
  };
  return { core, media: { target: 'media', error: 'ssh: connect to host 10.10.0.11 port 22: Connection refused' } };
}

const composeDiffs = { grafana: unifiedDiff('image: grafana/grafana:11.1.0\n', 'image: grafana/grafana:11.2.0\n'), nextcloud: unifiedDiff('a\n', 'b\n') };

test('plan: a plan with every step kind, drift, compose diffs and an unreachable target validates', () => {
  const plan = buildPlan({ manifest: rendered, changeset: incrementalChangeSet(), observed: observations(), settings: { selfHeal: true, prune: true }, composeDiffs });
  const actions = new Set(plan.steps.map((s) => s.action));
  assert.deepEqual([...actions].sort(), ['deploy', 'prepare', 'reload-proxy', 'remove', 'remove-leftover', 'update']);
  assert.ok(plan.steps.some((s) => s.drift) && plan.steps.some((s) => s.composeDiff) && plan.steps.some((s) => s.after.length));
  assert.ok(plan.steps.some((s) => s.observedHash) && plan.steps.some((s) => s.action !== 'prepare' && !s.observedHash));
  assert.deepEqual(plan.targets.map((t) => t.status), ['observed', 'unknown']);
  assertValid('plan', plan, 'the plan');
});

test('plan: held steps (self_heal: false, prune: false) and a target not observed validate', () => {
  const obs = observations();
  delete obs.media; // a pull request plan observes nothing it need not
  // No commits: everything found on core is drift that git does not explain.
  const none = computeChangeSet({ from: 'a'.repeat(40), to: 'b'.repeat(40), mode: 'incremental', commits: [], oldManifest: rendered, newManifest: rendered, projectKeyChanges: [], secretKeyChanges: {} });
  const plan = buildPlan({ manifest: rendered, changeset: none, observed: obs, settings: { selfHeal: false, prune: false } });
  assert.ok(plan.steps.some((s) => s.held?.startsWith('self_heal')) && plan.steps.some((s) => s.held?.startsWith('prune')));
  assert.ok(plan.summary.held > 0);
  assert.equal(plan.targets.find((t) => t.name === 'media')?.status, 'not-observed');
  assertValid('plan', plan, 'the plan with held steps');
});

test('plan: first-run, in-sync, skipped and single-app plans validate', () => {
  const first = computeChangeSet({ to: 'b'.repeat(40), mode: 'first-run', commits: [], newManifest: rendered, projectKeyChanges: [], secretKeyChanges: {} });
  const empty = { core: { target: 'core', apps: [], leftovers: [], roundTrips: 1 }, media: { target: 'media', apps: [], leftovers: [], roundTrips: 1 } };
  assertValid('plan', buildPlan({ manifest: rendered, changeset: first, observed: empty, settings: { selfHeal: true, prune: true } }), 'a first-run plan');

  const inSync: Record<string, Observation> = {
    core: { target: 'core', apps: rendered.apps.filter((a) => a.state === 'present' && a.target === 'core').map((a) => obsApp(a.name)), leftovers: [], roundTrips: 1 },
    media: { target: 'media', apps: rendered.apps.filter((a) => a.state === 'present' && a.target === 'media').map((a) => obsApp(a.name)), leftovers: [], roundTrips: 1 },
  };
  const none = computeChangeSet({ from: 'a'.repeat(40), to: 'b'.repeat(40), mode: 'incremental', commits: [], oldManifest: rendered, newManifest: rendered, projectKeyChanges: [], secretKeyChanges: {} });
  const synced = buildPlan({ manifest: rendered, changeset: none, observed: inSync, settings: { selfHeal: true, prune: true } });
  assert.deepEqual(synced.steps, []);
  assertValid('plan', synced, 'an in-sync plan');

  const skipped = skippedChangeSet('a'.repeat(40), 'b'.repeat(40), [{ sha: 'c'.repeat(40), subject: 'converge: x', files: [] }]);
  assertValid('plan', buildPlan({ manifest: rendered, changeset: skipped, observed: inSync, settings: { selfHeal: true, prune: true } }), 'a skipped plan');

  const only = buildPlan({ manifest: rendered, changeset: incrementalChangeSet(), observed: observations(), settings: { selfHeal: true, prune: true }, only: 'grafana' });
  assert.ok(only.steps.length > 0);
  assertValid('plan', only, 'a single-app plan');
});

const plan = buildPlan({ manifest: rendered, changeset: incrementalChangeSet(), observed: observations(), settings: { selfHeal: true, prune: true } });
const summary = plan.summary;

/** A failed run that touches every field of RunRecord and StepOutcome. */
function failedRecord(): RunRecord {
  return {
    schema: 1,
    runId: '412-2',
    trigger: 'push',
    project: 'homelab',
    commit: 'b'.repeat(40),
    from: 'a'.repeat(40),
    startedAt: '2024-10-01T12:00:00.000Z',
    finishedAt: '2024-10-01T12:01:30.250Z',
    durationMs: 90250,
    result: 'failure',
    summary: '2 step(s) failed, 3 applied',
    commits: [{ sha: '1'.repeat(40), subject: 'grafana: new dashboard' }],
    plan: { summary, line: '1 to deploy, 3 to update, 2 to remove, 4 drifted', markdown: '### Plan\n\n…' },
    steps: [
      { id: 'prepare:core', action: 'prepare', target: 'core', result: 'success', message: 'engine 27.3.1, compose 2.29.7', durationMs: 812 },
      { id: 'deploy:core/prometheus', action: 'deploy', target: 'core', app: 'prometheus', result: 'success', message: 'healthy', durationMs: 5012 },
      { id: 'update:core/grafana', action: 'update', target: 'core', app: 'grafana', result: 'rolled-back', message: 'health check failed; rolled back to the previous version (serving)', durationMs: 60000, logs: ['grafana-1  | level=error msg="***"'] },
      { id: 'update:core/nextcloud', action: 'update', target: 'core', app: 'nextcloud', result: 'failed', message: 'image not found; removed the new app (no previous version to keep)', durationMs: 1500, logs: [] },
      { id: 'reload-proxy:core/caddy', action: 'reload-proxy', target: 'core', app: 'caddy', result: 'skipped', message: 'skipped: update:core/grafana rolled-back', durationMs: 0 },
      { id: 'remove:core/gitea', action: 'remove', target: 'core', app: 'gitea', result: 'held', message: 'prune: false: reported, not removed', durationMs: 0 },
      { id: 'remove:core/old-wiki', action: 'remove', target: 'core', app: 'old-wiki', result: 'success', message: 'removed', durationMs: 2100 },
      { id: 'remove-leftover:core/stray_container', action: 'remove-leftover', target: 'core', result: 'success', message: 'removed container stray_container (ffffffffffff)', durationMs: 300 },
    ],
    drift: {
      found: 3,
      corrected: 2,
      items: [
        { target: 'core', app: '', container: 'stray_container', drift: 'unmanaged leftover container stray_container: labels disagree', corrected: true },
        { target: 'core', app: 'prometheus', drift: 'container stopped (homelab-prometheus-1 exited)', corrected: true },
        { target: 'core', app: 'grafana', drift: 'running definition abcdefabcdefabcd differs from the desired a8bf1df9981af32a', corrected: false },
      ],
    },
    errors: [
      { stage: 'apply', target: 'core', app: 'grafana', message: 'update:core/grafana: health check failed; rolled back' },
      { stage: 'apply', target: 'core', app: 'nextcloud', message: 'update:core/nextcloud: image not found' },
      { stage: 'plan', target: 'media', message: 'target media could not be observed: ssh: connect to host 10.10.0.11 port 22: Connection refused' },
    ],
    convergedRef: { advanced: false, reason: 'not every step succeeded: the next run redoes what failed' },
  };
}

test('run-record: success, failure, skipped and dry-run records validate', () => {
  const failed = failedRecord();
  assertValid('run-record', failed, 'a failed run');

  const success: RunRecord = {
    ...failedRecord(),
    trigger: 'schedule',
    result: 'success',
    summary: '3 step(s) applied',
    steps: failedRecord().steps.filter((s) => s.result === 'success'),
    drift: { found: 1, corrected: 1, items: [failedRecord().drift.items[0]] },
    errors: [],
    convergedRef: { advanced: true, sha: 'b'.repeat(40) },
  };
  assertValid('run-record', success, 'a successful run');
  assertValid('run-record', { ...success, trigger: 'cli', convergedRef: { advanced: true, sha: 'b'.repeat(40), reason: 'local ref only (no remote)' } }, 'a run that advanced the ref locally');

  // Skipped before planning (lock held): no plan, no from, no steps.
  const locked: RunRecord = {
    schema: 1, runId: 'local-1', trigger: 'dispatch', project: 'homelab', commit: 'b'.repeat(40), from: null,
    startedAt: '2024-10-01T12:00:00.000Z', finishedAt: '2024-10-01T12:01:00.000Z', durationMs: 60000,
    result: 'skipped', summary: 'skipped: another run holds the lock', skippedReason: 'another run holds the lock since 2024-10-01T11:59:00.000Z (run 411-1)',
    commits: [], steps: [], drift: { found: 0, corrected: 0, items: [] }, errors: [], convergedRef: { advanced: false },
  };
  assertValid('run-record', locked, 'a skipped run');
  // plan.note is optional, so a skipped run may carry no skippedReason.
  assertValid('run-record', { ...locked, skippedReason: undefined, trigger: 'pull_request' }, 'a skipped run without a reason');

  const dry: RunRecord = { ...locked, result: 'dry-run', summary: 'dry run: …', skippedReason: undefined, plan: { summary, line: 'x', markdown: 'y' }, drift: failedRecord().drift, errors: [{ stage: 'plan', target: 'media', message: 'target `media` could not be observed' }] };
  assertValid('run-record', dry, 'a dry run');
});

// ---------------------------------------------------------------------------
// Invalid documents are rejected

test('manifest: unknown keys, wrong enums, missing fields and absent apps with a hash are rejected', () => {
  const good = asWritten(rendered) as Manifest;
  assertInvalid('manifest', { ...good, generatedAt: 'now' }, { keyword: 'additionalProperties', path: '' });
  const wrongKind = clone(good);
  wrongKind.apps[0].kind = 'sidecar';
  assertInvalid('manifest', wrongKind, { keyword: 'enum', path: '/apps/0/kind' });
  const noTargets = clone(good);
  delete noTargets.targets;
  assertInvalid('manifest', noTargets, { keyword: 'required', path: '' });
  const noPort = clone(good);
  delete noPort.targets.core.port;
  assertInvalid('manifest', noPort, { keyword: 'required', path: '/targets/core' });
  const presentNoHash = clone(good);
  delete presentNoHash.apps[0].hash;
  assertInvalid('manifest', presentNoHash, { keyword: 'required', path: '/apps/0' });
  const absentWithHash = clone(good);
  absentWithHash.apps.find((a: ManifestApp) => a.state === 'absent').hash = '0123456789abcdef';
  assertInvalid('manifest', absentWithHash, { keyword: 'false schema' });
  assertInvalid('manifest', { ...good, schema: 2 }, { keyword: 'const', path: '/schema' });
  const nullEdge = { ...good, edge: null };
  assertInvalid('manifest', nullEdge, { keyword: 'type', path: '/edge' });
});

test('changeset: unknown keys, wrong enums, missing fields and reasons without why are rejected', () => {
  const good = asWritten(incrementalChangeSet()) as ChangeSet;
  const extraReasonKey = clone(good);
  extraReasonKey.apps[0].reasons[0].line = 3;
  assertInvalid('changeset', extraReasonKey, { keyword: 'additionalProperties', path: '/apps/0/reasons/0' });
  assertInvalid('changeset', { ...good, mode: 'partial' }, { keyword: 'enum', path: '/mode' });
  const badChange = clone(good);
  badChange.targets[0].change = 'moved';
  assertInvalid('changeset', badChange, { keyword: 'enum', path: '/targets/0/change' });
  const noWhy = clone(good);
  delete noWhy.apps[0].reasons[0].why;
  assertInvalid('changeset', noWhy, { keyword: 'required', path: '/apps/0/reasons/0' });
  const noFrom = clone(good);
  delete noFrom.from;
  assertInvalid('changeset', noFrom, { keyword: 'required', path: '' });
  const noReasons = clone(good);
  noReasons.apps[0].reasons = [];
  assertInvalid('changeset', noReasons, { keyword: 'minItems', path: '/apps/0/reasons' });
});

test('plan: unknown keys, wrong enums, missing fields and malformed steps are rejected', () => {
  const good = asWritten(plan) as Plan;
  const extraStep = clone(good);
  extraStep.steps[0].priority = 1;
  assertInvalid('plan', extraStep, { keyword: 'additionalProperties', path: '/steps/0' });
  const badAction = clone(good);
  badAction.steps[1].action = 'restart';
  assertInvalid('plan', badAction, { keyword: 'enum', path: '/steps/1/action' });
  const badStatus = clone(good);
  badStatus.targets[0].status = 'down';
  assertInvalid('plan', badStatus, { keyword: 'enum', path: '/targets/0/status' });
  const noSummaryField = clone(good);
  delete noSummaryField.summary.unknownTargets;
  assertInvalid('plan', noSummaryField, { keyword: 'required', path: '/summary' });
  const noObserved = clone(good);
  delete noObserved.observed;
  assertInvalid('plan', noObserved, { keyword: 'required', path: '' });
  const appless = clone(good);
  const deploy = appless.steps.findIndex((s: { action: string }) => s.action !== 'prepare');
  delete appless.steps[deploy].app;
  assertInvalid('plan', appless, { keyword: 'required', path: `/steps/${deploy}` });
  const badId = clone(good);
  badId.steps[0].id = 'core';
  assertInvalid('plan', badId, { keyword: 'pattern', path: '/steps/0/id' });
  assertInvalid('plan', { ...good, summary: { ...good.summary, deploy: -1 } }, { keyword: 'minimum', path: '/summary/deploy' });
});

test('run-record: unknown keys, wrong enums, missing fields and inconsistent refs are rejected', () => {
  const good = asWritten(failedRecord()) as RunRecord;
  assertInvalid('run-record', { ...good, secrets: { A: 'b' } }, { keyword: 'additionalProperties', path: '' });
  assertInvalid('run-record', { ...good, result: 'partial' }, { keyword: 'enum', path: '/result' });
  assertInvalid('run-record', { ...good, trigger: 'workflow_dispatch' }, { keyword: 'enum', path: '/trigger' });
  const badStep = clone(good);
  badStep.steps[2].result = 'rolledback';
  assertInvalid('run-record', badStep, { keyword: 'enum', path: '/steps/2/result' });
  const noMessage = clone(good);
  delete noMessage.steps[0].message;
  assertInvalid('run-record', noMessage, { keyword: 'required', path: '/steps/0' });
  const noRef = clone(good);
  delete noRef.convergedRef;
  assertInvalid('run-record', noRef, { keyword: 'required', path: '' });
  assertInvalid('run-record', { ...good, convergedRef: { advanced: true } }, { keyword: 'required', path: '/convergedRef' });
  assertInvalid('run-record', { ...good, startedAt: 'yesterday' }, { keyword: 'pattern', path: '/startedAt' });
  assertInvalid('run-record', { ...good, durationMs: 1.5 }, { keyword: 'type', path: '/durationMs' });
});
