import type { ChangeSet } from '../diff/changeset';
import { runDiff, type DiffOptions } from '../diff/run-diff';
import { GitRepo } from '../git/repo';
import { loadProject } from '../project/load';
import type { Project } from '../project/model';
import { renderProject, type RenderOutput } from '../render/render';
import type { Target, TargetSpec } from '../targets/target';
import { checkCommitted } from './committed';
import { markdownAndExit } from './exit';
import { buildPlan, type Observation } from './planner';
import { unifiedDiff } from './text-diff';
import type { Plan } from './types';

export interface PlanOptions extends DiffOptions {
  only?: string;
  /** false: do not contact the targets (plan from git alone; every target reads "not observed"). */
  observe?: boolean;
  createTarget: (spec: TargetSpec) => Target;
  secretsHashes?: Record<string, string>;
  /** Plan a working tree whose project files differ from HEAD (the plan says so). */
  allowDirty?: boolean;
  /**
   * Converge's own: the project it loaded and rendered, the files it found
   * uncommitted, and its open targets (observed here, closed by converge), so
   * that a run loads once and opens one connection per target.
   */
  loaded?: { project: Project; rendered: RenderOutput; dirty: string[]; targetFor: (name: string) => Target };
}

export interface PlanRun {
  project: Project;
  changeset: ChangeSet;
  plan: Plan;
  markdown: string;
  /** terraform plan -detailed-exitcode: 0 nothing to do, 2 changes, 1 error (a target not observed). */
  exitCode: 0 | 1 | 2;
  errors: string[];
  /** Project files that differ from HEAD (only with allowDirty). */
  dirty: string[];
  /** Each target as observed for this plan (empty when not observed). */
  observed: Record<string, Observation>;
}

/** Diff, observe every target at once, and plan. */
export async function runPlan(opts: PlanOptions): Promise<PlanRun> {
  const log = opts.log ?? (() => {});
  const dirty = opts.loaded?.dirty ?? (await checkCommitted(opts.projectDir, opts.allowDirty));
  const project = opts.loaded?.project ?? loadProject(opts.projectDir);
  const rendered = opts.loaded?.rendered ?? renderProject(project);
  // Observing needs no diff: start the SSH connections now, while git works.
  const observing = opts.observe === false ? Promise.resolve({}) : observeAll(project, opts.loaded ? (spec) => opts.loaded!.targetFor(spec.name) : opts.createTarget, !opts.loaded, log);
  const changeset = await runDiff({ ...opts, manifest: rendered.manifest });
  log(`diff: ${changeset.mode}${changeset.from ? ` from ${changeset.from.slice(0, 7)}` : ''} to ${changeset.to.slice(0, 7)}, ${changeset.apps.length} app(s) changed${changeset.note ? ` (${changeset.note})` : ''}`);
  const observed = await observing;

  const plan = buildPlan({
    manifest: rendered.manifest,
    changeset,
    observed: changeset.mode === 'skipped' ? {} : observed,
    settings: { selfHeal: project.converge.selfHeal, prune: project.converge.prune },
    secretsHashes: opts.secretsHashes,
    only: opts.only,
  });
  // Diffs only for the apps that change: one `git show` per step, not per app.
  const repo = new GitRepo(opts.repoDir ?? opts.projectDir);
  const prefix = await repo.prefixOf(opts.projectDir);
  for (const step of plan.steps) {
    const app = rendered.manifest.apps.find((a) => a.name === step.app);
    if (!app?.compose || step.action === 'remove' || step.action === 'prepare') continue;
    const after = rendered.files.get(app.compose) ?? '';
    const before = changeset.from ? ((await repo.show(changeset.from, prefix + app.compose)) ?? '') : '';
    const from = changeset.from ? `${app.compose} @ ${changeset.from.slice(0, 7)}` : '/dev/null';
    step.composeDiff = unifiedDiff(before, after, { from, to: `${app.compose} @ ${changeset.to.slice(0, 7)}` }) || undefined;
  }
  if (changeset.mode === 'skipped') plan.targets = [];
  if (dirty.length) plan.dirty = dirty;
  return { project, changeset, plan, dirty, observed, ...markdownAndExit(plan) };
}

/**
 * Every target at once; a target that cannot be observed becomes an error
 * entry, never a throw. Targets it creates it closes (`own`); open ones handed
 * in stay open for the caller.
 */
async function observeAll(project: Project, targetOf: (spec: TargetSpec) => Target, own: boolean, log: (l: string) => void): Promise<Record<string, Observation>> {
  const observed: Record<string, Observation> = {};
  await Promise.all(
    Object.values(project.network.targets).map(async (spec) => {
      const started = Date.now();
      const target = targetOf(spec);
      try {
        const o = await target.observe({ project: project.name });
        observed[spec.name] = o;
        log(`observe ${spec.name}: ${o.apps.length} app(s) in ${Date.now() - started} ms`);
      } catch (e) {
        observed[spec.name] = { target: spec.name, error: (e as Error).message };
        log(`observe ${spec.name}: FAILED: ${(e as Error).message}`);
      } finally {
        if (own) await target.close().catch(() => {});
      }
    }),
  );
  return observed;
}
