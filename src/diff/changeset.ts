import type { Manifest, ManifestApp } from '../render/manifest';
import type { CommitInfo } from '../git/repo';
import { canonicalJson } from '../render/canonical';

export interface Reason {
  commit?: string; // short sha
  file?: string;
  why: string;
}

export type ChangeKind = 'added' | 'changed' | 'removed';

export interface AppChange {
  name: string;
  target: string;
  change: ChangeKind;
  reasons: Reason[];
}

export interface ChangeSet {
  schema: 1;
  from: string | null;
  to: string;
  mode: 'first-run' | 'incremental' | 'full' | 'skipped';
  note?: string;
  commits: { sha: string; subject: string }[];
  apps: AppChange[];
  targets: { name: string; change: ChangeKind; reasons: Reason[] }[];
  conventions: { name: string; change: ChangeKind; reasons: Reason[] }[];
}

export interface DiffInput {
  from?: string;
  to: string;
  mode: 'first-run' | 'incremental' | 'full';
  note?: string;
  commits: CommitInfo[];
  oldManifest?: Manifest;
  newManifest: Manifest;
  projectKeyChanges: string[]; // dotted keys of project.yml whose value changed
  secretKeyChanges: Record<string, string[]>; // secrets file -> key names whose ciphertext changed
}

export const CONVERGE_PREFIX = 'converge:';
const EDGE = 'caddy';

/** Commits made by converge itself must not trigger another converge. */
export function onlyConvergeCommits(commits: { subject: string }[]): boolean {
  return commits.length > 0 && commits.every((c) => c.subject.startsWith(CONVERGE_PREFIX));
}

export function skippedChangeSet(from: string, to: string, commits: CommitInfo[]): ChangeSet {
  return {
    schema: 1,
    from,
    to,
    mode: 'skipped',
    note: `all ${commits.length} commit${commits.length === 1 ? '' : 's'} since the last converge start with "${CONVERGE_PREFIX}"`,
    commits: commits.map((c) => ({ sha: c.sha, subject: c.subject })),
    apps: [],
    targets: [],
    conventions: [],
  };
}

/** Pure: which apps, targets and conventions changed between two commits, and why. */
export function computeChangeSet(input: DiffInput): ChangeSet {
  const { oldManifest, newManifest } = input;
  const oldApps = new Map((oldManifest?.apps ?? []).map((a) => [a.name, a]));
  const newApps = new Map(newManifest.apps.map((a) => [a.name, a]));
  const touches = new Map<string, Reason[]>();
  const touch = (app: string, r: Reason) => {
    const list = touches.get(app) ?? [];
    if (!list.some((x) => x.commit === r.commit && x.file === r.file && x.why === r.why)) list.push(r);
    touches.set(app, list);
  };
  const conventions = new Map<string, Reason[]>();
  const allApps = [...new Set([...oldApps.keys(), ...newApps.keys()])].sort();

  if (input.mode === 'first-run') {
    for (const a of newManifest.apps) touch(a.name, { why: 'first run: nothing has been converged yet' });
  } else if (input.mode === 'full') {
    for (const name of allApps) touch(name, { why: `full comparison: ${input.note ?? 'requested'}` });
  } else {
    for (const c of input.commits) {
      const commit = c.sha.slice(0, 7);
      const isRendered = (f: { path: string }) => f.path.startsWith('rendered/');
      // Live files change with other apps and are synced in place: they never make their app "changed".
      const liveFiles = new Set([...(oldManifest?.apps ?? []), ...newManifest.apps].flatMap((a) => (a.live ?? []).flatMap((l) => l.files.map((f) => f.from))));
      for (const f of c.files.filter((x) => !isRendered(x))) attribute(f.path, f.status, commit);
      // rendered/ changes count only where the commit changed no source of that app.
      for (const f of c.files.filter(isRendered)) {
        if (liveFiles.has(f.path)) continue;
        const m = /^rendered\/[^/]+\/([^/]+)\//.exec(f.path);
        if (m && !(touches.get(m[1]) ?? []).some((r) => r.commit === commit)) touch(m[1], { commit, file: f.path, why: 'rendered file changed by hand or by converge' });
      }
    }
  }

  function attribute(path: string, status: string, commit: string): void {
    const at = (why: string): Reason => ({ commit, file: path, why });
    if (path === 'network.yml') {
      for (const name of allApps) touch(name, at('network.yml changed: it touches every app'));
      return;
    }
    if (path === 'project.yml') {
      for (const key of input.projectKeyChanges) {
        if (key === 'name' || key === 'domain') for (const name of allApps) touch(name, at(`project ${key} changed`));
        else if (key.startsWith('conventions.')) {
          const conv = key.split('.')[1];
          addConvention(conv, at(`${key} changed`));
          if (conv === 'routing' || conv === 'sso') touch(EDGE, at(`${key} changed`));
        } else if (key.startsWith('converge')) addConvention('converge', at(`${key} changed`));
      }
      return;
    }
    let m = /^services\/([^/]+)\//.exec(path);
    if (m) {
      const app = m[1];
      const deleted = status.startsWith('D') && path.endsWith('/service.yml');
      touch(app, at(deleted ? 'service.yml deleted' : status.startsWith('A') && path.endsWith('/service.yml') ? 'service.yml added' : `${path.slice(m[0].length)} changed`));
      return;
    }
    m = /^secrets\/(.+)$/.exec(path);
    if (m) {
      const changed = new Set(input.secretKeyChanges[path] ?? []);
      for (const a of newManifest.apps) {
        for (const k of a.secrets) if (changed.has(k)) touch(a.name, at(`secret ${k} changed`));
      }
      return;
    }
  }

  function addConvention(name: string, r: Reason): void {
    const list = conventions.get(name) ?? [];
    list.push(r);
    conventions.set(name, list);
  }

  const apps: AppChange[] = [];
  for (const name of allApps) {
    const before = live(oldApps.get(name));
    const after = live(newApps.get(name));
    let change: ChangeKind | undefined;
    if (!before && after) change = 'added';
    else if (before && !after) change = 'removed';
    else if (before && after && (before.hash !== after.hash || before.target !== after.target || touches.has(name))) change = 'changed';
    if (!change) continue;
    const reasons = touches.get(name) ?? [];
    if (!reasons.length) reasons.push({ why: change === 'changed' ? 'rendered definition changed' : `app ${change}` });
    if (change === 'removed' && newApps.get(name)?.state === 'absent' && !reasons.some((r) => r.why.includes('absent'))) reasons.unshift({ why: 'state: absent' });
    if (before && after && before.target !== after.target) reasons.unshift({ why: `moved from target ${before.target} to ${after.target}` });
    apps.push({ name, target: (after ?? before)!.target, change, reasons });
  }

  const targets: ChangeSet['targets'] = [];
  const oldT = oldManifest?.targets ?? {};
  for (const name of [...new Set([...Object.keys(oldT), ...Object.keys(newManifest.targets)])].sort()) {
    const a = oldT[name];
    const b = newManifest.targets[name];
    const change: ChangeKind | undefined = !a && b ? 'added' : a && !b ? 'removed' : canonicalJson(a) !== canonicalJson(b) ? 'changed' : undefined;
    if (change && input.mode !== 'first-run') targets.push({ name, change, reasons: [{ file: 'network.yml', why: `target ${change}` }] });
  }

  return {
    schema: 1,
    from: input.from ?? null,
    to: input.to,
    mode: input.mode,
    note: input.note,
    commits: input.commits.map((c) => ({ sha: c.sha, subject: c.subject })),
    apps,
    targets,
    conventions: [...conventions].sort(([a], [b]) => a.localeCompare(b)).map(([name, reasons]) => ({ name, change: 'changed' as const, reasons })),
  };
}

function live(a: ManifestApp | undefined): ManifestApp | undefined {
  return a && a.state === 'present' ? a : undefined;
}

/** Dotted keys whose value differs between two parsed project.yml documents (two levels deep). */
export function changedProjectKeys(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[k];
    const y = b[k];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (isMap(x) || isMap(y)) {
      const xm = (isMap(x) ? x : {}) as Record<string, unknown>;
      const ym = (isMap(y) ? y : {}) as Record<string, unknown>;
      for (const sub of [...new Set([...Object.keys(xm), ...Object.keys(ym)])].sort()) {
        if (JSON.stringify(xm[sub]) !== JSON.stringify(ym[sub])) out.push(`${k}.${sub}`);
      }
    } else out.push(k);
  }
  return out;
}

function isMap(v: unknown): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
