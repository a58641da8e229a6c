export * from './target';
export { DockerTarget, type DockerTargetOptions } from './docker-target';
export { SwarmTarget } from './swarm-target';
export { TargetError, type TargetErrorKind } from './errors';
import { DockerTarget, type DockerTargetOptions } from './docker-target';
import { SwarmTarget } from './swarm-target';
import type { Target, TargetSpec } from './target';

/** The driver for a target: Docker today, locally (`address: local`) or over SSH. */
export function createTarget(spec: TargetSpec, options: DockerTargetOptions = {}): Target {
  return spec.engine === 'swarm' ? new SwarmTarget(spec, options) : new DockerTarget(spec, options);
}
