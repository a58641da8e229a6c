import type { RunRecord } from '../converge/run-record';

const ICON: Record<RunRecord['result'], string> = { success: '✅', failure: '❌', skipped: '⏭️', 'dry-run': '📝' };

/** The RunRecord for people: headline, steps, drift, errors, then the plan it applied. */
export function runMarkdown(r: RunRecord): string {
  const out: string[] = [];
  out.push(`### ${ICON[r.result]} Steward converge \`${r.project}\` at ${r.commit.slice(0, 7)}: ${r.result}`, '');
  out.push(`**${r.summary}**`, '');
  out.push(`Trigger: ${r.trigger}, run ${r.runId}, ${(r.durationMs / 1000).toFixed(1)} s${r.from ? `, compared with ${r.from.slice(0, 7)}` : ''}.`);
  if (r.drift.found) out.push(`Drift: ${r.drift.found} found, ${r.drift.corrected} corrected.`);
  out.push(r.convergedRef.advanced ? `Converged commit recorded: ${r.convergedRef.sha?.slice(0, 7)}.` : `Converged commit not advanced${r.convergedRef.reason ? `: ${r.convergedRef.reason}` : ''}.`, '');

  if (r.steps.length) {
    out.push('| step | result | time | note |', '| --- | --- | --- | --- |');
    for (const s of r.steps) out.push(`| \`${s.id}\` | ${s.result} | ${(s.durationMs / 1000).toFixed(1)} s | ${cell(s.message)} |`);
    out.push('');
  }
  if (r.drift.items.length) {
    out.push('#### Drift', '');
    for (const d of r.drift.items) out.push(`- ${d.container ? `container \`${d.container}\`` : `\`${d.app}\``} on \`${d.target}\`: ${d.drift} (${d.corrected ? 'corrected' : 'not corrected'})`);
    out.push('');
  }
  const withLogs = r.steps.filter((s) => s.logs?.length);
  for (const s of withLogs) out.push(`<details><summary>last log lines of <code>${s.app}</code></summary>`, '', '```', ...s.logs!.slice(-30), '```', '', '</details>', '');
  if (r.plan) out.push('<details><summary>Plan</summary>', '', r.plan.markdown, '', '</details>', '');
  if (r.errors.length) {
    out.push('#### Errors', '');
    for (const e of r.errors) out.push(`- ${e.stage}${e.target ? ` \`${e.target}\`` : ''}: ${e.message.split('\n')[0]}`);
    out.push('');
  }
  return out.join('\n');
}

export function commitState(r: RunRecord): 'success' | 'failure' {
  return r.result === 'failure' ? 'failure' : 'success';
}

/** Worth a notification: something failed, changed, or drifted (not every quiet 5-minute run). */
export function worthNotifying(r: RunRecord): boolean {
  return r.result === 'failure' || r.drift.found > 0 || r.steps.some((s) => s.result === 'success' && s.action !== 'prepare');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 300);
}
