import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runPlan } from '../plan/run-plan';
import { savePlan } from '../plan/save';
import { summaryLine } from '../plan/markdown';
import type { CliIO } from './io';
import { createTarget } from './targets';

export async function planCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string', short: 'p', default: '.' },
      base: { type: 'string' },
      full: { type: 'boolean', default: false },
      app: { type: 'string' },
      out: { type: 'string' },
      'no-observe': { type: 'boolean', default: false },
      'allow-dirty': { type: 'boolean', default: false },
    },
  });
  const run = await runPlan({
    projectDir: resolve(io.cwd, values.project!),
    base: values.base,
    full: values.full,
    only: values.app,
    observe: !values['no-observe'],
    allowDirty: values['allow-dirty'],
    createTarget,
    log: (l) => io.stderr(l),
  });
  if (values.out) savePlan(run.plan, run.markdown, resolve(io.cwd, values.out));
  io.stdout(run.markdown);
  for (const e of run.errors) io.stderr(`error: ${e}`);
  io.stderr(`plan: ${summaryLine(run.plan)} (exit ${run.exitCode})`);
  return run.exitCode;
}
