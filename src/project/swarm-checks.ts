import type { Project } from './model';
import type { KeyPath } from './yaml-source';

/** What only makes sense on a swarm, and what a swarm cannot do. */
export function checkSwarm(p: Project, at: (file: string, path: KeyPath, message: string) => void, raw: (file: string, path: KeyPath) => unknown): void {
  for (const t of Object.values(p.network.targets)) {
    if (t.engine === 'swarm') continue;
    for (const k of ['nodes', 'publish', 'endpoint_mode'] as const) {
      const v = raw('network.yml', ['targets', t.name, k]);
      if (v !== undefined) at('network.yml', ['targets', t.name, k], `"${k}" is for targets with engine: swarm; target ${t.name} is engine: ${t.engine} (got ${JSON.stringify(v)})`);
    }
  }
  const edge = p.network.edge ? p.network.targets[p.network.edge] : undefined;
  const routing = p.conventions.routing;
  if (routing?.constraints.length && edge?.engine !== 'swarm') {
    at('project.yml', ['conventions', 'routing', 'constraints'], `"constraints" place the edge proxy's task on a swarm; the edge ${edge?.name ?? '(none)'} is ${edge ? `engine: ${edge.engine}` : 'not set'} (got ${JSON.stringify(routing.constraints)})`);
  }
  if (routing && edge?.engine === 'swarm' && p.conventions.dashboard) {
    // The status page is a directory Steward writes on the manager; a task on another node would not see it.
    at('project.yml', ['conventions', 'dashboard'], `the edge is the swarm target ${edge.name}: the status page is not served from a swarm yet; set conventions.dashboard: false, or put the edge on a docker target (got ${JSON.stringify(raw('project.yml', ['conventions', 'dashboard']) ?? 'on by default')})`);
  }
  for (const t of Object.values(p.network.targets)) {
    if (t.engine !== 'swarm' || t.endpointMode !== 'dnsrr' || t.publish !== 'ingress') continue;
    if (p.apps.some((a) => a.target === t.name && a.state === 'present' && a.ports.some((x) => x.host !== undefined))) {
      at('network.yml', ['targets', t.name, 'endpoint_mode'], `Swarm refuses ingress-mode ports on a dnsrr service: target ${t.name} has publish: ingress; set publish: host with endpoint_mode: dnsrr (got "dnsrr")`);
    }
  }
  for (const a of p.apps) {
    const t = p.network.targets[a.target];
    if (!t) continue;
    if (t.engine !== 'swarm') {
      for (const k of a.swarmKeys ?? []) {
        at(a.sourceFile, [k], `"${k}" needs a swarm target: target ${t.name} is engine: ${t.engine} (got ${JSON.stringify(raw(a.sourceFile, [k]))}); set engine: swarm on it in network.yml, or remove "${k}"`);
      }
      continue;
    }
    if (a.state !== 'present') continue;
    if (!a.swarm && a.kind === 'service') {
      at(a.sourceFile, ['target'], `app "${a.name}" is run by a convention, which Steward does not deploy to a swarm yet: target ${t.name} is engine: swarm; name a docker target for it (e.g. the convention's target)`);
      continue;
    }
    if (a.kind === 'adopted') {
      at(a.sourceFile, ['target'], `target ${t.name} is a swarm: an adopted compose.yaml cannot be deployed there; describe the app in service.yml instead`);
      continue;
    }
    a.ports.forEach((x, i) => {
      if (x.bind !== undefined) at(a.sourceFile, ['ports', i, 'bind'], `a swarm publishes a port on every node: "bind" is not supported on swarm target ${t.name} (got ${JSON.stringify(x.bind)})`);
    });
    // A new task cannot bind the host port an old one holds on its node: start-first works only
    // when Swarm can place every task it starts on a node that runs none (its port filter does so).
    const d = a.swarm;
    const nodes = t.nodes?.length ?? 1;
    if (t.publish === 'host' && d?.update.order === 'start-first' && a.ports.some((x) => x.host !== undefined) && d.replicas + d.update.parallelism > nodes) {
      at(a.sourceFile, ['update', 'order'], `start-first with host-mode ports (target ${t.name} has publish: host) needs a free node for each task it starts: replicas (${d.replicas}) + update.parallelism (${d.update.parallelism}) is more than the ${nodes} node${nodes === 1 ? '' : 's'} listed in targets.${t.name}.nodes; use stop-first, or fewer replicas (got "start-first")`);
    }
    if (a.route && edge && edge.name !== t.name && !t.nodes && t.address === 'local') {
      at('network.yml', ['targets', t.name], `the edge (${edge.name}) reaches app "${a.name}" through the swarm's published ports: list the swarm's node addresses under targets.${t.name}.nodes`);
    }
  }
}
