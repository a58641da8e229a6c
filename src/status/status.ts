import type { Manifest } from '../render/manifest';
import type { ObservedApp, ObservedTarget } from '../targets/target';
import { formatTable } from './table';

/** What observing one target gave: its state, or why it could not be reached. */
export type TargetObservation = ObservedTarget | { target: string; error: string };

export type AppHealth = 'running' | 'degraded' | 'stopped' | 'missing' | 'absent' | 'unknown';

export interface StatusRow {
  target: string;
  app: string;
  /** The rendered definition; undefined for what runs without being in the project. */
  desired?: { hash?: string; image?: string; state: 'present' | 'absent' };
  running?: { hash?: string; image?: string };
  health: AppHealth;
  /** Why the app is not as the project says; undefined: in sync. */
  drift?: string;
}

export interface StatusTarget {
  name: string;
  reachable: boolean;
  error?: string;
}

export interface ConvergedCommit {
  commit: string;
  /** HEAD of the checkout status ran in, to tell whether the converged commit is the current one. */
  head?: string;
  /** Where the ref was read: the remote's (fetched now) or only the local copy. */
  from: 'remote' | 'local';
}

export interface Status {
  project: string;
  converged: ConvergedCommit | null;
  targets: StatusTarget[];
  rows: StatusRow[];
  summary: { apps: number; inSync: number; drifted: number; unknown: number };
  /** 0 in sync, 2 drifted, 1 a target unreachable. */
  exitCode: 0 | 1 | 2;
}

const short = (hash: string | undefined) => (hash ? hash.slice(0, 8) : undefined);

function runningOf(o: ObservedApp): { hash?: string; image?: string } {
  const images = [...new Set(o.containers.map((c) => c.image))].sort();
  return { hash: o.hash ?? (o.hashes.length ? o.hashes.join('|') : undefined), image: images.join(',') || undefined };
}

/** Desired (the rendered manifest) against observed, app by app; pure. */
export function buildStatus(manifest: Manifest, observed: Record<string, TargetObservation>, converged: ConvergedCommit | null): Status {
  const rows: StatusRow[] = [];
  const targets: StatusTarget[] = [];
  for (const name of Object.keys(manifest.targets).sort()) {
    const o = observed[name];
    const desired = manifest.apps.filter((a) => a.target === name).sort((a, b) => a.name.localeCompare(b.name));
    if (!o || 'error' in o) {
      targets.push({ name, reachable: false, error: o && 'error' in o ? o.error : 'not observed' });
      for (const a of desired) rows.push({ target: name, app: a.name, desired: { hash: a.hash, image: a.image, state: a.state }, health: 'unknown', drift: 'target unreachable' });
      continue;
    }
    targets.push({ name, reachable: true });
    const seen = new Map(o.apps.map((x) => [x.app, x]));
    for (const a of desired) {
      const run = seen.get(a.name);
      seen.delete(a.name);
      const row: StatusRow = { target: name, app: a.name, desired: { hash: a.hash, image: a.image, state: a.state }, health: run ? run.status : a.state === 'absent' ? 'absent' : 'missing' };
      if (run) row.running = runningOf(run);
      if (a.state === 'absent') {
        if (run) row.drift = 'running although state: absent';
      } else if (!run) row.drift = 'not running (removed by hand, or never deployed)';
      else if (run.hash !== a.hash) row.drift = `running ${run.hash ? short(run.hash) : 'mixed definitions'}, desired ${short(a.hash)}`;
      else if (run.specDrift?.length) row.drift = run.specDrift.join('; ');
      else if (run.unplaced) row.drift = `degraded: ${run.unplaced}`;
      else if (run.status !== 'running') row.drift = `container ${run.status}`;
      rows.push(row);
    }
    for (const run of [...seen.values()].sort((a, b) => a.app.localeCompare(b.app))) {
      const elsewhere = manifest.apps.find((a) => a.name === run.app && a.state === 'present');
      rows.push({ target: name, app: run.app, running: runningOf(run), health: run.status, drift: elsewhere ? `running here, desired on ${elsewhere.target}` : 'not in the project' });
    }
    for (const l of o.leftovers) {
      rows.push({ target: name, app: l.container.app ?? l.container.name, running: { hash: l.container.hash, image: l.container.image }, health: l.container.state === 'running' ? 'running' : 'stopped', drift: `leftover container ${l.container.name}: ${l.reason}` });
    }
  }
  const unknown = rows.filter((r) => r.health === 'unknown').length;
  const drifted = rows.filter((r) => r.drift && r.health !== 'unknown').length;
  const unreachable = targets.some((t) => !t.reachable);
  return {
    project: manifest.project,
    converged,
    targets,
    rows,
    summary: { apps: rows.length, inSync: rows.length - drifted - unknown, drifted, unknown },
    exitCode: unreachable ? 1 : drifted > 0 ? 2 : 0,
  };
}

const version = (v: { hash?: string; image?: string } | undefined) => (v ? `${short(v.hash) ?? '-'} ${v.image ?? '-'}` : '-');

/** One screen: the converged commit, a row per app, unreachable targets, the summary line. */
export function formatStatus(s: Status): string {
  const c = s.converged;
  const head = c
    ? `converged: ${c.commit.slice(0, 12)}${c.head ? (c.head === c.commit ? ' (HEAD)' : ` (HEAD is ${c.head.slice(0, 12)})`) : ''}${c.from === 'local' ? ', local ref' : ''}`
    : 'converged: never (no refs/steward/converged)';
  const table = formatTable([
    ['TARGET', 'APP', 'DESIRED', 'RUNNING', 'HEALTH', 'SYNC'],
    ...s.rows.map((r) => [r.target, r.app, r.desired?.state === 'absent' ? 'absent' : version(r.desired), version(r.running), r.health, r.drift ? (r.health === 'unknown' ? 'unknown' : `drift: ${r.drift}`) : 'in sync']),
  ]);
  const lines = [`project ${s.project}, ${head}`, '', table];
  const down = s.targets.filter((t) => !t.reachable);
  if (down.length) lines.push('', ...down.map((t) => `unreachable: ${t.error}`));
  const parts = [`${s.summary.inSync} in sync`, `${s.summary.drifted} drifted`];
  if (s.summary.unknown) parts.push(`${s.summary.unknown} unknown`);
  lines.push('', `${parts.join(', ')} (${s.targets.length - down.length} of ${s.targets.length} targets reached)`);
  return lines.join('\n');
}
