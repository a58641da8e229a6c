import { orderSteps } from '../plan/order';
import type { PlanStep } from '../plan/types';

export type StepResult = 'success' | 'failed' | 'rolled-back' | 'skipped' | 'held';

export interface StepOutcome {
  id: string;
  action: PlanStep['action'];
  target: string;
  app?: string;
  result: StepResult;
  message: string;
  durationMs: number;
  logs?: string[];
}

/** Results a dependant may run after. */
const DONE_OK = new Set<StepResult>(['success', 'held']);

export type StepRunner = (step: PlanStep) => Promise<Omit<StepOutcome, 'id' | 'action' | 'target' | 'app' | 'durationMs'>>;

/**
 * Runs steps as their `after` links allow, at most `parallelism` at once per
 * target. A failed step does not stop independent steps; steps that wait on
 * it are skipped with the reason. A held step is report-only: what it would
 * have changed is still there as it was, so steps after it run.
 * Throws StepOrderError, before running anything, when the links cannot be ordered.
 */
export async function executeSteps(steps: PlanStep[], run: StepRunner, opts: { parallelism: number; onDone?: (o: StepOutcome) => void; now?: () => number }): Promise<StepOutcome[]> {
  const now = opts.now ?? Date.now;
  const outcomes = new Map<string, StepOutcome>();
  const running = new Map<string, number>(); // per target
  const started = new Set<string>();
  orderSteps(steps);
  const finish = (o: StepOutcome) => {
    outcomes.set(o.id, o);
    try {
      opts.onDone?.(o);
    } catch (e) {
      o.message = `${o.message} (reporting the step failed: ${(e as Error).message})`;
    }
  };
  const base = (s: PlanStep) => ({ id: s.id, action: s.action, target: s.target, app: s.app });

  for (const s of steps) {
    if (s.held) {
      started.add(s.id);
      finish({ ...base(s), result: 'held', message: s.held, durationMs: 0 });
    }
  }

  await new Promise<void>((resolveAll) => {
    const pump = () => {
      for (const s of steps) {
        if (started.has(s.id)) continue;
        const deps = s.after;
        const blocked = deps.find((a) => outcomes.has(a) && !DONE_OK.has(outcomes.get(a)!.result));
        if (blocked) {
          started.add(s.id);
          finish({ ...base(s), result: 'skipped', message: `skipped: ${blocked} ${outcomes.get(blocked)!.result}`, durationMs: 0 });
          continue;
        }
        if (!deps.every((a) => outcomes.has(a))) continue;
        if ((running.get(s.target) ?? 0) >= opts.parallelism) continue;
        started.add(s.id);
        running.set(s.target, (running.get(s.target) ?? 0) + 1);
        const t0 = now();
        // A runner that throws before it returns a promise fails its step like one that rejects.
        Promise.resolve()
          .then(() => run(s))
          .catch((e: Error) => ({ result: 'failed' as const, message: e.message }))
          .then((r) => {
            running.set(s.target, running.get(s.target)! - 1);
            finish({ ...base(s), ...r, durationMs: now() - t0 });
            pump();
          });
      }
      if (outcomes.size === steps.length) resolveAll();
    };
    pump();
  });
  return steps.map((s) => outcomes.get(s.id)!);
}
