import { DockerTarget } from '../targets/docker-target';
import type { Target, TargetRuntime, TargetSpec } from '../targets/target';

/** Targets for the CLI and the actions: Docker today; SSH key and known_hosts from STEWARD_* env. */
export function createTarget(spec: TargetSpec, runtime: TargetRuntime = {}): Target {
  return new DockerTarget(spec, { hostKeyPolicy: process.env.STEWARD_HOST_KEY_POLICY === 'accept-new' ? 'accept-new' : 'strict', runtimeDir: runtime.runtimeDir });
}
