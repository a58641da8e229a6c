import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runDiff } from '../diff/run-diff';
import { saveChangeSet } from '../plan/save';
import type { CliIO } from './io';

export async function diffCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { project: { type: 'string', short: 'p', default: '.' }, base: { type: 'string' }, full: { type: 'boolean', default: false }, out: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const cs = await runDiff({ projectDir: resolve(io.cwd, values.project!), base: values.base, full: values.full, log: (l) => io.stderr(l) });
  if (values.out) saveChangeSet(cs, resolve(io.cwd, values.out));
  if (values.json) {
    io.stdout(JSON.stringify(cs, null, 2));
    return 0;
  }
  io.stdout(`${cs.mode}${cs.from ? ` ${cs.from.slice(0, 7)}..${cs.to.slice(0, 7)}` : ` at ${cs.to.slice(0, 7)}`}${cs.note ? `: ${cs.note}` : ''}`);
  for (const a of cs.apps) io.stdout(`  ${a.change.padEnd(8)} ${a.name} (${a.target}): ${a.reasons.map((r) => r.why + (r.commit ? ` in ${r.commit}` : '')).join('; ')}`);
  for (const t of cs.targets) io.stdout(`  target   ${t.name} ${t.change}`);
  for (const c of cs.conventions) io.stdout(`  convention ${c.name} changed`);
  return 0;
}
