import { ProjectError } from './diagnostics';
import type { Project } from './model';
import { readProjectFiles } from './read';
import { buildProject } from './build';

/** Reads and validates a project; throws ProjectError listing every problem. */
export function loadProject(dir: string): Project {
  const result = buildProject(readProjectFiles(dir));
  if (!result.project) throw new ProjectError(result.diagnostics);
  return result.project;
}
