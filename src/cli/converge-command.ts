import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { runConverge } from '../converge/run-converge';
import { defaultStateDir, identitiesFrom } from '../converge/identities';
import { canonicalJson } from '../render/canonical';
import { parseDuration } from '../project/model';
import type { CliIO } from './io';
import { createTarget } from './targets';

export async function convergeCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string', short: 'p', default: '.' },
      plan: { type: 'string' },
      app: { type: 'string' },
      full: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      out: { type: 'string' },
      'lock-timeout': { type: 'string' },
      'no-push': { type: 'boolean', default: false },
    },
  });
  const record = await runConverge({
    projectDir: resolve(io.cwd, values.project!),
    planPath: values.plan && resolve(io.cwd, values.plan),
    only: values.app,
    full: values.full,
    dryRun: values['dry-run'],
    identities: identitiesFrom(undefined, io.env),
    stateDir: defaultStateDir(io.env),
    runId: io.env.STEWARD_RUN_ID || `cli-${randomUUID().slice(0, 8)}`,
    trigger: 'cli',
    lockWaitMs: values['lock-timeout'] === undefined ? undefined : parseDuration(values['lock-timeout'], '--lock-timeout'),
    pushRef: values['no-push'] ? false : undefined,
    createTarget,
    log: (l) => io.stderr(l),
  });
  if (values.out) {
    const out = resolve(io.cwd, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, canonicalJson(record, 2) + '\n');
  }
  io.stdout(`${record.result}: ${record.summary}`);
  for (const e of record.errors) io.stderr(`error: ${e}`);
  return record.result === 'failure' ? 1 : 0;
}
