import type { App, Project, TargetDef } from '../project/model';
import { canonicalJson, escapeDollar, sha256 } from './canonical';
import { deepMerge } from './merge';
import { LABEL_APP, LABEL_HASH, LABEL_PROJECT, LABEL_SECRETS, LABEL_TARGET, SECRETS_NONE, SECRETS_PLACEHOLDER, composeProjectName, sharedNetworkName } from './labels';

export interface RenderedCompose {
  compose: Record<string, unknown>;
  hash: string;
}

/**
 * Where an app file lands inside the app dir on the target. The driver owns
 * `files/` and replaces it whole on each apply, so everything goes below it.
 */
export function uploadPathOf(source: string): string {
  return source.startsWith('files/') ? source : `files/${source}`;
}

/** Absolute directory of an app on its target; bind mounts point here. */
export function appDir(target: TargetDef, project: string, app: string): string {
  return `${target.dir}/${project}/${app}`;
}

/** The compose file of a Steward-described app, hash label included. */
export function renderServiceCompose(p: Project, app: App): RenderedCompose {
  const target = p.network.targets[app.target];
  const dir = appDir(target, p.name, app.name);
  const volumes: Record<string, unknown>[] = [];
  const namedVolumes: Record<string, unknown> = {};
  for (const v of app.volumes) {
    if (v.name) {
      volumes.push({ type: 'volume', source: v.name, target: v.path, read_only: v.readonly || undefined });
      namedVolumes[v.name] = { labels: { [LABEL_PROJECT]: p.name, [LABEL_APP]: app.name } };
    } else {
      volumes.push({ type: 'bind', source: v.host, target: v.path, read_only: v.readonly || undefined });
    }
  }
  for (const f of app.files) volumes.push({ type: 'bind', source: `${dir}/${uploadPathOf(f.source)}`, target: f.path, read_only: true });
  // Outside the releases: the converge writes these dirs in place and the app re-reads them.
  for (const l of app.live ?? []) if (l.mount) volumes.push({ type: 'bind', source: `${dir}/${l.dir}`, target: l.mount, read_only: true });

  const service: Record<string, unknown> = {
    image: app.image,
    command: typeof app.command === 'string' ? escapeDollar(app.command) : app.command?.map(escapeDollar),
    restart: 'unless-stopped',
    environment: Object.keys(app.env).length ? Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, escapeDollar(v)])) : undefined,
    env_file: app.secrets.length ? [{ path: 'secrets.env', required: true }] : undefined,
    ports: app.ports.length
      ? app.ports.map((x) => ({ target: x.container, published: x.host !== undefined ? String(x.host) : undefined, protocol: x.protocol, host_ip: x.bind }))
      : undefined,
    volumes: volumes.length ? volumes : undefined,
    networks: { steward: { aliases: [app.name] } },
    labels: baseLabels(p.name, app.name, app.target, app.secrets.length > 0),
  };
  const merged = deepMerge(service, app.compose);
  const compose: Record<string, unknown> = {
    name: composeProjectName(p.name, app.name),
    services: { [app.name]: merged },
    networks: { steward: { name: sharedNetworkName(p.name), external: true } },
    volumes: Object.keys(namedVolumes).length ? namedVolumes : undefined,
  };
  return withHash(compose, app, [app.name]);
}

/** An adopted compose file, deployed as written but for the labels (and absolute bind paths). */
export function renderAdoptedCompose(p: Project, app: App): RenderedCompose {
  const target = p.network.targets[app.target];
  const dir = appDir(target, p.name, app.name);
  const source = structuredClone(app.compose) as Record<string, any>;
  const services = source.services as Record<string, Record<string, any>>;
  for (const svc of Object.values(services)) {
    svc.labels = { ...labelMap(svc.labels), ...baseLabels(p.name, app.name, app.target, app.secrets.length > 0) };
    if (app.secrets.length) svc.env_file = [...toList(svc.env_file), { path: 'secrets.env', required: true }];
    // Relative bind sources would resolve on the runner; the app folder is uploaded to `dir`.
    if (Array.isArray(svc.volumes)) svc.volumes = svc.volumes.map((v: unknown) => absolutize(v, dir));
  }
  const compose = { ...source, name: composeProjectName(p.name, app.name) };
  return withHash(compose, app, Object.keys(services));
}

export function withHash(compose: Record<string, unknown>, app: App, serviceNames: string[]): RenderedCompose {
  const hash = sha256(
    canonicalJson({
      compose,
      files: app.files.map((f) => ({ source: f.source, path: f.path, sha256: sha256(f.content) })),
      secrets: [...app.secrets].sort(),
      // The values' keyed hash is added at converge; the key names belong to the definition.
    }),
  ).slice(0, 16);
  const services = compose.services as Record<string, Record<string, any>>;
  for (const name of serviceNames) services[name].labels = { ...services[name].labels, [LABEL_HASH]: hash };
  return { compose, hash };
}

export function baseLabels(project: string, app: string, target: string, hasSecrets: boolean): Record<string, string> {
  return {
    [LABEL_PROJECT]: project,
    [LABEL_APP]: app,
    [LABEL_TARGET]: target,
    [LABEL_SECRETS]: hasSecrets ? SECRETS_PLACEHOLDER : SECRETS_NONE,
  };
}

function labelMap(labels: unknown): Record<string, string> {
  if (Array.isArray(labels)) {
    return Object.fromEntries(labels.map((l) => String(l)).map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));
  }
  return { ...((labels as Record<string, string>) ?? {}) };
}

function toList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function absolutize(v: unknown, dir: string): unknown {
  if (typeof v === 'string') {
    const [src, ...rest] = v.split(':');
    if (rest.length && (src.startsWith('./') || src === '.' || src.startsWith('../'))) return [`${dir}/${uploadPathOf(src.replace(/^\.\/?/, ''))}`.replace(/\/$/, ''), ...rest].join(':');
    return v;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'bind' && typeof o.source === 'string' && o.source.startsWith('.')) return { ...o, source: `${dir}/${uploadPathOf(o.source.replace(/^\.\/?/, ''))}`.replace(/\/$/, '') };
  }
  return v;
}
