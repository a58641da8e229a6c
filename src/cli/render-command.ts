import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runRender } from '../render/run-render';
import type { CliIO } from './io';

export async function renderCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { project: { type: 'string', short: 'p', default: '.' }, check: { type: 'boolean', default: false } } });
  const dir = resolve(io.cwd, values.project!);
  const started = Date.now();
  const r = runRender(dir, { check: values.check });
  const ms = Date.now() - started;
  if (values.check) {
    if (!r.changed) {
      io.stdout(`rendered/ is up to date (${r.apps} apps, ${ms} ms)`);
      return 0;
    }
    io.stderr(['rendered/ is stale; run `steward render` and commit the result. Stale files:', ...r.written.map((f) => `  changed  ${f}`), ...r.deleted.map((f) => `  extra    ${f}`)].join('\n'));
    return 1;
  }
  if (!r.changed) io.stdout(`rendered/ unchanged (${r.apps} apps, ${ms} ms)`);
  else io.stdout([`rendered ${r.apps} apps in ${ms} ms:`, ...r.written.map((f) => `  wrote    ${f}`), ...r.deleted.map((f) => `  deleted  ${f}`)].join('\n'));
  return 0;
}
