export * from './target';
export { DockerTarget, type DockerTargetOptions } from './docker-target';
export { TargetError, type TargetErrorKind } from './errors';
import { DockerTarget, type DockerTargetOptions } from './docker-target';
import type { Target, TargetSpec } from './target';

/** The driver for a target: Docker today, locally (`address: local`) or over SSH. */
export function createTarget(spec: TargetSpec, options: DockerTargetOptions = {}): Target {
  return new DockerTarget(spec, options);
}
