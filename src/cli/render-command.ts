import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runRender, type RenderRun } from '../render/run-render';
import type { CliIO } from './io';
import { UsageError } from './help';
import { STEWARD_VERSION } from '../version';

export async function renderCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string', short: 'p', default: '.' },
      check: { type: 'boolean', default: false },
      commit: { type: 'boolean', default: false },
      push: { type: 'boolean', default: false },
      remote: { type: 'string', default: 'origin' },
    },
  });
  const dir = resolve(io.cwd, values.project!);
  if (values.check && (values.commit || values.push)) throw new UsageError('--check only compares; it cannot be combined with --commit or --push');
  if (values.push && !values.commit) throw new UsageError('--push pushes the commit that --commit makes: give both');
  const started = Date.now();
  if (values.commit) {
    // Loaded only here: plain `steward render` stays free of git.
    const [{ GitRepo }, { renderAndCommit }] = await Promise.all([import('../git/repo'), import('../render/commit-rendered')]);
    const branchRef = values.push ? await new GitRepo(dir).branchRef() : undefined;
    if (values.push && !branchRef) throw new Error('--push needs a checked-out branch (HEAD is detached)');
    const r = await renderAndCommit(dir, { version: STEWARD_VERSION, push: branchRef ? { remote: values.remote!, branchRef } : undefined });
    if (!r.commit) io.stdout(`rendered/ is up to date (${r.apps} apps, ${Date.now() - started} ms): nothing to commit`);
    else io.stdout([`committed ${r.commit.slice(0, 12)} (converge: re-render)${r.pushed ? ` and pushed it to ${values.remote} ${branchRef}` : ''}:`, ...files(r)].join('\n'));
    return 0;
  }
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
  else io.stdout([`rendered ${r.apps} apps in ${ms} ms:`, ...files(r)].join('\n'));
  return 0;
}

function files(r: Pick<RenderRun, 'written' | 'deleted'>): string[] {
  return [...r.written.map((f) => `  wrote    ${f}`), ...r.deleted.map((f) => `  deleted  ${f}`)];
}
