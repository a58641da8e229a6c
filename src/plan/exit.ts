import { planMarkdown } from './markdown';
import { hasChanges } from './planner';
import type { Plan } from './types';

export function markdownAndExit(plan: Plan): { markdown: string; exitCode: 0 | 1 | 2; errors: string[] } {
  const errors = plan.targets.filter((t) => t.status === 'unknown').map((t) => `target ${t.name} could not be observed: ${t.error}`);
  return { markdown: planMarkdown(plan), exitCode: errors.length ? 1 : hasChanges(plan) ? 2 : 0, errors };
}
