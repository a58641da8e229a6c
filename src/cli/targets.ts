import { DockerTarget } from '../targets/docker-target';
import { SwarmTarget } from '../targets/swarm-target';
import type { Target, TargetRuntime, TargetSpec } from '../targets/target';

/**
 * Targets for the CLI and the actions: Docker today. The SSH key and
 * known_hosts come from STEWARD_SSH_KEY and STEWARD_KNOWN_HOSTS (each a path
 * or the content itself); STEWARD_KNOWN_HOSTS_SOURCE is how errors name the
 * latter (the actions set it to their `known-hosts` input). Plaintext copies
 * go to the run's private directory when converge gives one.
 */
export function createTarget(spec: TargetSpec, runtime: TargetRuntime = {}, env: NodeJS.ProcessEnv = process.env): Target {
  return new (spec.engine === 'swarm' ? SwarmTarget : DockerTarget)(spec, {
    localDockerHost: env.DOCKER_HOST || undefined,
    key: env.STEWARD_SSH_KEY || undefined,
    knownHosts: env.STEWARD_KNOWN_HOSTS || undefined,
    knownHostsSource: env.STEWARD_KNOWN_HOSTS_SOURCE || 'STEWARD_KNOWN_HOSTS',
    hostKeyPolicy: env.STEWARD_HOST_KEY_POLICY === 'accept-new' ? 'accept-new' : 'strict',
    runtimeDir: runtime.runtimeDir,
    dockerCli: env.STEWARD_DOCKER_CLI || undefined,
  });
}
