import { parseDocument } from 'yaml';
import type { Project } from '../project/model';
import type { RenderOutput } from '../render/render';
import type { ManifestApp } from '../render/manifest';
import { LABEL_SECRETS, SECRETS_NONE } from '../render/labels';
import type { DeployableApp } from '../targets/target';
import { withSwarmSecretNames } from '../render/stack';

/** What the driver needs to apply one app: its rendered compose, its files, its secret env. */
export function toDeployable(
  project: Project,
  rendered: RenderOutput,
  app: ManifestApp,
  secrets: { env: Record<string, string>; hash: string; valueHashes?: Record<string, string> } = { env: {}, hash: SECRETS_NONE },
): DeployableApp {
  if (!app.compose || !app.hash) throw new Error(`app ${app.name} has no rendered compose file (state: ${app.state})`);
  const compose = rendered.files.get(app.compose);
  if (compose === undefined) throw new Error(`${app.compose} is missing from the render output`);
  const model = project.apps.find((a) => a.name === app.name);
  const files = app.files.map((f) => {
    const content = f.from.startsWith('rendered/') ? Buffer.from(rendered.files.get(f.from) ?? '') : model?.files.find((x) => `services/${app.name}/${x.source}` === f.from)?.content;
    if (!content) throw new Error(`${f.from} is missing`);
    return { path: f.to, content };
  });
  return {
    project: project.name,
    app: app.name,
    target: app.target,
    hash: app.hash,
    compose: withSecretsHash(project.network.targets[app.target]?.engine === 'swarm' && app.secrets.length ? withSwarmSecretNames(compose, project.name, app.name, secrets.valueHashes ?? {}) : compose, secrets.hash),
    files,
    env: secrets.env,
    health: app.health,
    healthTimeoutMs: project.converge.healthTimeoutMs,
    purge: app.purge,
  };
}

/** The rendered file carries a placeholder; the container gets the keyed hash of the values. */
export function withSecretsHash(composeText: string, hash: string): string {
  if (hash === SECRETS_NONE) return composeText;
  const doc = parseDocument(composeText);
  const services = doc.get('services') as { items: { key: { value: string } }[] } | undefined;
  for (const item of services?.items ?? []) doc.setIn(['services', item.key.value, 'labels', LABEL_SECRETS], hash);
  return doc.toString({ lineWidth: 0 });
}
