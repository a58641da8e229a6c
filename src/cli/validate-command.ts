import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadProject } from '../project/load';
import { renderProject } from '../render/render';
import type { CliIO } from './io';

export const VALIDATE_OPTIONS = {
  project: { type: 'string', short: 'p', default: '.' },
} as const;

/** Everything render checks, in memory: nothing is written, decrypted or contacted. ProjectError reaches main, exit 1. */
export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: VALIDATE_OPTIONS });
  const project = loadProject(resolve(io.cwd, values.project));
  const { manifest } = renderProject(project);
  const apps = manifest.apps.filter((a) => a.kind !== 'edge');
  const targets = Object.keys(manifest.targets).length;
  io.stdout(`${project.name}: valid (${apps.length} app${apps.length === 1 ? '' : 's'} over ${targets} target${targets === 1 ? '' : 's'}); nothing was written`);
  return 0;
}
