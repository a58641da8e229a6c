import { readFileSync } from 'node:fs';
import { CONVERGED_REF, GitCommandError, GitRepo, RefRefusedError } from '../git/repo';
import { loadProject } from '../project/load';
import type { Project } from '../project/model';
import { renderProject } from '../render/render';
import { summaryLine } from '../plan/markdown';
import { observedDigest } from '../plan/planner';
import { runPlan } from '../plan/run-plan';
import { markdownAndExit } from '../plan/exit';
import type { Plan } from '../plan/types';
import type { Target, TargetSpec } from '../targets/target';
import { executeSteps } from './execute';
import { stepRunner } from './step-runner';
import { acquireLock } from './lock';
import type { RunRecord } from './run-record';
import { loadAppSecrets } from './secrets';
import { planSchemaErrors } from '../plan/validate-plan';

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
  createTarget: (spec: TargetSpec) => Target;
  log?: (line: string) => void;
  onSecret?: (value: string) => void;
  now?: () => number;
}

/** Lock, decrypt, plan (or load the plan), apply, record. Never throws for a failed app: that is in the record. */
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
  const targetFor = (name: string) => {
    let t = targets.get(name);
    if (!t) targets.set(name, (t = o.createTarget(project.network.targets[name])));
    return t;
  };
  try {
    const convergedAtStart = o.pushRef !== false && (await repo.hasRemote(o.remote ?? 'origin')) ? await repo.remoteRef(o.remote ?? 'origin', CONVERGED_REF) : undefined;
    const { perApp, redactor } = await loadAppSecrets(project, o.identities, o.onSecret ?? (() => {}));
    const secretsHashes = Object.fromEntries(Object.entries(perApp).map(([k, v]) => [k, v.hash]));

    let plan: Plan;
    let markdown: string;
    let commits: RunRecord['commits'] = [];
    let planErrors: string[] = [];
    if (o.planPath) {
      plan = JSON.parse(readFileSync(o.planPath, 'utf8')) as Plan;
      const refusal = await checkSavedPlan(plan, head, project, targetFor);
      if (refusal) throw new Error(`refusing the saved plan: ${refusal}; plan again`);
      ({ markdown, errors: planErrors } = markdownAndExit(plan));
      log(`applying saved plan ${o.planPath}: ${summaryLine(plan)}`);
    } else {
      const run = await runPlan({ projectDir: o.projectDir, repoDir: o.repoDir, remote: o.remote, full: o.full, only: o.only, createTarget: o.createTarget, secretsHashes, log });
      ({ plan, markdown } = run);
      planErrors = run.errors;
      commits = run.changeset.commits;
      log(`plan: ${summaryLine(plan)}`);
    }
    const base = { from: plan.from, commits, plan: { summary: plan.summary, line: summaryLine(plan), markdown: redactor.redact(markdown) } };
    const driftItems = plan.steps.filter((s) => s.drift).map((s) => ({ target: s.target, app: s.app ?? '', drift: s.drift!, corrected: false }));

    if (plan.mode === 'skipped') {
      return record({ ...base, result: 'skipped', summary: `skipped: ${plan.note}`, skippedReason: plan.note });
    }
    if (o.dryRun) {
      return record({ ...base, result: 'dry-run', summary: `dry run: ${summaryLine(plan)}`, drift: { found: driftItems.length, corrected: 0, items: driftItems }, errors: planErrors });
    }

    const rendered = renderProject(project);
    const runner = stepRunner(project, rendered, perApp, targetFor, log);
    const steps = await executeSteps(plan.steps, runner, {
      parallelism: project.converge.parallelism,
      now,
      onDone: (s) => log(`${s.result === 'success' ? 'ok  ' : s.result.toUpperCase().padEnd(4)} ${s.id} (${s.durationMs} ms)${s.result === 'success' ? '' : `: ${redactor.redact(s.message)}`}`),
    });
    for (const s of steps) {
      s.message = redactor.redact(s.message);
      if (s.logs) s.logs = s.logs.map((l) => redactor.redact(l));
    }
    const ok = (id: string) => steps.find((s) => s.id === id)?.result === 'success';
    for (const d of driftItems) d.corrected = plan.steps.some((s) => s.app === d.app && s.target === d.target && ok(s.id));

    const failed = steps.filter((s) => s.result === 'failed' || s.result === 'rolled-back' || s.result === 'skipped');
    const errors = [...planErrors, ...failed.map((s) => `${s.id}: ${s.message}`)].map((e) => redactor.redact(e));
    let convergedRef: RunRecord['convergedRef'];
    if (errors.length) convergedRef = { advanced: false, reason: 'not every step succeeded: the next run redoes what failed' };
    else if (o.only) convergedRef = { advanced: false, reason: `only ${o.only} was converged` };
    else convergedRef = await advanceRef(repo, head, o.remote ?? 'origin', o.pushRef, log, convergedAtStart);

    const applied = steps.filter((s) => s.result === 'success' && s.action !== 'prepare').length;
    return record({
      ...base,
      result: errors.length ? 'failure' : 'success',
      summary: errors.length ? `${failed.length} step(s) failed, ${applied} applied` : applied ? `${applied} step(s) applied: ${summaryLine(plan)}` : 'nothing to do: in sync',
      steps,
      drift: { found: driftItems.length, corrected: driftItems.filter((d) => d.corrected).length, items: driftItems },
      errors,
      convergedRef,
    });
  } catch (e) {
    const message = (e as Error).message;
    log(`error: ${message}`);
    return record({ result: 'failure', summary: `failed: ${message.split('\n')[0]}`, errors: [message] });
  } finally {
    lock.lock.release();
    await Promise.all([...targets.values()].map((t) => t.close().catch(() => {})));
  }
}

/** A saved plan applies only to the commit it was made for and to targets as they were then. */
async function checkSavedPlan(plan: Plan, head: string, project: Project, targetFor: (n: string) => Target): Promise<string | undefined> {
  const invalid = planSchemaErrors(plan);
  if (invalid) return `not a valid Steward plan.json (${invalid})`;
  if (plan.project !== project.name) return `it is for project ${plan.project}, not ${project.name}`;
  if (plan.commit !== head) return `it was made for commit ${plan.commit.slice(0, 7)}, but HEAD is ${head.slice(0, 7)}`;
  for (const [name, digest] of Object.entries(plan.observed)) {
    if (!project.network.targets[name]) return `target ${name} is no longer in network.yml`;
    const now = observedDigest(await targetFor(name).observe({ project: project.name }));
    if (now !== digest) return `target ${name} changed since the plan was made`;
  }
  return undefined;
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
