import type { PlanStep } from './types';

/**
 * Fills `after` so that a dependency is applied before its dependants and
 * removed after them; every app step waits for its target's prepare step.
 */
export function linkSteps(steps: PlanStep[], dependsOn: Map<string, string[]>): PlanStep[] {
  const byApp = new Map<string, PlanStep>();
  for (const s of steps) if (s.app && s.action !== 'prepare') byApp.set(s.app, s);
  const prepare = new Map(steps.filter((s) => s.action === 'prepare').map((s) => [s.target, s.id]));
  for (const s of steps) {
    if (s.action === 'prepare' || s.action === 'remove-leftover') continue;
    const after = new Set<string>();
    const p = prepare.get(s.target);
    if (p && s.action !== 'remove') after.add(p);
    if (s.action === 'remove') {
      // Removal in reverse: wait for the removal of every app that depended on this one.
      for (const [app, deps] of dependsOn) {
        const dependant = byApp.get(app);
        if (dependant && dependant.action === 'remove' && deps.includes(s.app!)) after.add(dependant.id);
      }
    } else {
      for (const dep of dependsOn.get(s.app!) ?? []) {
        const d = byApp.get(dep);
        if (d && d.action !== 'remove') after.add(d.id);
      }
    }
    s.after = [...after].sort();
  }
  return topoSort(steps);
}

/** Topological order that keeps the original order wherever dependencies allow. */
export function topoSort(steps: PlanStep[]): PlanStep[] {
  const done = new Set<string>();
  const ids = new Set(steps.map((s) => s.id));
  const out: PlanStep[] = [];
  const pending = [...steps];
  while (pending.length) {
    const i = pending.findIndex((s) => s.after.every((a) => done.has(a) || !ids.has(a)));
    if (i < 0) throw new Error(`dependency cycle among steps: ${pending.map((s) => s.id).join(', ')}`);
    const [s] = pending.splice(i, 1);
    out.push(s);
    done.add(s.id);
  }
  return out;
}
