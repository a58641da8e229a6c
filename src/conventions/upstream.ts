import { publishedPort } from '../project/adopted';
import { hostPort } from '../project/values';
import type { App, Project } from '../project/model';

/**
 * How a container on `fromTarget` reaches `port` of an app: by its alias on the
 * shared network when both sit on one host, else by the target's address and
 * the published host port. Adopted apps are not on the shared network, so on
 * the same host they are reached through the host's gateway.
 */
export function upstreamOf(p: Project, app: App, port: number, fromTarget: string): string {
  if (app.target === fromTarget && app.kind === 'service') return hostPort(app.name, port);
  const host = app.target === fromTarget ? 'host.docker.internal' : p.network.targets[app.target].address;
  return hostPort(host, publishedPort(app, port)?.host ?? port);
}

/**
 * A swarm app is reached on its published port at any of the nodes (network.yml
 * `nodes:`, else the manager's address): the routing mesh answers on all of
 * them, host-mode ports on those running a task; the proxy tries the others.
 */
export function upstreamsOf(p: Project, app: App, port: number, fromTarget: string): string[] {
  const t = p.network.targets[app.target];
  if (t.engine !== 'swarm') return [upstreamOf(p, app, port, fromTarget)];
  const published = publishedPort(app, port)?.host ?? port;
  return (t.nodes ?? [t.address]).map((n) => hostPort(n, published));
}

export function hostnameOf(p: Project, subdomain: string): string {
  return subdomain === '@' ? p.domain : `${subdomain}.${p.domain}`;
}
