// The stack file of an app on a swarm target: a compose file `docker stack
// deploy` reads, with `deploy:`, its mounted files as Swarm configs and its
// secrets as Swarm secrets. Configs and secrets cannot change in Swarm ("only
// updates to Labels are allowed", moby #33808), so each is named by a hash of
// its content: new content, new object, and the service is updated to it.
import { parseDocument } from 'yaml';
import type { App, Project } from '../project/model';
import { escapeDollar, sha256 } from './canonical';
import { baseLabels, uploadPathOf, withHash, type RenderedCompose } from './compose';
import { deepMerge } from './merge';
import { LABEL_APP, LABEL_PROJECT, sharedNetworkName } from './labels';

/** docker stack deploy of Debian's docker.io (20.10) reads only versioned files; 3.8 has every key used here. */
export const STACK_FILE_VERSION = '3.8';
export const LABEL_REPLICAS = 'steward.replicas';
export const LABEL_IMAGE = 'steward.image';
/** Render cannot know secret values: the name's last part is set at converge (withSwarmSecretNames). */
export const SECRET_NAME_PLACEHOLDER = 'set-at-converge';
// Swarm refuses config and secret names longer than 64 characters.
const NAME_MAX = 64;

/** `<project>-<app>`, cut so that `-<suffix>` still fits a Swarm object name. */
function objectPrefix(project: string, app: string, suffix: string): string {
  return `${project}-${app}`.slice(0, NAME_MAX - suffix.length - 1).replace(/-+$/, '');
}

/** The Swarm config of a mounted file: named by the file's content. */
export function configName(project: string, app: string, content: Buffer): string {
  const h = sha256(content).slice(0, 12);
  return `${objectPrefix(project, app, h)}-${h}`;
}

/** The Swarm secret of one value: named by its keyed hash, so the name reveals nothing. */
export function secretName(project: string, app: string, valueHash: string): string {
  const h = valueHash.replace(/^hmac-sha256:/, '').slice(0, 16);
  return `${objectPrefix(project, app, h)}-${h}`;
}

export const secretFile = (key: string): string => `secrets/${key}`;

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * health.http as the container's own healthcheck: Swarm rolls back and
 * replaces tasks only on health it sees itself. It runs inside the image, with
 * its wget or curl. The path's characters (service.schema.json) hold no quote.
 */
function healthcheck(path: string, port: number): Record<string, unknown> {
  if (!/^\/[A-Za-z0-9._~!&()*+,=:@%/?-]*$/.test(path)) throw new Error(`refusing health path ${JSON.stringify(path)}`);
  const url = `'http://127.0.0.1:${port}${path}'`;
  return { test: ['CMD-SHELL', `wget -q -O /dev/null ${url} || curl -fsS -o /dev/null ${url}`], interval: '2s', timeout: '2s', retries: 3, start_period: '5s' };
}

export function renderStack(p: Project, app: App): RenderedCompose {
  const target = p.network.targets[app.target];
  const d = app.swarm!;
  const labels = baseLabels(p.name, app.name, app.target, app.secrets.length > 0);
  const objectLabels = { [LABEL_PROJECT]: p.name, [LABEL_APP]: app.name };
  const volumes: Record<string, unknown>[] = [];
  const namedVolumes: Record<string, unknown> = {};
  for (const v of app.volumes) {
    if (v.name) {
      volumes.push({ type: 'volume', source: v.name, target: v.path, read_only: v.readonly || undefined });
      namedVolumes[v.name] = { labels: objectLabels };
    } else volumes.push({ type: 'bind', source: v.host, target: v.path, read_only: v.readonly || undefined });
  }
  const configs: Record<string, unknown> = {};
  const configRefs = app.files.map((f) => {
    const name = configName(p.name, app.name, f.content);
    configs[name] = { name, file: `./${uploadPathOf(f.source)}`, labels: objectLabels };
    return { source: name, target: f.path, mode: 0o444 };
  });
  const secrets: Record<string, unknown> = {};
  for (const key of app.secrets) secrets[key] = { name: `${objectPrefix(p.name, app.name, SECRET_NAME_PLACEHOLDER)}-${SECRET_NAME_PLACEHOLDER}`, file: `./${secretFile(key)}`, labels: objectLabels };
  const environment: Record<string, string> = Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, escapeDollar(v)]));
  // Secrets are files in /run/secrets; the *_FILE convention tells images where.
  for (const key of app.secrets) environment[`${key}_FILE`] ??= `/run/secrets/${key}`;

  const placement = {
    constraints: d.placement.constraints.length ? d.placement.constraints : undefined,
    preferences: d.placement.preferences.length ? d.placement.preferences.map((x) => ({ spread: x.spread })) : undefined,
    max_replicas_per_node: d.placement.maxPerNode,
  };
  const service: Record<string, unknown> = {
    image: app.image,
    command: typeof app.command === 'string' ? escapeDollar(app.command) : app.command?.map(escapeDollar),
    environment: Object.keys(environment).length ? environment : undefined,
    secrets: app.secrets.length ? app.secrets.map((key) => ({ source: key, target: key })) : undefined,
    configs: configRefs.length ? configRefs : undefined,
    ports: app.ports.length
      ? app.ports.map((x) => ({ target: x.container, published: x.host, protocol: x.protocol, mode: x.host !== undefined ? target.publish ?? 'ingress' : undefined }))
      : undefined,
    volumes: volumes.length ? volumes : undefined,
    networks: { steward: { aliases: [app.name] } },
    healthcheck: app.health?.http ? healthcheck(app.health.http, app.health.port ?? 80) : undefined,
    labels,
    deploy: {
      mode: 'replicated',
      replicas: d.replicas,
      // Without IPVS a service's virtual IP routes nothing: its name then resolves to the tasks.
      endpoint_mode: target.endpointMode === 'dnsrr' ? 'dnsrr' : undefined,
      placement: Object.values(placement).some((v) => v !== undefined) ? placement : undefined,
      update_config: { parallelism: d.update.parallelism, delay: duration(d.update.delayMs), order: d.update.order, failure_action: d.update.failureAction, monitor: '5s' },
      rollback_config: { parallelism: d.update.parallelism, order: d.update.order },
      restart_policy: { condition: 'any', delay: '2s' },
      labels: { ...labels, [LABEL_REPLICAS]: String(d.replicas), [LABEL_IMAGE]: app.image ?? '' },
    },
  };
  const compose: Record<string, unknown> = {
    version: STACK_FILE_VERSION,
    services: { [app.name]: deepMerge(service, app.compose) },
    networks: { steward: { name: sharedNetworkName(p.name), external: true } },
    volumes: Object.keys(namedVolumes).length ? namedVolumes : undefined,
    configs: Object.keys(configs).length ? configs : undefined,
    secrets: Object.keys(secrets).length ? secrets : undefined,
  };
  const r = withHash(compose, app, [app.name]);
  const svc = (r.compose.services as Record<string, Record<string, any>>)[app.name];
  svc.deploy.labels = { ...svc.deploy.labels, ...svc.labels };
  return r;
}

/**
 * The stack file as converge deploys it: each secret named by the keyed hash
 * of its value (the hashes come from the converge, which holds the key).
 */
export function withSwarmSecretNames(stackText: string, project: string, app: string, valueHashes: Record<string, string>): string {
  const doc = parseDocument(stackText);
  const secrets = doc.get('secrets') as { items: { key: { value: string } }[] } | undefined;
  if (!secrets?.items?.length) return stackText;
  for (const item of secrets.items) {
    const key = String(item.key.value);
    const h = valueHashes[key];
    if (!h) throw new Error(`no value hash for secret ${key} of app ${app}: secrets on a swarm need the age key at converge`);
    doc.setIn(['secrets', key, 'name'], secretName(project, app, h));
  }
  return doc.toString({ lineWidth: 0 });
}

/**
 * A release's stack file for Steward's own rollback: its configs and secrets
 * exist in the swarm already (they are named by content and kept while a
 * service uses them), so they are referenced, not created from files.
 */
export function withExternalObjects(stackText: string): string {
  const doc = parseDocument(stackText);
  for (const kind of ['configs', 'secrets']) {
    const map = doc.get(kind) as { items: { key: { value: string } }[] } | undefined;
    for (const item of map?.items ?? []) {
      const key = String(item.key.value);
      const name = doc.getIn([kind, key, 'name']);
      doc.setIn([kind, key], doc.createNode({ name, external: true }));
    }
  }
  return doc.toString({ lineWidth: 0 });
}
