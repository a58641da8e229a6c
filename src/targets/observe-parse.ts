import type { ContainerInspect } from './engine-api';
import type { HttpProbe } from './http-probe';
import { parseReleaseInfo } from './release';
import { MARK_CONTAINERS, MARK_HTTP, MARK_IMAGES, MARK_LIVE, MARK_RELEASES } from './scripts';
import {
  composeProjectName,
  LABEL_APP,
  LABEL_HASH,
  LABEL_PROJECT,
  type ContainerHealth,
  type ContainerState,
  type Leftover,
  type ObservedApp,
  type ObservedContainer,
  type ObservedLiveDir,
  type ObservedRelease,
  type ObserveOptions,
} from './target';

interface RawContainer {
  id: string;
  name: string;
  image: string;
  imageId: string;
  labels: Record<string, string> | null;
  /** Docker's State; Health exists only with a healthcheck (newer CLIs fail templates on the missing key). */
  state: { Status: string; ExitCode: number; Health?: { Status: string } | null };
}

export interface ParsedInspect {
  containers: ObservedContainer[];
  http?: HttpProbe | 'none';
  /** Per app, its current release as found on disk; only when the script looked (observe with an apps dir). */
  releases?: Map<string, ObservedRelease>;
  /** The project's live dirs (syncFiles) and their digests; only when the script looked. */
  live?: ObservedLiveDir[];
}

/** Parses what inspectContainers (and the optional HTTP check) printed. */
export function parseInspectOutput(stdout: string): ParsedInspect {
  const lines = stdout.split('\n');
  const raws: RawContainer[] = [];
  const digests = new Map<string, string[]>();
  let http: ParsedInspect['http'];
  let releases: ParsedInspect['releases'];
  let live: ObservedLiveDir[] | undefined;
  let section = '';
  for (const line of lines) {
    if (line === MARK_CONTAINERS || line === MARK_IMAGES || line === MARK_RELEASES || line === MARK_LIVE) {
      section = line;
      if (line === MARK_RELEASES) releases = new Map();
      if (line === MARK_LIVE) live = [];
      continue;
    }
    if (line.startsWith(`${MARK_HTTP} `)) {
      const [, code, url] = line.split(' ');
      http = code === 'none' ? 'none' : { code: Number(code), url: url ?? '' };
      continue;
    }
    if (!line.trim()) continue;
    const space = line.indexOf(' ');
    if (section === MARK_RELEASES) {
      const [app, files, env, compose] = line.split(' ', 4);
      const json = line.split(' ').slice(4).join(' ');
      releases!.set(app, observedRelease(json, { files, env, compose }, app));
      continue;
    }
    if (section === MARK_LIVE) {
      const [app, dir, digest] = line.split(' ');
      if (app && dir && digest) live!.push({ app, dir, digest });
      continue;
    }
    if (section === MARK_CONTAINERS) {
      raws.push(JSON.parse(line.slice(space + 1)) as RawContainer);
    } else if (section === MARK_IMAGES) {
      const id = JSON.parse(line.slice(0, space)) as string;
      const list = JSON.parse(line.slice(space + 1)) as string[] | null;
      digests.set(id, list ?? []);
    }
  }
  const containers = raws.map((r) => toContainer(r, digests.get(r.imageId) ?? []));
  const out: ParsedInspect = { containers, http };
  if (releases) out.releases = releases;
  if (live) out.live = live.sort((a, b) => `${a.app}/${a.dir}`.localeCompare(`${b.app}/${b.dir}`));
  return out;
}

const ON_DISK = { files: 'files/', env: 'secrets.env', compose: 'compose.yaml' } as const;

/** The release as recorded at upload, and which of its parts no longer match on disk. */
function observedRelease(json: string, now: { files: string; env: string; compose: string }, app: string): ObservedRelease {
  let info;
  try {
    info = parseReleaseInfo(json, `app ${app}`);
  } catch (e) {
    return { id: '', hash: '', changed: [`release.json (${(e as Error).message})`] };
  }
  const changed = (Object.keys(ON_DISK) as (keyof typeof ON_DISK)[]).filter((k) => info.digests[k] !== now[k]).map((k) => ON_DISK[k]);
  return { id: info.id, hash: info.hash, changed };
}

/** A container as the Engine API's inspect returns it (health polls read the engine directly). */
export function containerFromInspect(i: ContainerInspect): ObservedContainer {
  return toContainer({ id: i.Id, name: i.Name, image: i.Config.Image, imageId: i.Image, labels: i.Config.Labels, state: i.State }, []);
}

function toContainer(r: RawContainer, imageDigests: string[]): ObservedContainer {
  const labels = r.labels ?? {};
  const c: ObservedContainer = {
    id: r.id,
    name: r.name.replace(/^\//, ''),
    image: r.image,
    imageId: r.imageId,
    imageDigests: [...imageDigests].sort(),
    state: r.state.Status as ContainerState,
    exitCode: r.state.ExitCode,
    labels,
  };
  const opt = {
    service: labels['com.docker.compose.service'],
    composeProject: labels['com.docker.compose.project'],
    project: labels[LABEL_PROJECT],
    app: labels[LABEL_APP],
    hash: labels[LABEL_HASH],
    configHash: labels['com.docker.compose.config-hash'],
    health: (r.state.Health?.Status ?? undefined) as ContainerHealth | undefined,
  };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  return c;
}

/** Groups Steward's containers into apps; anything that does not fit an app cleanly is a leftover. */
export function groupApps(
  containers: ObservedContainer[],
  options: ObserveOptions = {},
  releases?: Map<string, ObservedRelease>,
): { apps: ObservedApp[]; leftovers: Leftover[] } {
  const byApp = new Map<string, ObservedContainer[]>();
  const leftovers: Leftover[] = [];
  const known = options.knownApps ? new Set(options.knownApps) : undefined;
  for (const c of containers) {
    if (!c.project) continue; // never ours: not even reported
    if (options.project && c.project !== options.project) continue;
    if (!c.app) {
      leftovers.push({ container: c, reason: `no ${LABEL_APP} label` });
      continue;
    }
    const expected = composeProjectName(c.project, c.app);
    if (c.composeProject !== expected) {
      leftovers.push({ container: c, reason: `not in compose project ${expected}` });
      continue;
    }
    if (known && (c.project !== options.project || !known.has(c.app))) {
      leftovers.push({ container: c, reason: `app ${c.app} is not in the project` });
      continue;
    }
    const key = `${c.project}\u0000${c.app}`;
    byApp.set(key, [...(byApp.get(key) ?? []), c]);
  }
  const apps = [...byApp.values()].map((list) => toApp(list));
  // Looked, and no current release: null; not looked: undefined.
  if (releases) for (const a of apps) a.release = a.project === options.project ? (releases.get(a.app) ?? null) : undefined;
  apps.sort((a, b) => a.composeProject.localeCompare(b.composeProject));
  leftovers.sort((a, b) => a.container.name.localeCompare(b.container.name));
  return { apps, leftovers };
}

function toApp(list: ObservedContainer[]): ObservedApp {
  const first = list[0]!;
  const containers = [...list].sort((a, b) => a.name.localeCompare(b.name));
  const hashes = [...new Set(containers.map((c) => c.hash ?? ''))].sort();
  const running = containers.filter((c) => c.state === 'running' && c.health !== 'unhealthy').length;
  const status = running === containers.length ? 'running' : containers.some((c) => c.state === 'running') ? 'degraded' : 'stopped';
  const app: ObservedApp = {
    project: first.project!,
    app: first.app!,
    composeProject: first.composeProject!,
    hashes,
    status,
    containers,
  };
  if (hashes.length === 1 && hashes[0]) app.hash = hashes[0];
  return app;
}
