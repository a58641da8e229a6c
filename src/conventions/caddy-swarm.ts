// The edge proxy on a swarm: one Caddy task, its ports published in host mode
// on the node it runs on (the routing mesh would need IPVS and hides the
// client's address), the Caddyfile a Swarm config named by its content like an
// app's files, on the project's attachable overlay where swarm apps are
// reached by name.
import type { Project } from '../project/model';
import { baseLabels } from '../render/compose';
import { sharedNetworkName, LABEL_APP, LABEL_PROJECT } from '../render/labels';
import { configName, LABEL_IMAGE, LABEL_REPLICAS, STACK_FILE_VERSION } from '../render/stack';
import { EDGE_APP } from './caddy';

/** Where the Caddyfile is staged beside the stack file at converge (the manifest's `to`). */
export const EDGE_CADDYFILE = 'files/Caddyfile';

export function renderEdgeStack(p: Project, caddyfile: string): Record<string, unknown> {
  const routing = p.conventions.routing!;
  const labels = baseLabels(p.name, EDGE_APP, p.network.edge!, false);
  const objectLabels = { [LABEL_PROJECT]: p.name, [LABEL_APP]: EDGE_APP };
  const config = configName(p.name, EDGE_APP, Buffer.from(caddyfile));
  return {
    version: STACK_FILE_VERSION,
    services: {
      [EDGE_APP]: {
        image: routing.image,
        command: ['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'],
        ports: [
          { target: 80, published: routing.httpPort, protocol: 'tcp', mode: 'host' },
          ...(routing.tls === 'off' ? [] : [{ target: 443, published: routing.httpsPort, protocol: 'tcp', mode: 'host' }]),
        ],
        configs: [{ source: config, target: '/etc/caddy/Caddyfile', mode: 0o444 }],
        // Per node: certificates stay with the node the constraints pin the task to.
        volumes: [{ type: 'volume', source: 'caddy_data', target: '/data' }],
        networks: { steward: { aliases: [EDGE_APP] } },
        labels,
        deploy: {
          mode: 'replicated',
          replicas: 1,
          placement: routing.constraints.length ? { constraints: routing.constraints } : undefined,
          // One task holding the host ports: the new one can start only once the old one let them go.
          update_config: { parallelism: 1, order: 'stop-first', failure_action: 'rollback', monitor: '5s' },
          rollback_config: { parallelism: 1, order: 'stop-first' },
          restart_policy: { condition: 'any', delay: '2s' },
          labels: { ...labels, [LABEL_REPLICAS]: '1', [LABEL_IMAGE]: routing.image },
        },
      },
    },
    networks: { steward: { name: sharedNetworkName(p.name), external: true } },
    volumes: { caddy_data: { labels: objectLabels } },
    configs: { [config]: { name: config, file: `./${EDGE_CADDYFILE}`, labels: objectLabels } },
  };
}
