import { adoptedPorts } from '../project/adopted';
import type { App, Project } from '../project/model';

/**
 * How a container on `fromTarget` reaches `port` of an app: by its alias on the
 * shared network when both sit on one host, else by the target's address and
 * the published host port.
 */
export function upstreamOf(p: Project, app: App, port: number, fromTarget: string): string {
  if (app.target === fromTarget) {
    if (app.kind === 'service') return `${app.name}:${port}`;
    const pub = adoptedPorts(app).find((x) => x.container === port && x.host);
    return `host.docker.internal:${pub?.host ?? port}`;
  }
  const t = p.network.targets[app.target];
  const ports = app.kind === 'adopted' ? adoptedPorts(app) : app.ports;
  const pub = ports.find((x) => x.container === port && x.host);
  return `${t.address}:${pub?.host ?? port}`;
}

export function hostnameOf(p: Project, subdomain: string): string {
  return subdomain === '@' ? p.domain : `${subdomain}.${p.domain}`;
}
