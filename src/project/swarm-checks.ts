import type { Project } from './model';
import type { KeyPath } from './yaml-source';

/** What only makes sense on a swarm, and what a swarm cannot do. */
export function checkSwarm(p: Project, at: (file: string, path: KeyPath, message: string) => void, raw: (file: string, path: KeyPath) => unknown): void {
  for (const t of Object.values(p.network.targets)) {
    if (t.engine === 'swarm') continue;
    for (const k of ['nodes', 'publish'] as const) {
      if (t[k] !== undefined) at('network.yml', ['targets', t.name, k], `"${k}" is for targets with engine: swarm; target ${t.name} is engine: ${t.engine} (got ${JSON.stringify(t[k])})`);
    }
  }
  const edge = p.network.edge && p.network.targets[p.network.edge];
  if (edge && edge.engine === 'swarm') {
    at('network.yml', ['edge'], `the edge proxy runs on one host: edge cannot be the swarm target ${edge.name}; pick a docker target (it reaches swarm apps through their published ports)`);
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
    if (a.kind === 'adopted') {
      at(a.sourceFile, ['target'], `target ${t.name} is a swarm: an adopted compose.yaml cannot be deployed there; describe the app in service.yml instead`);
      continue;
    }
    a.ports.forEach((x, i) => {
      if (x.bind !== undefined) at(a.sourceFile, ['ports', i, 'bind'], `a swarm publishes a port on every node: "bind" is not supported on swarm target ${t.name} (got ${JSON.stringify(x.bind)})`);
    });
    if (t.publish === 'host' && a.swarm?.update.order === 'start-first' && a.ports.some((x) => x.host !== undefined)) {
      at(a.sourceFile, ['update', 'order'], `start-first cannot work with host-mode ports (target ${t.name} has publish: host): the new task could not bind the port the old one holds; use stop-first (got "start-first")`);
    }
    if (a.route && edge && !t.nodes && t.address === 'local') {
      at('network.yml', ['targets', t.name], `the edge (${edge.name}) reaches app "${a.name}" through the swarm's published ports: list the swarm's node addresses under targets.${t.name}.nodes`);
    }
  }
}
