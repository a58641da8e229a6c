import { join } from 'node:path';
import type { Diagnostic } from '../project/diagnostics';
import { loadProject } from '../project/load';
import { RENDERED_DIR, renderProject } from './render';
import { compareRendered, writeRendered } from './write';

export interface RenderRun {
  changed: boolean;
  written: string[];
  deleted: string[];
  manifestPath: string;
  apps: number;
}

/** Validate and render a project directory; with check, only compare. Throws ProjectError. */
export function runRender(projectDir: string, opts: { check?: boolean } = {}): RenderRun {
  const project = loadProject(projectDir);
  const out = renderProject(project);
  const delta = opts.check ? compareRendered(projectDir, out) : writeRendered(projectDir, out);
  return {
    changed: delta.written.length + delta.deleted.length > 0,
    written: delta.written,
    deleted: delta.deleted,
    manifestPath: join(projectDir, RENDERED_DIR, 'manifest.json'),
    apps: out.manifest.apps.length,
  };
}

/** A committed rendered/ that is not what the project renders, file by file, as problems in the project. */
export class StaleRenderedError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(r: Pick<RenderRun, 'written' | 'deleted'>) {
    super('rendered/ is stale: run `steward render` and commit the result.');
    this.name = 'StaleRenderedError';
    const at = (file: string, message: string): Diagnostic => ({ file, line: 0, column: 0, key: '', message });
    this.diagnostics = [
      ...r.written.map((f) => at(f, 'stale: not what the project renders')),
      ...r.deleted.map((f) => at(f, 'extra: the project no longer renders it')),
    ];
  }
}
