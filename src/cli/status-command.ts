import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadProject } from '../project/load';
import { renderProject } from '../render/render';
import { buildStatus, formatStatus, type ConvergedCommit, type TargetObservation } from '../status/status';
import type { Target, TargetSpec } from '../targets/target';
import type { CliIO } from './io';
import { createTarget } from './targets';

export const STATUS_OPTIONS = {
  project: { type: 'string', short: 'p', default: '.' },
  json: { type: 'boolean', default: false },
} as const;

/** Observes, never changes: safe to run any time, next to a converge. */
export async function statusCommand(argv: string[], io: CliIO): Promise<number> {
  const create = (spec: TargetSpec): Target => createTarget(spec, io.env);
  const { values } = parseArgs({ args: argv, options: STATUS_OPTIONS });
  const dir = resolve(io.cwd, values.project);
  const project = loadProject(dir);
  const { manifest } = renderProject(project);
  const [observed, converged] = await Promise.all([observeAll(Object.values(project.network.targets), project.name, create), convergedCommit(dir)]);
  const status = buildStatus(manifest, observed, converged);
  io.stdout(values.json ? JSON.stringify(status, null, 2) : formatStatus(status));
  return status.exitCode;
}

/** Each target observed once, all at once; a failure is that target's entry, never a throw. */
async function observeAll(specs: TargetSpec[], project: string, create: (spec: TargetSpec) => Target): Promise<Record<string, TargetObservation>> {
  const out: Record<string, TargetObservation> = {};
  await Promise.all(
    specs.map(async (spec) => {
      const target = create(spec);
      try {
        out[spec.name] = await target.observe({ project });
      } catch (e) {
        out[spec.name] = { target: spec.name, error: (e as Error).message };
      } finally {
        await target.close().catch(() => {});
      }
    }),
  );
  return out;
}

/** refs/steward/converged, fetched from origin when there is one, else the local ref; null outside git or before the first converge. */
async function convergedCommit(dir: string): Promise<ConvergedCommit | null> {
  const { CONVERGED_REF, GitRepo } = await import('../git/repo');
  const repo = new GitRepo(dir);
  let head: string;
  try {
    head = await repo.head();
  } catch {
    return null;
  }
  let from: ConvergedCommit['from'] = 'local';
  if (await repo.hasRemote('origin')) {
    // An unreachable remote leaves the local ref: status still shows the rest.
    if (await repo.fetchRef('origin', CONVERGED_REF).catch(() => false)) from = 'remote';
  }
  const commit = await repo.resolve(CONVERGED_REF);
  return commit ? { commit, head, from } : null;
}
