import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { condition, interpolate, type ExprContext } from './expressions';

interface CompositeStep {
  id?: string;
  name?: string;
  if?: string;
  shell: string;
  run: string;
  env?: Record<string, string>;
}

export interface StepResult {
  id?: string;
  skipped: boolean;
  code: number;
  outputs: Record<string, string>;
  log: string;
}

/**
 * Runs a composite action.yml the way forgejo-runner runs one in host mode:
 * inputs (with their defaults) as the `inputs` context, each step's `if:`,
 * `env:` and `run:` interpolated, run with `bash -e {0}`, a GITHUB_OUTPUT file
 * per step whose values feed `steps.<id>.outputs`.
 */
export function runComposite(opts: {
  actionDir: string;
  inputs: Record<string, string>;
  github: Record<string, unknown>;
  env: Record<string, string>;
  until?: string;
}): StepResult[] {
  const action = parse(readFileSync(join(opts.actionDir, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { steps: CompositeStep[] };
  };
  const tmp = mkdtempSync(join(tmpdir(), 'steward-composite-'));
  const github = { ...opts.github, action_path: opts.actionDir };
  const defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, interpolate(v.default ?? '', { github })]));
  const ctx: ExprContext & { steps: Record<string, { outputs: Record<string, string> }> } = { inputs: { ...defaults, ...opts.inputs }, github, steps: {}, status: 'success' };
  const results: StepResult[] = [];
  for (const [n, step] of action.runs.steps.entries()) {
    if (!condition(step.if, ctx)) {
      results.push({ id: step.id, skipped: true, code: 0, outputs: {}, log: '' });
      if (step.id) ctx.steps[step.id] = { outputs: {} };
      continue;
    }
    const outputFile = join(tmp, `output-${n}`);
    writeFileSync(outputFile, '');
    const script = join(tmp, `step-${n}.sh`);
    writeFileSync(script, interpolate(step.run, ctx));
    const env: Record<string, string> = { ...opts.env, GITHUB_OUTPUT: outputFile, GITHUB_ACTION_PATH: opts.actionDir };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(String(v), ctx);
    const r = spawnSync(step.shell, ['--noprofile', '--norc', '-eo', 'pipefail', script], { env, encoding: 'utf8', cwd: opts.env.GITHUB_WORKSPACE });
    const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
    results.push({ id: step.id, skipped: false, code: r.status ?? 1, outputs, log: `${r.stdout}${r.stderr}` });
    if (step.id) ctx.steps[step.id] = { outputs };
    if (r.status !== 0) ctx.status = 'failure';
    if (step.id !== undefined && step.id === opts.until) break;
  }
  return results;
}

/** GITHUB_OUTPUT lines: `name=value` or `name<<DELIMITER` … `DELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}
