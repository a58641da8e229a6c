import type { ChangeSet, Reason } from '../diff/changeset';
import type { Manifest, ManifestApp } from '../render/manifest';
import { canonicalJson, sha256 } from '../render/canonical';
import { liveDigestOf } from '../targets/live';
import type { ObservedApp, ObservedTarget } from '../targets/target';
import { linkSteps } from './order';
import type { Plan, PlanStep, PlanSummary, PlanTarget } from './types';

export type Observation = ObservedTarget | { target: string; error: string };

export interface PlanInput {
  manifest: Manifest;
  changeset: ChangeSet;
  observed: Record<string, Observation>;
  settings: { selfHeal: boolean; prune: boolean };
  /** Keyed hashes of each app's secret values; only converge, which holds the key, knows them. */
  secretsHashes?: Record<string, string>;
  composeDiffs?: Record<string, string>;
  /** Limit the plan to one app (workflow_dispatch with `app`). */
  only?: string;
}

const EDGE_KIND = 'edge';

/** Pure: desired state + ChangeSet + observed state -> ordered steps. */
export function buildPlan(input: PlanInput): Plan {
  const { manifest, changeset, observed, settings } = input;
  const why = new Map(changeset.apps.map((a) => [a.name, a.reasons]));
  const steps: PlanStep[] = [];
  const desired = manifest.apps.filter((a) => a.state === 'present');
  const known = new Map(manifest.apps.map((a) => [a.name, a]));
  const targets: PlanTarget[] = [];

  for (const name of Object.keys(manifest.targets).sort()) {
    const obs = observed[name];
    if (!obs || 'error' in obs) {
      targets.push(obs ? { name, status: 'unknown', error: obs.error, apps: 0 } : { name, status: 'not-observed', apps: 0 });
      steps.push(...fromChangeSetOnly(name, changeset, known));
      continue;
    }
    const degraded = obs.apps.filter((a) => a.unplaced).map((a) => `${a.app}: ${a.unplaced}`);
    targets.push({ name, status: 'observed', apps: obs.apps.length, ...(degraded.length ? { degraded } : {}) });
    const seen = new Map(obs.apps.map((a) => [a.app, a]));

    for (const app of desired.filter((a) => a.target === name)) {
      const o = seen.get(app.name);
      const reasons = why.get(app.name) ?? [];
      const step = desiredStep(app, o, reasons, input.secretsHashes?.[app.name]);
      if (step) steps.push(step);
      const sync = syncStep(app, obs);
      if (sync) steps.push(sync);
    }

    for (const o of obs.apps) {
      const want = known.get(o.app);
      if (want && want.state === 'present' && want.target === name) continue;
      const reasons: Reason[] = [...(why.get(o.app) ?? [])];
      let held: string | undefined;
      if (!want) {
        if (!reasons.length) reasons.push({ why: 'no services/' + o.app + '/service.yml: the app was deleted from the project' });
        if (!settings.prune) held = 'prune: false: reported, not removed';
      } else if (want.state === 'absent') {
        if (!reasons.length) reasons.push({ why: 'state: absent' });
      } else reasons.unshift({ why: `moved to target ${want.target}` });
      // Git explains removals it caused; anything else still running here is drift.
      const drift = why.has(o.app) ? undefined : 'running although the project does not want it on this target';
      steps.push({ id: `remove:${name}/${o.app}`, action: 'remove', target: name, app: o.app, observedHash: o.hash, reasons, drift, after: [], held });
    }

    // A leftover is a container, not an app: removed by its id, so that an
    // impersonator of a real app never takes the real one down with it.
    for (const l of obs.leftovers) {
      steps.push({
        id: `remove-leftover:${name}/${l.container.name}`,
        action: 'remove-leftover',
        target: name,
        container: l.container.name,
        containers: [l.container.id],
        reasons: [{ why: `leftover container ${l.container.name}: ${l.reason}` }],
        drift: `unmanaged leftover container ${l.container.name}: ${l.reason}`,
        after: [],
        held: settings.prune ? undefined : 'prune: false: reported, not removed',
      });
    }
  }

  // Drift that git does not explain is only reported when self-healing is off.
  if (!settings.selfHeal) for (const s of steps) if (s.drift && !why.has(s.app ?? '') && !s.held) s.held = 'self_heal: false: drift reported, not corrected';

  let selected = input.only ? steps.filter((s) => s.app === input.only) : steps;
  for (const s of selected) if (s.app && input.composeDiffs?.[s.app] && s.action !== 'remove') s.composeDiff = input.composeDiffs[s.app];

  const prepareTargets = [...new Set(selected.filter((s) => !s.held && s.action !== 'remove' && s.action !== 'remove-leftover').map((s) => s.target))].sort();
  const prepares: PlanStep[] = prepareTargets.map((t) => ({ id: `prepare:${t}`, action: 'prepare', target: t, reasons: [{ why: 'network and app directories exist, engine and compose answer' }], after: [] }));
  selected = linkSteps([...prepares, ...selected.sort(byTargetApp)], new Map(manifest.apps.map((a) => [a.name, a.dependsOn])));

  return {
    schema: 1,
    project: manifest.project,
    commit: changeset.to,
    from: changeset.from,
    mode: changeset.mode,
    note: changeset.note,
    targets,
    steps: selected,
    summary: summarize(selected, targets),
    observed: Object.fromEntries(Object.entries(observed).filter(([, o]) => !('error' in o)).map(([t, o]) => [t, observedDigest(o as ObservedTarget, manifest)])),
  };
}

function desiredStep(app: ManifestApp, o: ObservedApp | undefined, reasons: Reason[], secretsHash: string | undefined): PlanStep | undefined {
  const base = { target: app.target, app: app.name, hash: app.hash, after: [] as string[] };
  const update = app.kind === EDGE_KIND ? 'reload-proxy' : 'update';
  if (!o) {
    const drift = reasons.length ? undefined : 'not running on the target (removed by hand, or never deployed)';
    return { ...base, id: `deploy:${app.target}/${app.name}`, action: 'deploy', reasons: reasons.length ? reasons : [{ why: `drift: ${drift}` }], drift };
  }
  const secretReason = reasons.some((r) => r.why.startsWith('secret '));
  let drift: string | undefined;
  // A swarm short of nodes is degraded, not changed: applying again places nothing (PlanTarget.degraded says so).
  if (o.hash === app.hash && o.unplaced && !o.specDrift?.length && !reasons.length) return undefined;
  if (o.hash === app.hash && o.specDrift?.length) {
    drift = o.specDrift.join('; ');
  } else if (o.hash !== app.hash) {
    drift = reasons.length ? undefined : `running definition ${o.hash ?? '(mixed)'} differs from the desired ${app.hash} (edited by hand, or an earlier run failed)`;
  } else if (o.status !== 'running') {
    drift = `container ${o.status === 'stopped' ? 'stopped' : 'degraded'} (${describeContainers(o)})`;
  } else if (o.release === null) {
    drift = 'no current release on the host (deployed before releases, or its directory was removed by hand)';
  } else if (o.release && o.release.hash !== o.hash) {
    drift = `the current release ${o.release.id} is of ${o.release.hash || '(unreadable)'} but the containers run ${o.hash} (a rollback that failed, or a run stopped before the switch)`;
  } else if (o.release?.changed.length) {
    drift = `${o.release.changed.join(', ')} of release ${o.release.id} differ from what was deployed (edited on the host)`;
  } else if (secretsHash !== undefined) {
    // With the key we know whether the values really moved.
    if (!o.containers.some((c) => (c.labels['steward.secrets-hash'] ?? 'none') !== secretsHash)) return undefined;
    if (!secretReason) drift = 'a secret value differs from the one deployed';
  } else if (!secretReason) return undefined;
  const all = drift ? [...reasons, { why: `drift: ${drift}` }] : reasons;
  return { ...base, id: `${update}:${app.target}/${app.name}`, action: update, observedHash: o.hash, reasons: all, drift };
}

/**
 * Live dirs whose files on the target differ from the project's: rewritten in
 * place, before any new release of the app that mounts them. Not drift: they
 * change whenever another app's metrics or route does.
 */
function syncStep(app: ManifestApp, obs: ObservedTarget): PlanStep | undefined {
  if (!app.live?.length || !obs.live) return undefined;
  const reasons: Reason[] = [];
  const dirs: string[] = [];
  for (const l of app.live) {
    const have = obs.live.find((x) => x.app === app.name && x.dir === l.dir);
    if (have?.digest === liveDigestOf(l.files.map((f) => ({ path: f.to, sha256: f.sha256 })))) continue;
    dirs.push(l.dir);
    const n = `${l.files.length} file${l.files.length === 1 ? '' : 's'}`;
    reasons.push({ why: have ? `${l.dir}/ on the host differs from the project's ${n}` : `${l.dir}/ is not on the host yet (${n})` });
  }
  if (!dirs.length) return undefined;
  return { id: `sync-files:${app.target}/${app.name}`, action: 'sync-files', target: app.target, app: app.name, dirs, reasons, after: [] };
}

function describeContainers(o: ObservedApp): string {
  return o.containers.map((c) => `${c.name} ${c.state}${c.health ? `/${c.health}` : ''}`).join(', ');
}

/** A target we could not observe: say what git says would change there. */
function fromChangeSetOnly(target: string, cs: ChangeSet, known: Map<string, ManifestApp>): PlanStep[] {
  return cs.apps
    .filter((a) => a.target === target)
    .map((a) => {
      const m = known.get(a.name);
      const action = a.change === 'added' ? 'deploy' : a.change === 'removed' ? 'remove' : m?.kind === EDGE_KIND ? 'reload-proxy' : 'update';
      return { id: `${action}:${target}/${a.name}`, action, target, app: a.name, hash: a.change === 'removed' ? undefined : m?.hash, reasons: a.reasons, after: [] } as PlanStep;
    });
}

function byTargetApp(a: PlanStep, b: PlanStep): number {
  return a.target.localeCompare(b.target) || (a.app ?? a.container ?? '').localeCompare(b.app ?? b.container ?? '') || a.id.localeCompare(b.id);
}

function summarize(steps: PlanStep[], targets: PlanTarget[]): PlanSummary {
  const count = (f: (s: PlanStep) => boolean) => steps.filter((s) => !s.held && f(s)).length;
  return {
    deploy: count((s) => s.action === 'deploy'),
    update: count((s) => s.action === 'update' || s.action === 'reload-proxy' || s.action === 'sync-files'),
    remove: count((s) => s.action === 'remove'),
    leftovers: count((s) => s.action === 'remove-leftover'),
    drifted: steps.filter((s) => s.drift).length,
    held: steps.filter((s) => s.held).length,
    unknownTargets: targets.filter((t) => t.status === 'unknown').length,
  };
}

/**
 * What converge compares to know the targets did not move since the plan.
 * Only the live dirs the project declares count: others on the host (the
 * status page converge writes after every run) change without being planned.
 */
export function observedDigest(o: ObservedTarget, manifest: Pick<Manifest, 'apps'>): string {
  const apps = o.apps.map((a) => [a.app, a.hash ?? '', a.status, ...(a.release === undefined ? [] : [a.release?.id ?? '', ...(a.release?.changed ?? [])])]).sort();
  const leftovers = o.leftovers.map((l) => l.container.id).sort();
  const declared = new Set(manifest.apps.flatMap((a) => (a.live ?? []).map((l) => `${a.name}/${l.dir}`)));
  // Live dirs only when there are any, so that the digests of projects without them stay as they were.
  const live = (o.live ?? []).filter((l) => declared.has(`${l.app}/${l.dir}`)).map((l) => `${l.app}/${l.dir} ${l.digest}`).sort();
  return sha256(canonicalJson(live.length ? { apps, leftovers, live } : { apps, leftovers })).slice(0, 16);
}

export function hasChanges(plan: Plan): boolean {
  return plan.steps.some((s) => !s.held && s.action !== 'prepare');
}
