// What a swarm manager says about Steward's services, their tasks and the
// nodes, turned into the observation every target gives. Pure.
import { LABEL_APP, LABEL_HASH, LABEL_PROJECT, composeProjectName, type ContainerState, type Leftover, type ObservedApp, type ObservedContainer, type ObserveOptions } from './target';

export const MARK_SERVICES = '@@steward-services';
export const MARK_TASKS = '@@steward-tasks';
export const MARK_NODES = '@@steward-nodes';
export const STACK_LABEL = 'com.docker.stack.namespace';
const LABEL_REPLICAS = 'steward.replicas';
const LABEL_IMAGE = 'steward.image';

/** The parts of `docker service inspect` Steward reads. */
export interface SwarmService {
  ID: string;
  Spec: {
    Name: string;
    Labels?: Record<string, string> | null;
    TaskTemplate: { ContainerSpec: { Image: string; Labels?: Record<string, string> | null } };
    Mode: { Replicated?: { Replicas?: number }; Global?: object };
  };
  UpdateStatus?: { State?: string; Message?: string } | null;
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState: string;
  Spec: { ContainerSpec: { Image: string; Labels?: Record<string, string> | null } };
  Status: { State: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string };
  Spec: { Availability: string; Role: string };
  Status: { State: string; Addr?: string };
}

export interface SwarmListing {
  services: SwarmService[];
  tasks: SwarmTask[];
  nodes: SwarmNode[];
}

/** Parses what swarmListScript printed: one JSON array per section (empty sections are empty lists). */
export function parseSwarmListing(stdout: string): SwarmListing {
  const out: SwarmListing = { services: [], tasks: [], nodes: [] };
  const key = { [MARK_SERVICES]: 'services', [MARK_TASKS]: 'tasks', [MARK_NODES]: 'nodes' } as const;
  let section: (typeof key)[keyof typeof key] | undefined;
  for (const line of stdout.split('\n')) {
    if (line in key) {
      section = key[line as keyof typeof key];
      continue;
    }
    if (!section || !line.trim()) continue;
    (out[section] as unknown[]).push(...(JSON.parse(line) as unknown[]));
  }
  return out;
}

const TASK_STATE: Record<string, ContainerState> = { running: 'running', complete: 'exited', shutdown: 'exited', failed: 'exited', rejected: 'exited', orphaned: 'exited', remove: 'removing' };

function withoutDigest(image: string): string {
  const at = image.indexOf('@');
  return at < 0 ? image : image.slice(0, at);
}

/** A task as a container: the id is the task's (a service's tasks are what a swarm app is made of). */
export function taskContainer(svc: SwarmService, t: SwarmTask): ObservedContainer {
  const labels = { ...(t.Spec.ContainerSpec.Labels ?? {}) };
  const image = t.Spec.ContainerSpec.Image;
  const c: ObservedContainer = {
    id: t.ID,
    name: `${svc.Spec.Name}.${t.Slot ?? t.NodeID ?? t.ID}`,
    service: svc.Spec.Name.slice((svc.Spec.Labels?.[STACK_LABEL] ?? '').length + 1) || svc.Spec.Name,
    image: withoutDigest(image),
    imageId: '',
    imageDigests: image.includes('@') ? [image.slice(image.indexOf('@') + 1)] : [],
    state: TASK_STATE[t.Status.State] ?? 'created',
    exitCode: t.Status.ContainerStatus?.ExitCode ?? 0,
    labels,
  };
  const opt = { composeProject: svc.Spec.Labels?.[STACK_LABEL], project: labels[LABEL_PROJECT], app: labels[LABEL_APP], hash: labels[LABEL_HASH] };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  return c;
}

function serviceAsContainer(svc: SwarmService): ObservedContainer {
  const labels = { ...(svc.Spec.Labels ?? {}) };
  return { id: svc.ID, name: svc.Spec.Name, image: withoutDigest(svc.Spec.TaskTemplate.ContainerSpec.Image), imageId: '', imageDigests: [], state: 'running', exitCode: 0, labels,
    ...(labels[LABEL_PROJECT] ? { project: labels[LABEL_PROJECT] } : {}), ...(labels[LABEL_APP] ? { app: labels[LABEL_APP] } : {}) };
}

/** The state of one service of an app: its replicas, where they run, and what is wrong. */
export function serviceState(svc: SwarmService, tasks: SwarmTask[], nodes: SwarmNode[], failedOf?: string): Pick<ObservedApp, 'replicas' | 'nodes' | 'unplaced' | 'specDrift' | 'status' | 'containers' | 'hashes'> & { hash?: string; lastError?: string; lastTask?: string } {
  const spec = svc.Spec.Mode.Replicated?.Replicas ?? 0;
  const labels = svc.Spec.Labels ?? {};
  const desired = Number(labels[LABEL_REPLICAS] ?? spec);
  const hash = svc.Spec.TaskTemplate.ContainerSpec.Labels?.[LABEL_HASH];
  const mine = tasks.filter((t) => t.ServiceID === svc.ID);
  const live = mine.filter((t) => t.DesiredState === 'running');
  const running = live.filter((t) => t.Status.State === 'running' && t.Spec.ContainerSpec.Labels?.[LABEL_HASH] === hash);
  const perNode: Record<string, number> = {};
  for (const t of running) if (t.NodeID) perNode[t.NodeID] = (perNode[t.NodeID] ?? 0) + 1;
  const specDrift: string[] = [];
  if (spec !== desired) specDrift.push(`service ${svc.Spec.Name} scaled by hand to ${spec} replicas (the project wants ${desired})`);
  const wantImage = labels[LABEL_IMAGE];
  const image = withoutDigest(svc.Spec.TaskTemplate.ContainerSpec.Image);
  if (wantImage && image !== wantImage) specDrift.push(`service ${svc.Spec.Name} runs image ${image} set by hand (the project wants ${wantImage})`);
  const pending = live.filter((t) => ['pending', 'new', 'allocated', 'assigned'].includes(t.Status.State) && t.Status.Err);
  const down = nodes.filter((n) => n.Status.State !== 'ready' || n.Spec.Availability !== 'active');
  let unplaced: string | undefined;
  if (running.length < spec && !specDrift.length && pending.length) {
    const why = pending[0].Status.Err ?? '';
    unplaced = `${running.length} of ${spec} replicas running, ${pending.length} cannot be placed (${why})${down.length ? `; nodes not available: ${down.map((n) => `${n.Description?.Hostname ?? n.ID} ${n.Status.State}/${n.Spec.Availability}`).join(', ')}` : ''}`;
  }
  // A task Swarm shut down for a rollback may end as shutdown/complete, with its error kept.
  // A task that ended early (exit 0 counts: "complete") is what made Swarm roll back.
  const failed = mine.filter((t) => (['failed', 'rejected'].includes(t.Status.State) || (t.DesiredState !== 'running' && t.Status.State !== 'running')) && t.Spec.ContainerSpec.Labels?.[LABEL_HASH] === (failedOf ?? hash));
  // A task that ran has logs and an error worth reading; one shut down before it was scheduled has neither.
  const worst = failed.find((t) => t.Status.ContainerStatus?.ContainerID) ?? failed[0];
  const lastError = worst && `task ${worst.ID.slice(0, 12)} (${withoutDigest(worst.Spec.ContainerSpec.Image)}): ${worst.Status.Err || `${worst.Status.State}, ${worst.Status.Message ?? ''} (exit code ${worst.Status.ContainerStatus?.ExitCode ?? '?'})`}`;
  const lastTask = worst?.ID;
  const containers = live.map((t) => taskContainer(svc, t)).sort((a, b) => a.name.localeCompare(b.name));
  const hashes = [...new Set([hash ?? '', ...live.map((t) => t.Spec.ContainerSpec.Labels?.[LABEL_HASH] ?? '')])].sort();
  const status = running.length >= spec && live.length === running.length ? 'running' : running.length === 0 && spec > 0 ? 'stopped' : 'degraded';
  return { replicas: { desired, spec, running: running.length }, nodes: perNode, status, containers, hashes, ...(hash ? { hash } : {}), ...(unplaced ? { unplaced } : {}), ...(specDrift.length ? { specDrift } : {}), ...(lastError ? { lastError, lastTask } : {}) };
}

/** Steward's services as apps (one service per app stack); the rest of what carries its labels are leftovers. */
export function groupSwarm(listing: SwarmListing, options: ObserveOptions = {}): { apps: ObservedApp[]; leftovers: Leftover[] } {
  const apps: ObservedApp[] = [];
  const leftovers: Leftover[] = [];
  const known = options.knownApps ? new Set(options.knownApps) : undefined;
  for (const svc of listing.services) {
    const l = svc.Spec.Labels ?? {};
    const project = l[LABEL_PROJECT];
    const app = l[LABEL_APP];
    if (!project || (options.project && project !== options.project)) continue;
    const as = serviceAsContainer(svc);
    if (!app) {
      leftovers.push({ container: as, reason: `no ${LABEL_APP} label` });
      continue;
    }
    const stack = composeProjectName(project, app);
    if (l[STACK_LABEL] !== stack) {
      leftovers.push({ container: as, reason: `not in stack ${stack}` });
      continue;
    }
    if (known && !known.has(app)) {
      leftovers.push({ container: as, reason: `app ${app} is not in the project` });
      continue;
    }
    const s = serviceState(svc, listing.tasks, listing.nodes);
    const { lastError: _e, lastTask: _t, ...state } = s;
    apps.push({ project, app, composeProject: stack, ...state });
  }
  apps.sort((a, b) => a.composeProject.localeCompare(b.composeProject));
  leftovers.sort((a, b) => a.container.name.localeCompare(b.container.name));
  return { apps, leftovers };
}

export type RolloutState =
  | { done: true; ok: true; message: string }
  | { done: true; ok: false; status: 'rolled-back' | 'failed'; message: string; failing?: string; failingTask?: string }
  | { done: false; message: string; failing?: string; failingTask?: string };

/**
 * Where a rollout of `hash` stands, from the service's UpdateStatus and its
 * tasks: Swarm's own rollback shows as the spec carrying another hash again
 * (the previous one), a paused update as UpdateStatus paused.
 */
export function rolloutState(listing: SwarmListing, stack: string, hash: string): RolloutState {
  const services = listing.services.filter((s) => s.Spec.Labels?.[STACK_LABEL] === stack);
  if (!services.length) return { done: false, message: `no service of stack ${stack} yet` };
  const waiting: string[] = [];
  let failing: string | undefined;
  let failingTask: string | undefined;
  for (const svc of services) {
    // The error worth reporting is that of a task of the version being rolled out, also once Swarm rolled it back.
    const s = serviceState(svc, listing.tasks, listing.nodes, hash);
    failingTask ??= s.lastTask;
    const us = svc.UpdateStatus?.State;
    const why = svc.UpdateStatus?.Message ? `: ${svc.UpdateStatus.Message}` : '';
    failing ??= s.lastError;
    if (s.hash !== hash) {
      if (us === 'rollback_started' || us === 'updating') waiting.push(`service ${svc.Spec.Name} is rolling back${why}`);
      else return { done: true, ok: false, status: 'rolled-back', message: `Swarm rolled service ${svc.Spec.Name} back to ${s.hash ?? 'its previous version'}${why}`, failing, failingTask };
      continue;
    }
    if (us === 'paused' || us === 'rollback_paused') return { done: true, ok: false, status: 'failed', message: `the update of service ${svc.Spec.Name} is ${us.replace('_', ' ')}${why}`, failing, failingTask };
    if (us === 'updating') waiting.push(`service ${svc.Spec.Name} is updating (${s.replicas!.running}/${s.replicas!.spec} running)`);
    else if (s.status !== 'running') waiting.push(`service ${svc.Spec.Name}: ${s.replicas!.running} of ${s.replicas!.spec} replicas running${s.unplaced ? ` (${s.unplaced})` : ''}`);
  }
  if (waiting.length) return { done: false, message: waiting.join('; '), failing, failingTask };
  return { done: true, ok: true, message: `all ${services.map((s) => s.Spec.Mode.Replicated?.Replicas ?? 0).reduce((a, b) => a + b, 0)} tasks running` };
}
