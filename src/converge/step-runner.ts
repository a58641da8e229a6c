import type { Project } from '../project/model';
import type { RenderOutput } from '../render/render';
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
      return r.ok ? { result: 'success', message: `engine ${r.engineVersion ?? '?'}, compose ${r.composeVersion ?? '?'}${r.engineVia ? ` (via ${r.engineVia})` : ''}${r.notes?.length ? `; ${r.notes.join('; ')}` : ''}` } : { result: 'failed', message: r.problems.join('; ') };
    }
    if (step.action === 'remove-leftover') {
      const ids = step.containers ?? [];
      const r = await target.removeContainers(ids);
      // Corrected only when seen gone: a removal that did nothing is not reported as done.
      if (r.remaining.length) return { result: 'failed', message: `container ${step.container} is still there after docker rm (${r.remaining.map((i) => i.slice(0, 12)).join(', ')})` };
      return { result: 'success', message: `removed container ${step.container} (${ids.map((i) => i.slice(0, 12)).join(', ')})` };
    }
    if (step.action === 'sync-files') {
      const m = manifestApp(step.app!);
      if (!m) return { result: 'failed', message: `app ${step.app} is not in the project any more` };
      const done: string[] = [];
      for (const l of (m.live ?? []).filter((x) => !step.dirs || step.dirs.includes(x.dir))) {
        const files = l.files.map((f) => {
          const text = rendered.files.get(f.from);
          if (text === undefined) throw new Error(`${f.from} is missing from the render output`);
          return { path: f.to, content: Buffer.from(text) };
        });
        const r = await target.syncFiles({ project: project.name, app: m.name }, l.dir, files, l.reload ? { reload: l.reload } : {});
        const sent = r.reloaded ? `, ${l.reload} sent to ${r.reloaded.length} container${r.reloaded.length === 1 ? '' : 's'}` : '';
        done.push(`${l.dir}/ ${r.changed ? `written (${files.length} file${files.length === 1 ? '' : 's'})${sent}` : 'already as wanted'}`);
      }
      return { result: 'success', message: done.join('; ') || 'no live dirs' };
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
    // Keep the previous release serving (its compose, files, secrets and hash), or leave nothing half-deployed.
    const back = await target.rollback(app).catch((e: Error) => ({ ok: false, message: e.message }));
    if (back) {
      log(`rolled back ${step.app} on ${step.target} to its current release`);
      return { result: 'rolled-back', message: `${r.message}; rolled back to the previous release (${back.ok ? 'serving' : `rollback failed too: ${back.message}`})`, logs: r.logs };
    }
    await target.remove(app).catch(() => {});
    return { result: 'failed', message: `${r.message}; removed the new app (no previous release to keep)`, logs: r.logs };
  };
}
