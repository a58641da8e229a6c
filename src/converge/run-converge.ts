import { readFileSync } from 'node:fs';
import { CONVERGED_REF, GitCommandError, GitRepo, RefRefusedError } from '../git/repo';
import { loadProject } from '../project/load';
import type { Project } from '../project/model';
import { renderProject, type RenderOutput } from '../render/render';
import { summaryLine } from '../plan/markdown';
import { observedDigest } from '../plan/planner';
import { runPlan } from '../plan/run-plan';
import { markdownAndExit } from '../plan/exit';
import type { Plan } from '../plan/types';
import type { Manifest } from '../render/manifest';
import { TargetError } from '../targets/errors';
import type { Target, TargetFactory } from '../targets/target';
import { executeSteps } from './execute';
import { stepLineFormatter } from './step-line';
import { stepRunner } from './step-runner';
import { acquireLock, isPidAlive } from './lock';
import { clearDeadSshDirs } from '../targets/ssh';
import { clearDeadRuns, openRunDir, type RunDir } from './run-dir';
import type { RunError, RunRecord } from './run-record';
import { loadAppSecrets, type AppSecrets } from './secrets';
import { planSchemaErrors } from '../plan/validate-plan';
import { checkCommitted } from '../plan/committed';
import type { Observation } from '../plan/planner';
import { publishDashboard } from './publish-dashboard';

export interface ConvergeOptions {
  projectDir: string;
  repoDir?: string;
  remote?: string;
  planPath?: string; // apply exactly this saved plan
  only?: string;
  full?: boolean;
  dryRun?: boolean;
  identities: string[];
  stateDir: string;
  runId: string;
  trigger: RunRecord['trigger'];
  lockWaitMs?: number;
  pushRef?: boolean; // default: when the repository has the remote
  createTarget: TargetFactory;
  log?: (line: string) => void;
  onSecret?: (value: string) => void;
  now?: () => number;
  /** Apply project files that differ from HEAD, to experiment: the converged ref then stays where it is. */
  allowDirty?: boolean;
  /** Colour the per-step lines (the CLI, when stderr is a terminal; never an action's log). */
  colour?: boolean;
}

/** Where a run failed: Flux-style reconcile phases, each with its own typed failure. */
export type Stage = 'lock' | 'secrets' | 'plan' | 'apply' | 'record' | 'advance-ref';

export class StageError extends Error {
  constructor(
    readonly stage: Stage,
    message: string,
    readonly target?: string,
    readonly app?: string,
  ) {
    super(message);
    this.name = 'StageError';
  }
}

/** Runs one phase; whatever it throws becomes that phase's StageError. */
async function phase<T>(stage: Stage, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof StageError) throw e;
    throw new StageError(stage, (e as Error).message, e instanceof TargetError ? e.target : undefined);
  }
}

/**
 * Lock, secrets, plan (or load the plan), apply, record, advance the ref. The
 * project is loaded and rendered once, and each target opened once: plan,
 * prepare and apply share it. Never throws for a failed app: that is in the record.
 */
export async function runConverge(o: ConvergeOptions): Promise<RunRecord> {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const t0 = now();
  const project = loadProject(o.projectDir);
  const repo = new GitRepo(o.repoDir ?? o.projectDir);
  const head = await repo.head();
  const record = (r: Partial<RunRecord> & Pick<RunRecord, 'result' | 'summary'>): RunRecord => ({
    schema: 1,
    runId: o.runId,
    trigger: o.trigger,
    project: project.name,
    commit: head,
    from: null,
    startedAt: new Date(t0).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    durationMs: now() - t0,
    commits: [],
    steps: [],
    drift: { found: 0, corrected: 0, items: [] },
    errors: [],
    convergedRef: { advanced: false },
    ...r,
  });

  const lock = await acquireLock({ dir: o.stateDir, project: project.name, runId: o.runId, waitMs: o.lockWaitMs ?? project.converge.lockTimeoutMs });
  if (!lock.acquired) {
    log(`skipped: ${lock.reason}`);
    return record({ result: 'skipped', summary: `skipped: ${lock.reason}`, skippedReason: lock.reason });
  }
  const targets = new Map<string, Target>();
  let runDir: RunDir | undefined;
  const targetFor = (name: string) => {
    let t = targets.get(name);
    if (!t) targets.set(name, (t = o.createTarget(project.network.targets[name], { runtimeDir: runDir!.path })));
    return t;
  };
  let redact = (s: string) => s;
  let rendered: RenderOutput | undefined;
  // After the record, on the open edge connection; its failure is the record's, never the run's.
  const published = async (r: RunRecord, observed: Record<string, Observation>): Promise<RunRecord> => {
    if (!runDir) return r;
    const manifest = (rendered ??= renderProject(project)).manifest;
    const prefix = await repo.prefixOf(o.projectDir).catch(() => '');
    const failed = await publishDashboard({ project, manifest, record: r, observed, repo, prefix, targetFor, redact });
    if (failed) {
      log(`warning: ${failed.message}`);
      r.errors.push(failed);
    }
    return r;
  };
  try {
    await phase('lock', () => {
      // Holding the lock, no other run of this project is alive: what killed runs left goes.
      for (const gone of clearDeadRuns(o.stateDir, o.runId)) log(`cleared the run directory of dead run ${gone}`);
      clearDeadSshDirs(isPidAlive);
      runDir = openRunDir(o.stateDir, o.runId);
    });
    // Read once the lock is held: the push at the end moves the ref only from this value (a lease).
    const remote = o.remote ?? 'origin';
    const convergedAtStart = await phase('advance-ref', async () => (o.pushRef !== false && (await repo.hasRemote(remote)) ? repo.remoteRef(remote, CONVERGED_REF) : undefined));
    const { perApp, redactor } = await phase('secrets', () => loadAppSecrets(project, o.identities, o.onSecret ?? (() => {})));
    redact = (x) => redactor.redact(x);
    const planned = await phase('plan', () => planPhase(o, project, head, perApp, targetFor, log));
    const { plan, dirty } = planned;
    rendered = planned.rendered;
    const base = { from: plan.from, commits: planned.commits, plan: { summary: plan.summary, line: summaryLine(plan), markdown: redact(planned.markdown) } };
    const driftItems: RunRecord['drift']['items'] = plan.steps.filter((s) => s.drift).map((s) => ({ target: s.target, app: s.app ?? '', ...(s.container ? { container: s.container } : {}), drift: s.drift!, corrected: false }));

    if (plan.mode === 'skipped') {
      return record({ ...base, result: 'skipped', summary: `skipped: ${plan.note}`, skippedReason: plan.note });
    }
    if (o.dryRun) {
      return record({ ...base, result: 'dry-run', summary: `dry run: ${summaryLine(plan)}`, drift: { found: driftItems.length, corrected: 0, items: driftItems }, errors: planned.errors });
    }

    const line = stepLineFormatter(plan.steps, { colour: o.colour ?? false });
    const steps = await phase('apply', () =>
      executeSteps(plan.steps, stepRunner(project, planned.rendered, perApp, targetFor, log), {
        parallelism: project.converge.parallelism,
        now,
        onDone: (s) => log(line(s, redact)),
      }),
    );

    const { errors, summary } = await phase('record', () => {
      for (const s of steps) {
        s.message = redact(s.message);
        if (s.logs) s.logs = s.logs.map(redact);
      }
      const ok = (id: string) => steps.find((s) => s.id === id)?.result === 'success';
      for (const d of driftItems) d.corrected = plan.steps.some((s) => s.target === d.target && (d.container ? s.container === d.container : s.app === d.app) && ok(s.id));
      const failed = steps.filter((s) => s.result === 'failed' || s.result === 'rolled-back' || s.result === 'skipped');
      const errors: RunError[] = [...planned.errors, ...failed.map((s) => ({ stage: 'apply' as const, target: s.target, ...(s.app ? { app: s.app } : {}), message: redact(`${s.id}: ${s.message}`) }))];
      const applied = steps.filter((s) => s.result === 'success' && s.action !== 'prepare').length;
      const summary = errors.length ? `${failed.length} step(s) failed, ${applied} applied` : applied ? `${applied} step(s) applied: ${summaryLine(plan)}` : 'nothing to do: in sync';
      return { errors, summary };
    });

    let convergedRef: RunRecord['convergedRef'];
    if (errors.length) convergedRef = { advanced: false, reason: 'not every step succeeded: the next run redoes what failed' };
    else if (o.only) convergedRef = { advanced: false, reason: `only ${o.only} was converged` };
    else if (dirty.length) convergedRef = { advanced: false, reason: `applied files not committed at ${head.slice(0, 7)} (--allow-dirty): ${dirty.join(', ')}` };
    else convergedRef = await phase('advance-ref', () => advanceRef(repo, head, remote, o.pushRef, log, convergedAtStart));

    return await published(record({
      ...base,
      result: errors.length ? 'failure' : 'success',
      summary,
      steps,
      drift: { found: driftItems.length, corrected: driftItems.filter((d) => d.corrected).length, items: driftItems },
      errors,
      convergedRef,
    }), planned.observed);
  } catch (e) {
    const err = e instanceof StageError ? e : new StageError('apply', (e as Error).message);
    const message = redact(err.message);
    log(`error (${err.stage}): ${message}`);
    const error: RunError = { stage: err.stage, ...(err.target ? { target: err.target } : {}), ...(err.app ? { app: err.app } : {}), message };
    return await published(record({ result: 'failure', summary: `failed: ${message.split('\n')[0]}`, errors: [error] }), {});
  } finally {
    await Promise.all([...targets.values()].map((t) => t.close().catch(() => {})));
    runDir?.remove();
    lock.lock.release();
  }
}

interface Planned {
  plan: Plan;
  markdown: string;
  rendered: RenderOutput;
  commits: RunRecord['commits'];
  errors: RunError[];
  dirty: string[];
  observed: Record<string, Observation>;
}

/** The plan of this run: the saved one (checked against HEAD and the targets), or made now on the open targets. */
async function planPhase(o: ConvergeOptions, project: Project, head: string, perApp: Record<string, AppSecrets>, targetFor: (n: string) => Target, log: (l: string) => void): Promise<Planned> {
  const rendered = renderProject(project);
  const targetErrors = (plan: Plan): RunError[] =>
    plan.targets.filter((t) => t.status === 'unknown').map((t) => ({ stage: 'plan', target: t.name, message: `target ${t.name} could not be observed: ${t.error}` }));
  if (o.planPath) {
    // A saved plan is of a commit: the files it deploys are that commit's.
    const dirty = await checkCommitted(o.projectDir, false);
    const plan = JSON.parse(readFileSync(o.planPath, 'utf8')) as Plan;
    const observed: Record<string, Observation> = {};
    const refusal = await checkSavedPlan(plan, head, project, rendered.manifest, targetFor, observed);
    if (refusal) throw new StageError('plan', `refusing the saved plan: ${refusal}; plan again`);
    log(`applying saved plan ${o.planPath}: ${summaryLine(plan)}`);
    return { plan, markdown: markdownAndExit(plan).markdown, rendered, commits: [], errors: targetErrors(plan), dirty, observed };
  }
  const dirty = await checkCommitted(o.projectDir, o.allowDirty);
  const secretsHashes = Object.fromEntries(Object.entries(perApp).map(([k, v]) => [k, v.hash]));
  const run = await runPlan({
    projectDir: o.projectDir,
    repoDir: o.repoDir,
    remote: o.remote,
    full: o.full,
    only: o.only,
    createTarget: (spec) => targetFor(spec.name),
    secretsHashes,
    log,
    loaded: { project, rendered, dirty, targetFor },
  });
  log(`plan: ${summaryLine(run.plan)}`);
  return { plan: run.plan, markdown: run.markdown, rendered, commits: run.changeset.commits, errors: targetErrors(run.plan), dirty, observed: run.observed };
}

/** A saved plan applies only to the commit it was made for and to targets as they were then (observed all at once). */
async function checkSavedPlan(plan: Plan, head: string, project: Project, manifest: Manifest, targetFor: (n: string) => Target, observed: Record<string, Observation>): Promise<string | undefined> {
  const invalid = planSchemaErrors(plan);
  if (invalid) return `not a valid Steward plan.json (${invalid})`;
  if (plan.project !== project.name) return `it is for project ${plan.project}, not ${project.name}`;
  if (plan.dirty?.length) return `it was made with --allow-dirty from files not committed (${plan.dirty.join(', ')})`;
  if (plan.commit !== head) return `it was made for commit ${plan.commit.slice(0, 7)}, but HEAD is ${head.slice(0, 7)}`;
  const gone = Object.keys(plan.observed).find((name) => !project.network.targets[name]);
  if (gone) return `target ${gone} is no longer in network.yml`;
  const moved = await Promise.all(
    Object.entries(plan.observed).map(async ([name, digest]) => {
      const seen = (observed[name] = await targetFor(name).observe({ project: project.name }));
      return observedDigest(seen, manifest) !== digest ? name : undefined;
    }),
  );
  const first = moved.find((m) => m !== undefined);
  return first ? `target ${first} changed since the plan was made` : undefined;
}

async function advanceRef(repo: GitRepo, head: string, remote: string, push: boolean | undefined, log: (l: string) => void, atStart: string | undefined): Promise<RunRecord['convergedRef']> {
  const hasRemote = await repo.hasRemote(remote);
  if (push === false || !hasRemote) {
    await repo.updateLocalRef(CONVERGED_REF, head);
    return { advanced: true, sha: head, reason: hasRemote ? 'local ref only (push disabled)' : 'local ref only (no remote)' };
  }
  try {
    await repo.pushRef(remote, head, CONVERGED_REF, atStart);
    await repo.updateLocalRef(CONVERGED_REF, head);
    log(`${CONVERGED_REF} -> ${head.slice(0, 7)} pushed to ${remote}`);
    return { advanced: true, sha: head };
  } catch (e) {
    if (e instanceof RefRefusedError) return { advanced: false, reason: `not pushed: ${e.message}` };
    if (e instanceof GitCommandError && /stale info/.test(e.gitMessage)) {
      return { advanced: false, reason: `not pushed: ${CONVERGED_REF} on ${remote} moved since this run started (${atStart?.slice(0, 7) ?? 'absent'} then): another run converged meanwhile, and its record stands` };
    }
    return { advanced: false, reason: `could not push ${CONVERGED_REF}: ${(e as Error).message.split('\n')[0]}` };
  }
}
