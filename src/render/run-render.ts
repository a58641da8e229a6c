import { join } from 'node:path';
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
