import type { Project } from '../project/model';
import { canonicalJson } from '../render/canonical';
import { upstreamOf } from './upstream';

/**
 * Prometheus file_sd targets for every app that declares metrics; a Prometheus
 * app mounts this file and picks up changes without a restart.
 */
export function renderPrometheusTargets(p: Project): string {
  const prom = p.apps.find((a) => a.name === 'prometheus' && a.state === 'present');
  const from = prom?.target ?? p.network.edge ?? Object.keys(p.network.targets)[0];
  const groups = p.apps
    .filter((a) => a.state === 'present' && a.metrics)
    .map((a) => ({
      targets: [upstreamOf(p, a, a.metrics!.port, from)],
      labels: { __metrics_path__: a.metrics!.path, app: a.name, project: p.name, target: a.target },
    }));
  return canonicalJson(groups, 2) + '\n';
}
