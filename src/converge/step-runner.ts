import { parse } from 'yaml';
import type { Project } from '../project/model';
import type { RenderOutput } from '../render/render';
import { LABEL_HASH } from '../render/labels';
import type { PlanStep } from '../plan/types';
import type { Target } from '../targets/target';
import { toDeployable } from './deployable';
import type { StepRunner } from './execute';
import type { AppSecrets } from './secrets';

/** What each plan step does to its target: prepare, apply (with rollback), remove. */
export function stepRunner(project: Project, rendered: RenderOutput, perApp: Record<string, AppSecrets>, targetFor: (n: string) => Target, log: (l: string) => void): StepRunner {
  const manifestApp = (name: string) => rendered.manifest.apps.find((a) => a.name === name);
  return async (step: PlanStep) => {
    const target = targetFor(step.target);
    if (step.action === 'prepare') {
      const apps = rendered.manifest.apps.filter((a) => a.target === step.target && a.state === 'present').map((a) => a.name);
      const r = await target.prepare(project.name, apps);
      return r.ok ? { result: 'success', message: `engine ${r.engineVersion ?? '?'}, compose ${r.composeVersion ?? '?'}${r.engineVia ? ` (via ${r.engineVia})` : ''}` } : { result: 'failed', message: r.problems.join('; ') };
    }
    if (step.action === 'remove-leftover') {
      const ids = step.containers ?? [];
      const r = await target.removeContainers(ids);
      // Corrected only when seen gone: a removal that did nothing is not reported as done.
      if (r.remaining.length) return { result: 'failed', message: `container ${step.container} is still there after docker rm (${r.remaining.map((i) => i.slice(0, 12)).join(', ')})` };
      return { result: 'success', message: `removed container ${step.container} (${ids.map((i) => i.slice(0, 12)).join(', ')})` };
    }
    if (step.action === 'remove') {
      const m = manifestApp(step.app!);
      await target.remove({ project: project.name, app: step.app!, purge: m?.state === 'absent' && m.purge });
      return { result: 'success', message: 'removed' };
    }
    const m = manifestApp(step.app!);
    if (!m) return { result: 'failed', message: `app ${step.app} is not in the project any more` };
    const app = toDeployable(project, rendered, m, perApp[m.name]);
    const r = await target.apply(app);
    if (r.ok) return { result: 'success', message: r.message };
    // Keep the previous version serving: re-apply what ran before, or leave nothing half-deployed.
    const previous = await target.previousCompose(app).catch(() => undefined);
    if (previous) {
      log(`rolling back ${step.app} on ${step.target} to the previous compose`);
      const back = await target.apply({ ...app, compose: previous, hash: hashOf(previous) ?? app.hash });
      return { result: 'rolled-back', message: `${r.message}; rolled back to the previous version (${back.ok ? 'serving' : `rollback failed too: ${back.message}`})`, logs: r.logs };
    }
    await target.remove(app).catch(() => {});
    return { result: 'failed', message: `${r.message}; removed the new app (no previous version to keep)`, logs: r.logs };
  };
}

function hashOf(composeText: string): string | undefined {
  const doc = parse(composeText) as { services?: Record<string, { labels?: Record<string, string> }> };
  for (const svc of Object.values(doc?.services ?? {})) if (svc?.labels?.[LABEL_HASH]) return svc.labels[LABEL_HASH];
  return undefined;
}
