import type { Plan, PlanStep } from './types';

export const PLAN_MARKER = 'steward:plan';

/** "3 to deploy, 1 to update, 1 to remove, 2 drifted" */
export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.mode === 'skipped') return `nothing to do: ${plan.note}`;
  const parts = [`${s.deploy} to deploy`, `${s.update} to update`, `${s.remove} to remove`];
  if (s.leftovers) parts.push(`${s.leftovers} leftover container${s.leftovers === 1 ? '' : 's'} to remove`);
  parts.push(`${s.drifted} drifted`);
  if (s.held) parts.push(`${s.held} held by settings`);
  if (s.unknownTargets) parts.push(`${s.unknownTargets} target${s.unknownTargets === 1 ? '' : 's'} not observed`);
  return parts.join(', ');
}

/** The plan for people: summary line, a table per target, then per-app detail. */
export function planMarkdown(plan: Plan): string {
  const out: string[] = [];
  const short = plan.commit.slice(0, 7);
  out.push(`### Steward plan for \`${plan.project}\` at ${short}`, '', `**${summaryLine(plan)}**`, '');
  if (plan.from) out.push(`Compared with ${plan.from.slice(0, 7)} (${plan.mode}).${plan.note && plan.mode !== 'skipped' ? ` ${plan.note}.` : ''}`, '');
  else if (plan.mode === 'first-run') out.push('First run: nothing has been converged yet.', '');
  if (plan.dirty?.length) out.push(`**Not committed** (planned with --allow-dirty): ${plan.dirty.map((f) => `\`${f}\``).join(', ')}.`, '');

  for (const t of plan.targets) {
    const steps = plan.steps.filter((s) => s.target === t.name && s.action !== 'prepare');
    const head =
      t.status === 'observed' ? `${t.apps} Steward app${t.apps === 1 ? '' : 's'} observed` : t.status === 'not-observed' ? 'not observed: planned from git alone' : `**not observed**: ${t.error}`;
    out.push(`#### Target \`${t.name}\` (${head})`, '');
    if (t.degraded?.length) out.push(...t.degraded.map((d) => `- **degraded** ${d}`), '');
    if (!steps.length) {
      out.push('No changes.', '');
      continue;
    }
    out.push('| action | app | why |', '| --- | --- | --- |');
    for (const s of steps) out.push(`| ${actionCell(s)} | ${s.app ? `\`${s.app}\`` : `container \`${s.container}\``} | ${escapeCell(s.reasons.map(reasonText).join('; '))} |`);
    out.push('');
  }

  const detailed = plan.steps.filter((s) => s.composeDiff);
  if (detailed.length) {
    out.push('#### Details', '');
    for (const s of detailed) {
      out.push(`<details><summary>${s.action} <code>${s.app}</code> on <code>${s.target}</code>: rendered compose</summary>`, '', '```diff', s.composeDiff!.trimEnd(), '```', '', '</details>', '');
    }
  }

  const errors = plan.targets.filter((t) => t.status === 'unknown');
  if (errors.length) {
    out.push('#### Errors', '');
    for (const t of errors) out.push(`- target \`${t.name}\` could not be observed: ${t.error}`);
    out.push('');
  }
  return out.join('\n');
}

function actionCell(s: PlanStep): string {
  const a = s.held ? `~~${s.action}~~ (${s.held})` : s.action;
  return s.drift ? `${a} ⚠ drift` : a;
}

function reasonText(r: { commit?: string; file?: string; why: string }): string {
  const where = [r.file && `\`${r.file}\``, r.commit && `in ${r.commit}`].filter(Boolean).join(' ');
  return where ? `${r.why} (${where})` : r.why;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
