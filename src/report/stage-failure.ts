// A stage that failed before there was a plan or a RunRecord (broken YAML, a
// schema violation, an unknown base commit): what report publishes instead, so
// that the pull request comment and the commit status say what to fix.
import type { Diagnostic } from '../project/diagnostics';

export interface StageFailure {
  schema: 1;
  stage: 'render' | 'diff' | 'plan';
  /** The run that failed: report ignores a file another run left in a reused workspace. */
  runId: string;
  /** The project's name when project.yml could still be read: it keys the sticky comment. */
  project?: string;
  commit?: string;
  message: string;
  diagnostics: Diagnostic[];
}

/** Where the render, diff and plan actions leave it, relative to the workspace. */
export const FAILURE_FILE = '.steward/failure.json';

const MAX_ROWS = 100;

export function failureMarkdown(f: StageFailure): string {
  const out: string[] = [];
  out.push(`### ❌ Steward \`${f.stage}\` failed${f.project ? ` for \`${f.project}\`` : ''}${f.commit ? ` at ${f.commit.slice(0, 7)}` : ''}: nothing was planned or applied`, '');
  if (f.diagnostics.length) {
    out.push(`**${f.diagnostics.length} problem${f.diagnostics.length === 1 ? '' : 's'} in the project.**`, '');
    out.push('| file | line | key | problem |', '| --- | --- | --- | --- |');
    for (const d of f.diagnostics.slice(0, MAX_ROWS)) {
      out.push(`| \`${cell(d.file)}\` | ${d.line ? `${d.line}:${d.column}` : ''} | ${d.key ? `\`${cell(d.key)}\`` : ''} | ${cell(d.message)} |`);
    }
    if (f.diagnostics.length > MAX_ROWS) out.push('', `…and ${f.diagnostics.length - MAX_ROWS} more; \`steward render\` lists them all.`);
  } else {
    out.push('```', f.message.trim(), '```');
  }
  out.push('', 'Fix it and push again: this comment and the commit status follow the next run.', '');
  return out.join('\n');
}

/** One line for the commit status (Forgejo shows a short description). */
export function failureSummary(f: StageFailure): string {
  const d = f.diagnostics[0];
  const first = d ? `${d.file}${d.line ? `:${d.line}` : ''} ${d.message}` : f.message.split('\n')[0]!;
  const more = f.diagnostics.length > 1 ? ` (+${f.diagnostics.length - 1} more)` : '';
  const text = `${f.stage} failed: ${first}${more}`;
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').replace(/`/g, "'").slice(0, 300);
}
