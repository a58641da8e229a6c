import type { HttpProbe } from './http-probe';
import type { HealthResult, ObservedContainer } from './target';

type Evaluated = Pick<HealthResult, 'status' | 'message' | 'containers' | 'failing'> & {
  /** Only the HTTP check failed: during startup that means "not yet", not "broken". */
  httpOnly: boolean;
};

/**
 * Decides an app's health from its containers: a container's own healthcheck
 * wins; the HTTP check counts only when some container has none.
 */
export function evaluateHealth(containers: ObservedContainer[], http?: HttpProbe | 'none'): Evaluated {
  const base = { containers, httpOnly: false };
  if (containers.length === 0) return { ...base, status: 'missing', message: 'no containers' };
  const broken = containers.find(
    (c) => c.state === 'dead' || c.state === 'restarting' || c.state === 'exited',
  );
  if (broken) {
    return { ...base, status: 'failed', failing: broken, message: `container ${broken.name} is ${broken.state} (exit code ${broken.exitCode})` };
  }
  const unhealthy = containers.find((c) => c.health === 'unhealthy');
  if (unhealthy) return { ...base, status: 'unhealthy', failing: unhealthy, message: `container ${unhealthy.name} is unhealthy` };
  const waiting = containers.find((c) => c.state === 'created' || c.state === 'paused' || c.health === 'starting');
  if (waiting) return { ...base, status: 'starting', message: `container ${waiting.name} is ${waiting.health ?? waiting.state}` };
  const needsHttp = containers.some((c) => c.health === undefined && c.state === 'running');
  if (http && http !== 'none' && needsHttp && http.code !== 0) {
    return { ...base, httpOnly: true, status: 'unhealthy', message: `HTTP check ${http.url} failed (${http.detail ?? `exit ${http.code}`})` };
  }
  return { ...base, status: 'healthy', message: http && http !== 'none' && needsHttp ? `HTTP check ${http.url} passed` : 'all containers running' };
}
