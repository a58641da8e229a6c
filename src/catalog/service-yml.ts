import { stringify } from 'yaml';
import { HOST_PLACEHOLDER, type CatalogEntry } from './catalog';

export interface AddChoice {
  /** The app's name: its folder under services/. */
  readonly name: string;
  readonly target: string;
  /** The route's subdomain; null: no route. */
  readonly subdomain: string | null;
  readonly domain: string;
  /** The target is not the edge's: the proxy reaches the route's port over the network, so it is published. */
  readonly publishRoute: boolean;
}

/** The secrets file `app add` names for an app's secrets. */
export const secretsFileOf = (app: string): string => `secrets/${app}.sops.yaml`;

/** services/<name>/service.yml for a catalog entry: pure, so its text is tested exactly. */
export function catalogServiceYml(e: CatalogEntry, c: AddChoice): string {
  const host = `${c.subdomain ?? c.name}.${c.domain}`;
  const doc: Record<string, unknown> = { target: c.target, image: e.image };
  if (e.env && Object.keys(e.env).length > 0) doc.env = Object.fromEntries(Object.entries(e.env).map(([k, v]) => [k, v.split(HOST_PLACEHOLDER).join(host)]));
  if (e.secrets?.length) doc.secrets = e.secrets.map((s) => s.name);
  if (e.volumes?.length) doc.volumes = e.volumes.map((v) => ({ name: v.name, path: v.path }));
  const routed = c.subdomain !== null && e.port !== undefined;
  const ports = [...(e.ports ?? [])];
  if (routed && c.publishRoute && !ports.some((p) => p.container === e.port && !p.protocol)) ports.unshift({ container: e.port!, host: e.port! });
  if (ports.length) doc.ports = ports.map((p) => ({ container: p.container, host: p.host, ...(p.protocol ? { protocol: p.protocol } : {}) }));
  if (routed) doc.route = { subdomain: c.subdomain, port: e.port };
  if (e.health) doc.health = { http: e.health.http, port: e.health.port };
  if (e.metrics) doc.metrics = { path: e.metrics.path, port: e.metrics.port };
  if (e.compose) doc.compose = e.compose;
  const header = [
    `# ${c.name}: ${e.description}, from Steward's catalog (${e.key}).`,
    '# The image is pinned: to upgrade, change its tag here and push.',
    ...(e.secrets?.length ? [`# Secrets: ${e.secrets.map((s) => s.name).join(', ')} (set them with \`steward secrets set ${secretsFileOf(c.name)} KEY\`).`] : []),
  ];
  return `${header.join('\n')}\n${stringify(doc, { lineWidth: 0 })}`;
}

/** The commands that set each secret the app needs; values come from stdin, never argv. */
export function secretCommands(e: CatalogEntry, app: string): string[] {
  return (e.secrets ?? []).map((s) => `printf %s "$${s.name}" | steward secrets set ${secretsFileOf(app)} ${s.name}   # ${s.what}`);
}
