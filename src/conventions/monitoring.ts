// conventions.monitoring: Prometheus scrapes every app with `metrics`, and the
// blackbox exporter probes every route, so "is jellyfin up" is a metric.
// Steward runs both (reserved apps `prometheus` and `blackbox`), or gives the
// project's own Prometheus the targets. The targets are live files
// (<appdir>/targets/, see src/targets/live.ts): file_sd re-reads them when they
// change, so adding or removing an app is no new Prometheus release and no
// restart. Steward's prometheus.yml is a live file too (<appdir>/config/),
// which Prometheus re-reads on SIGHUP: a new interval is no restart either.
import type { Diagnostic } from '../project/diagnostics';
import { parseDuration, type App, type LiveDir, type Project } from '../project/model';
import { publishedPort } from '../project/adopted';
import { keyName, type KeyPath, type YamlSource } from '../project/yaml-source';
import { canonicalJson, canonicalYaml } from '../render/canonical';
import { upstreamOf } from './upstream';

export const PROMETHEUS_APP = 'prometheus';
export const BLACKBOX_APP = 'blackbox';
export const PROMETHEUS_IMAGE = 'prom/prometheus:v2.54.1';
export const BLACKBOX_IMAGE = 'prom/blackbox-exporter:v0.25.0';
export const PROMETHEUS_PORT = 9090;
export const BLACKBOX_PORT = 9115;
/** The live dir on the target, and where Prometheus sees it. */
export const TARGETS_DIR = 'targets';
export const TARGETS_MOUNT = '/etc/prometheus/steward';
export const CONFIG_DIR = 'config';
const CONFIG_MOUNT = '/etc/prometheus/config';
const CONFIG_FILE = 'prometheus.yml';
const BLACKBOX_CONFIG_PATH = '/etc/blackbox_exporter/steward.yml';
const PROBE_MODULE = 'http_2xx';
export const METRICS_JOB = 'steward-metrics';
export const PROBE_JOB = 'steward-probe';

/** The present app Prometheus runs in: Steward's, or the project's own (`app:`). */
export function prometheusApp(p: Project): App | undefined {
  const m = p.conventions.monitoring;
  return m ? p.apps.find((a) => a.name === (m.app ?? PROMETHEUS_APP) && a.state === 'present') : undefined;
}

/** The apps this convention adds (added after the checks of the user's apps, which may depend on them). */
export function conventionAppNames(p: Project): string[] {
  const m = p.conventions.monitoring;
  return m ? (m.app ? [BLACKBOX_APP] : [PROMETHEUS_APP, BLACKBOX_APP]) : [];
}

/** One file_sd file per app with metrics and per routed app: removing an app removes its files. */
export function targetFiles(p: Project, from: string): { path: string; content: Buffer }[] {
  const out: { path: string; content: Buffer }[] = [];
  const json = (v: unknown) => Buffer.from(canonicalJson(v, 2) + '\n');
  for (const a of p.apps.filter((x) => x.state === 'present')) {
    const labels = { app: a.name, project: p.name, target: a.target };
    if (a.metrics) {
      // `job` from the file: one job per app, all under one scrape config that never changes.
      out.push({ path: `metrics-${a.name}.json`, content: json([{ labels: { __metrics_path__: a.metrics.path, job: a.name, ...labels }, targets: [upstreamOf(p, a, a.metrics.port, from)] }]) });
    }
    if (a.route) {
      out.push({ path: `probe-${a.name}.json`, content: json([{ labels, targets: [`http://${upstreamOf(p, a, a.route.port, from)}${probePath(a)}`] }]) });
    }
  }
  return out.sort((x, y) => x.path.localeCompare(y.path));
}

/** The health path when the health check is on the routed port, else the route's root. */
function probePath(a: App): string {
  const h = a.health;
  return h?.http && (h.port ?? a.route!.port) === a.route!.port ? (h.http.startsWith('/') ? h.http : `/${h.http}`) : '/';
}

/** prometheus.yml: two scrape configs reading the live dir, which the project's apps never change. */
export function prometheusConfig(p: Project, blackbox: string): Record<string, unknown> {
  const interval = p.conventions.monitoring!.scrapeInterval;
  // Prometheus refuses a scrape timeout longer than the interval.
  const timeout = parseDuration(interval) < 10_000 ? interval : '10s';
  return {
    global: { scrape_interval: interval, scrape_timeout: timeout, evaluation_interval: interval },
    scrape_configs: [
      { job_name: METRICS_JOB, file_sd_configs: [{ files: [`${TARGETS_MOUNT}/metrics-*.json`] }] },
      {
        job_name: PROBE_JOB,
        metrics_path: '/probe',
        params: { module: [PROBE_MODULE] },
        file_sd_configs: [{ files: [`${TARGETS_MOUNT}/probe-*.json`] }],
        // The blackbox exporter's documented set-up: the target becomes its ?target=.
        relabel_configs: [
          { source_labels: ['__address__'], target_label: '__param_target' },
          { source_labels: ['__param_target'], target_label: 'instance' },
          { target_label: '__address__', replacement: blackbox },
        ],
      },
    ],
  };
}

export function blackboxConfig(): Record<string, unknown> {
  return { modules: { [PROBE_MODULE]: { prober: 'http', timeout: '5s', http: { preferred_ip_protocol: 'ip4' } } } };
}

function yamlFile(value: unknown): string {
  return `# Generated by steward render from conventions.monitoring in project.yml; do not edit by hand.\n${canonicalYaml(value)}`;
}

/**
 * Wires conventions.monitoring into the project: checks that Prometheus can
 * reach every app with metrics and every route, then adds Steward's Prometheus
 * and blackbox apps, or mounts the targets into the project's own Prometheus.
 * Problems go to `diags`.
 */
export function applyMonitoring(p: Project, sources: Map<string, YamlSource>, diags: Diagnostic[]): void {
  const m = p.conventions.monitoring;
  if (!m) return;
  const at = (file: string, path: KeyPath, message: string): void => {
    diags.push({ file, ...(sources.get(file)?.locate(path) ?? { line: 1, column: 1 }), key: keyName(path), message });
  };
  const before = diags.length;
  const own = m.app ? p.apps.find((a) => a.name === m.app) : undefined;
  let from: string | undefined;
  if (m.app) {
    if (!own) return at('project.yml', ['conventions', 'monitoring', 'app'], `unknown app "${m.app}": name the folder under services/ that runs your Prometheus, or drop \`app\` to let Steward run one`);
    if (own.state === 'absent') return at(own.sourceFile, ['state'], `conventions.monitoring.app is ${own.name}, which is state: absent`);
    from = own.target;
  } else {
    from = m.target ?? p.network.edge;
    if (m.target !== undefined && !p.network.targets[m.target]) {
      return at('project.yml', ['conventions', 'monitoring', 'target'], `unknown target "${m.target}"; targets in network.yml: ${Object.keys(p.network.targets).join(', ')}`);
    }
    if (!from) return at('project.yml', ['conventions', 'monitoring'], 'Steward runs Prometheus on the edge target: add `edge:` to network.yml, or say `target:` here');
  }
  for (const name of m.app ? [BLACKBOX_APP] : [PROMETHEUS_APP, BLACKBOX_APP]) {
    const taken = p.apps.find((a) => a.name === name);
    if (taken) at(taken.sourceFile, [], `the app name "${name}" is reserved for Steward's ${name === BLACKBOX_APP ? 'blackbox exporter' : 'Prometheus'} while conventions.monitoring is set${name === PROMETHEUS_APP ? ': rename the folder, or say `app: ' + name + '` in conventions.monitoring to keep your own' : ': rename the folder'}`);
  }
  for (const a of p.apps.filter((x) => x.state === 'present' && x !== own)) {
    const local = a.kind === 'service' && a.target === from;
    if (a.metrics && !local && !publishedPort(a, a.metrics.port)) {
      const port = a.metrics.port;
      at(a.sourceFile, ['metrics', 'port'], `Prometheus (on target ${from}) scrapes port ${port} of this app on target ${a.target} over the network: publish it, e.g. ports: [{ container: ${port}, host: ${port} }]${a.kind === 'adopted' ? ` in ${a.composeFile}` : ''}`);
    }
    if (a.route && !local && !publishedPort(a, a.route.port) && !(a.target === p.network.edge && from === p.network.edge)) {
      // Caddy's own check already names this port when the edge is Prometheus' target too.
      at(a.sourceFile, ['route', 'port'], `the blackbox exporter (on target ${from}) probes this route at port ${a.route.port} on target ${a.target} over the network: publish it, e.g. ports: [{ container: ${a.route.port}, host: ${a.route.port} }]`);
    }
  }
  if (m.port !== undefined && !m.app) {
    const clash = p.apps.find((a) => a.state === 'present' && a.target === from && a.ports.some((x) => x.host === m.port && x.protocol === 'tcp'));
    const edge = p.conventions.routing && from === p.network.edge && [p.conventions.routing.httpPort, p.conventions.routing.httpsPort].includes(m.port);
    if (clash || edge) at('project.yml', ['conventions', 'monitoring', 'port'], `host port ${m.port}/tcp on target ${from} is already published by ${clash ? `app "${clash.name}"` : 'the edge proxy'}; pick another`);
  }
  if (diags.length > before) return;

  const live: LiveDir = { dir: TARGETS_DIR, mount: TARGETS_MOUNT, files: targetFiles(p, from) };
  if (own) {
    // The project's Prometheus reads the same files; a service gets them mounted, an adopted app mounts <appdir>/targets itself.
    own.live = [...(own.live ?? []), own.kind === 'service' ? live : { dir: live.dir, files: live.files }];
  } else {
    p.apps.push({
      name: PROMETHEUS_APP,
      kind: 'service',
      target: from,
      state: 'present',
      image: m.image,
      command: [`--config.file=${CONFIG_MOUNT}/${CONFIG_FILE}`, '--storage.tsdb.path=/prometheus', `--web.listen-address=:${PROMETHEUS_PORT}`],
      env: {},
      secrets: [],
      volumes: [{ name: 'data', path: '/prometheus', readonly: false }],
      files: [],
      // Prometheus has no login: published on the host's loopback only.
      ports: m.port !== undefined ? [{ container: PROMETHEUS_PORT, host: m.port, protocol: 'tcp', bind: '127.0.0.1' }] : [],
      dependsOn: [],
      health: { http: '/-/ready', port: PROMETHEUS_PORT },
      // A dir, not a file mount: a file renamed over the old one shows inside the container.
      live: [live, { dir: CONFIG_DIR, mount: CONFIG_MOUNT, files: [{ path: CONFIG_FILE, content: Buffer.from(yamlFile(prometheusConfig(p, `${BLACKBOX_APP}:${BLACKBOX_PORT}`))) }], reload: 'HUP' }],
      compose: {},
      purge: false,
      sourceFile: 'project.yml',
    });
  }
  p.apps.push({
    name: BLACKBOX_APP,
    kind: 'service',
    target: from,
    state: 'present',
    image: m.blackboxImage,
    command: [`--config.file=${BLACKBOX_CONFIG_PATH}`, `--web.listen-address=:${BLACKBOX_PORT}`],
    env: {},
    secrets: [],
    volumes: [],
    files: [{ source: 'blackbox.yml', path: BLACKBOX_CONFIG_PATH, content: Buffer.from(yamlFile(blackboxConfig())), generated: true }],
    ports: [],
    dependsOn: [],
    health: { http: '/-/healthy', port: BLACKBOX_PORT },
    compose: {},
    purge: false,
    sourceFile: 'project.yml',
  });
  p.apps.sort((a, b) => a.name.localeCompare(b.name));
}
