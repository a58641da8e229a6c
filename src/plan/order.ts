import type { PlanStep } from './types';

/**
 * Fills `after` so that a dependency is applied before its dependants and
 * removed after them; every app step waits for its target's prepare step.
 */
export function linkSteps(steps: PlanStep[], dependsOn: Map<string, string[]>): PlanStep[] {
  const byApp = new Map<string, PlanStep>();
  for (const s of steps) if (s.app && s.action !== 'prepare' && s.action !== 'sync-files') byApp.set(s.app, s);
  // An app's live dirs are written before a new release of it mounts them.
  const sync = new Map(steps.filter((s) => s.action === 'sync-files').map((s) => [s.app!, s.id]));
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
      if (s.action !== 'sync-files' && sync.has(s.app!)) after.add(sync.get(s.app!)!);
      for (const dep of dependsOn.get(s.app!) ?? []) {
        const d = byApp.get(dep);
        if (d && d.action !== 'remove') after.add(d.id);
      }
    }
    s.after = [...after].sort();
  }
  return orderSteps(steps);
}

export class StepOrderError extends Error {
  override name = 'StepOrderError';
}

/**
 * Topological order that keeps the original order wherever dependencies allow.
 * The one check of `after` links for the planner, a saved plan and converge:
 * unique ids, links to steps of the plan only, no cycle.
 */
export function orderSteps(steps: PlanStep[]): PlanStep[] {
  const byId = new Map<string, PlanStep>();
  for (const s of steps) {
    if (byId.has(s.id)) throw new StepOrderError(`two steps have the id ${s.id}`);
    byId.set(s.id, s);
  }
  for (const s of steps) for (const a of s.after) if (!byId.has(a)) throw new StepOrderError(`step ${s.id} waits for ${a}, which is not a step of the plan`);
  const done = new Set<string>();
  const out: PlanStep[] = [];
  const pending = [...steps];
  while (pending.length) {
    const i = pending.findIndex((s) => s.after.every((a) => done.has(a)));
    if (i < 0) throw new StepOrderError(`dependency cycle among steps: ${cycleFrom(pending[0], byId, done).join(' -> ')}`);
    const [s] = pending.splice(i, 1);
    out.push(s);
    done.add(s.id);
  }
  return out;
}

/** Every pending step waits on another pending one, so following the waits from any of them comes back round. */
function cycleFrom(start: PlanStep, byId: Map<string, PlanStep>, done: Set<string>): string[] {
  const path: string[] = [];
  let s = start;
  while (!path.includes(s.id)) {
    path.push(s.id);
    s = byId.get(s.after.find((a) => !done.has(a))!)!;
  }
  return [...path.slice(path.indexOf(s.id)), s.id];
}
