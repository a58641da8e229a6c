import type { PlanStep } from '../plan/types';
import type { StepOutcome, StepResult } from './execute';

const LABEL: Record<StepResult, string> = { success: 'ok', failed: 'FAIL', 'rolled-back': 'BACK', skipped: 'SKIP', held: 'HELD' };
// Green, red, yellow, dim: only when a person watches a terminal.
const COLOUR: Record<StepResult, string> = { success: '32', failed: '31', 'rolled-back': '33', skipped: '2', held: '2' };

/**
 * One line per finished step, in columns sized for the plan's steps:
 * `ok    update   web   @t1   2.3 s`, then what went wrong for any other
 * result. Pure: colour only when asked (a TTY), never in an action's log.
 */
export function stepLineFormatter(steps: PlanStep[], opts: { colour: boolean }): (o: StepOutcome, redact?: (s: string) => string) => string {
  const subject = (s: { app?: string; id: string; action: string }) => s.app ?? (s.action === 'prepare' ? '-' : s.id.slice(s.id.indexOf('/') + 1));
  const width = (f: (s: PlanStep) => string) => Math.max(0, ...steps.map((s) => f(s).length));
  const wAction = width((s) => s.action);
  const wApp = width(subject);
  const wTarget = width((s) => s.target) + 1;
  return (o, redact = (s) => s) => {
    const label = LABEL[o.result].padEnd(6);
    const head = opts.colour ? `\x1b[${COLOUR[o.result]}m${label}\x1b[0m` : label;
    const line = `${head}${o.action.padEnd(wAction)}   ${subject(o).padEnd(wApp)}   ${`@${o.target}`.padEnd(wTarget)}   ${(o.durationMs / 1000).toFixed(1)} s`;
    return o.result === 'success' ? line : `${line}   ${redact(o.message)}`;
  };
}
