import { posix } from 'node:path';
import { type Diagnostic, sortDiagnostics } from './diagnostics';
import { DNS_LABEL, parseDuration, type SwarmDeploy, type App, type AppFile, type AppPort, type Project, type TargetDef, type SecretFile } from './model';
import type { ProjectFiles } from './read';
import { checkSchema, type SchemaName } from './schema-check';
import { adoptedPorts } from './adopted';
import { listSopsKeys, sopsFormatFromPath } from '../secrets';
import { keyName, parseYamlSource, type YamlSource } from './yaml-source';
import { checkProject } from './semantics';
import { AUTHELIA_IMAGE, applySso, ssoPolicy } from '../conventions/authelia';
import { applyMonitoring, BLACKBOX_IMAGE, PROMETHEUS_IMAGE } from '../conventions/monitoring';
import { checkDashboard } from '../conventions/dashboard';
import { applyHomepage } from '../conventions/homepage';

export interface BuildResult {
  project?: Project;
  diagnostics: Diagnostic[];
  /** Where each app's keys sit, so later checks can point at lines. */
  sources: Map<string, YamlSource>;
}

/** Parses, validates and defaults a project; pure over the bytes read. */
export function buildProject(files: ProjectFiles): BuildResult {
  const diags: Diagnostic[] = [];
  const sources = new Map<string, YamlSource>();
  const load = (rel: string, schema?: SchemaName): YamlSource | undefined => {
    const text = files.texts.get(rel);
    if (text === undefined) return undefined;
    const src = parseYamlSource(rel, text, diags);
    if (!src) return undefined;
    sources.set(rel, src);
    if (schema && !checkSchema(schema, src, diags)) return undefined;
    return src;
  };

  const projectSrc = load('project.yml', 'project');
  if (!files.texts.has('project.yml')) diags.push(missing('project.yml', 'every project needs a project.yml with at least `name` and `domain`'));
  const networkSrc = load('network.yml', 'network');
  if (!files.texts.has('network.yml')) diags.push(missing('network.yml', 'every project needs a network.yml with at least one target under `targets`'));

  const targets: Record<string, TargetDef> = {};
  const net = (networkSrc?.value ?? {}) as Record<string, any>;
  for (const [name, t] of Object.entries((net.targets ?? {}) as Record<string, any>).sort(([a], [b]) => a.localeCompare(b))) {
    targets[name] = { name, address: t.address, user: t.user ?? 'root', port: t.port ?? 22, dir: (t.dir ?? '/var/lib/steward').replace(/\/+$/, ''), engine: t.engine ?? 'docker' };
    if (t.nodes !== undefined) targets[name].nodes = [...t.nodes];
    if (t.publish !== undefined || t.engine === 'swarm') targets[name].publish = t.publish ?? 'ingress';
    if (t.endpoint_mode !== undefined || t.engine === 'swarm') targets[name].endpointMode = t.endpoint_mode ?? 'vip';
  }

  const secretFiles: SecretFile[] = [];
  for (const [rel, text] of files.texts) {
    if (!rel.startsWith('secrets/')) continue;
    try {
      secretFiles.push({ path: rel, keys: [...listSopsKeys(text, sopsFormatFromPath(rel), rel)].sort(), text });
    } catch (e) {
      diags.push({ file: rel, line: 1, column: 1, key: '', message: `cannot read the key names of this SOPS file: ${(e as Error).message.split('\n')[0]}` });
    }
  }
  secretFiles.sort((a, b) => a.path.localeCompare(b.path));

  const apps: App[] = [];
  for (const name of files.serviceDirs) {
    const svcRel = `services/${name}/service.yml`;
    const composeRel = `services/${name}/compose.yaml`;
    if (!files.texts.has(svcRel)) {
      diags.push({ file: `services/${name}/`, line: 0, column: 0, key: '', message: `app folder has no service.yml: add one naming at least its \`target\`, or remove the folder` });
      continue;
    }
    const svc = load(svcRel, 'service');
    if (!svc) continue;
    let adopted: { compose: Record<string, unknown>; src: YamlSource } | undefined;
    if (files.texts.has(composeRel)) {
      const c = load(composeRel);
      if (!c) continue;
      if (!c.value || typeof c.value !== 'object' || !('services' in (c.value as object))) {
        diags.push({ file: composeRel, line: 1, column: 1, key: 'services', message: 'an adopted compose file needs a top-level `services` mapping' });
        continue;
      }
      if (!checkSchema('compose', c, diags)) continue;
      adopted = { compose: c.value as Record<string, unknown>, src: c };
    }
    const app = toApp(name, svc, adopted, files, diags);
    if (app) apps.push(app);
  }

  const p = (projectSrc?.value ?? {}) as Record<string, any>;
  const conv = (p.conventions ?? {}) as Record<string, any>;
  const cv = (p.converge ?? {}) as Record<string, any>;
  if (!projectSrc || !networkSrc) return { diagnostics: sortDiagnostics(diags), sources };

  const project: Project = {
    name: p.name,
    domain: p.domain,
    converge: {
      prune: cv.prune ?? true,
      selfHeal: cv.self_heal ?? true,
      parallelism: cv.parallelism ?? 4,
      healthTimeoutMs: parseDuration(cv.health_timeout ?? '120s'),
      lockTimeoutMs: parseDuration(cv.lock_timeout ?? '60s'),
    },
    conventions: {
      routing: conv.routing && {
        provider: 'caddy',
        tls: conv.routing.tls ?? 'internal',
        email: conv.routing.email,
        image: conv.routing.image ?? 'caddy:2',
        httpPort: conv.routing.http_port ?? 80,
        httpsPort: conv.routing.https_port ?? 443,
        constraints: [...(conv.routing.constraints ?? [])],
      },
      sso: conv.sso && { provider: 'authelia', url: conv.sso.url ?? `https://auth.${p.domain}`, image: conv.sso.image ?? AUTHELIA_IMAGE },
      monitoring: conv.monitoring && {
        provider: 'prometheus',
        app: conv.monitoring.app,
        target: conv.monitoring.target,
        image: conv.monitoring.image ?? PROMETHEUS_IMAGE,
        blackboxImage: conv.monitoring.blackbox_image ?? BLACKBOX_IMAGE,
        scrapeInterval: conv.monitoring.scrape_interval ?? '30s',
        port: conv.monitoring.port,
      },
      dashboard: conv.routing && conv.dashboard !== false ? { provider: 'steward', subdomain: conv.dashboard?.subdomain ?? '@' } : undefined,
      homepage: conv.homepage && { provider: 'homepage', app: conv.homepage.app },
    },
    network: { subnet: net.subnet, gateway: net.gateway, edge: net.edge, targets },
    // Deploy settings exist only where a swarm reads them.
    apps: apps.map((a) => (targets[a.target]?.engine === 'swarm' ? a : { ...a, swarm: undefined })).sort((a, b) => a.name.localeCompare(b.name)),
    secretFiles,
  };
  checkProject(project, sources, diags);
  // After the checks, so that they see the user's apps only and Steward's Authelia is not blamed on them.
  if (!diags.length) applySso(project, sources, diags);
  if (!diags.length) applyMonitoring(project, sources, diags);
  if (!diags.length) checkDashboard(project, conv.dashboard, sources, diags);
  if (!diags.length) applyHomepage(project, sources, diags);
  return diags.length ? { diagnostics: sortDiagnostics(diags), sources } : { project, diagnostics: [], sources };
}

function missing(file: string, message: string): Diagnostic {
  return { file, line: 0, column: 0, key: '', message: `missing file: ${message}` };
}

// Adopted apps bring their own compose file; service.yml then only places and routes them.
const ADOPTED_KEYS = new Set(['target', 'state', 'route', 'depends_on', 'health', 'metrics', 'secrets', 'purge']);

const SWARM_KEYS = ['replicas', 'placement', 'update'];

/** The deploy settings with their defaults; dropped again by the checks when the target is not a swarm. */
function swarmDeploy(s: Record<string, any>): SwarmDeploy {
  const pl = s.placement ?? {};
  const up = s.update ?? {};
  return {
    replicas: s.replicas ?? 1,
    placement: { constraints: [...(pl.constraints ?? [])], preferences: (pl.preferences ?? []).map((x: { spread: string }) => ({ spread: x.spread })), maxPerNode: pl.max_per_node },
    update: { parallelism: up.parallelism ?? 1, delayMs: parseDuration(up.delay ?? '0s'), order: up.order ?? 'stop-first', failureAction: up.failure_action ?? 'rollback' },
  };
}

function toApp(name: string, svc: YamlSource, adopted: { compose: Record<string, unknown>; src: YamlSource } | undefined, files: ProjectFiles, diags: Diagnostic[]): App | undefined {
  const s = svc.value as Record<string, any>;
  const at = (path: (string | number)[], message: string) => diags.push({ file: svc.file, ...svc.locate(path), key: path.join('.').replace(/\.(\d+)/g, '[$1]'), message });
  if (!DNS_LABEL.test(name)) {
    diags.push({ file: svc.file, line: 1, column: 1, key: '', message: `app name "${name}" (the folder name) must be a DNS label: lowercase letters, digits and "-"; rename the folder` });
  }
  if (adopted) {
    for (const k of Object.keys(s)) if (!ADOPTED_KEYS.has(k)) at([k], `"${k}" cannot be used beside compose.yaml (the adopted compose file defines the app); allowed here: ${[...ADOPTED_KEYS].join(', ')}`);
  } else if (!s.image && (s.state ?? 'present') === 'present') {
    at([], 'missing required key "image" (or bring a compose.yaml beside service.yml to adopt an existing compose file)');
  }

  const folder = files.appFiles.get(name);
  const appFiles: AppFile[] = [];
  (s.files ?? []).forEach((f: { source: string; path: string }, i: number) => {
    const src = f.source;
    const norm = posix.normalize(src);
    if (posix.isAbsolute(src)) return at(['files', i, 'source'], `"${src}" is absolute: give a path relative to services/${name}/, e.g. files/app.conf`);
    if (norm === '..' || norm.startsWith('../')) return at(['files', i, 'source'], `"${src}" leaves the app folder: files must live under services/${name}/`);
    if (folder?.escaping.has(norm)) return at(['files', i, 'source'], `"${src}" is a symlink pointing outside services/${name}/: copy the file into the app folder instead`);
    const content = folder?.files.get(norm);
    if (!content) return at(['files', i, 'source'], `file not found: services/${name}/${norm}`);
    appFiles.push({ source: norm, path: f.path, content });
  });

  let ports: AppPort[] = (s.ports ?? []).map((p: any) => ({ container: p.container, host: p.host, protocol: p.protocol ?? 'tcp', bind: p.bind }));
  if (adopted) {
    const parsed = adoptedPorts(adopted.compose);
    for (const pr of parsed.problems) diags.push({ file: adopted.src.file, ...adopted.src.locate(pr.path), key: keyName(pr.path), message: pr.message });
    ports = parsed.ports;
  }

  if (adopted && folder) {
    // An adopted compose file may bind anything in its folder: ship the whole folder.
    for (const [rel, content] of folder.files) appFiles.push({ source: rel, path: '', content });
  }

  return {
    name,
    kind: adopted ? 'adopted' : 'service',
    target: s.target,
    state: s.state ?? 'present',
    image: s.image,
    command: s.command,
    env: Object.fromEntries(Object.entries((s.env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]).sort(([a], [b]) => a.localeCompare(b))),
    secrets: [...(s.secrets ?? [])],
    volumes: (s.volumes ?? []).map((v: any) => ({ name: v.name, host: v.host, path: v.path, readonly: v.readonly ?? false })),
    files: appFiles,
    ports,
    dependsOn: [...(s.depends_on ?? [])],
    route: s.route && { subdomain: s.route.subdomain, port: s.route.port, sso: ssoPolicy(s.route.sso) },
    health: s.health && { http: s.health.http, port: s.health.port ?? s.route?.port },
    metrics: s.metrics && { path: s.metrics.path ?? '/metrics', port: s.metrics.port },
    compose: adopted?.compose ?? s.compose ?? {},
    purge: s.purge ?? false,
    swarm: swarmDeploy(s),
    swarmKeys: SWARM_KEYS.filter((k) => s[k] !== undefined),
    sourceFile: svc.file,
    composeFile: adopted?.src.file,
  };
}
