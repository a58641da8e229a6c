import { parse } from 'yaml';
import { GitRepo, CONVERGED_REF, type CommitInfo } from '../git/repo';
import { loadProject } from '../project/load';
import { renderProject } from '../render/render';
import type { Manifest } from '../render/manifest';
import { changedSopsKeys, sopsFormatFromPath } from '../secrets';
import { changedProjectKeys, computeChangeSet, onlyConvergeCommits, skippedChangeSet, type ChangeSet } from './changeset';

export interface DiffOptions {
  projectDir: string;
  repoDir?: string; // the git working copy holding the project; default: projectDir
  remote?: string; // where the converged ref lives; default origin
  base?: string; // compare against this commit instead of the converged ref (pull requests)
  full?: boolean; // ignore the converged commit: compare everything
  log?: (line: string) => void;
  manifest?: Manifest; // the rendered manifest of HEAD, when the caller has it already
}

// A shallow clone is deepened this far, step by step, to reach the converged commit.
const DEEPEN_STEPS = [50, 200, 1000];

/** From the last converged commit (or `base`) to HEAD: the ChangeSet. Git only, no targets. */
export async function runDiff(opts: DiffOptions): Promise<ChangeSet> {
  const log = opts.log ?? (() => {});
  const repo = new GitRepo(opts.repoDir ?? opts.projectDir, 'diff');
  const prefix = await repo.prefixOf(opts.projectDir);
  const remote = opts.remote ?? 'origin';
  const to = await repo.head();
  const newManifest = opts.manifest ?? renderProject(loadProject(opts.projectDir)).manifest;
  const hasRemote = await repo.hasRemote(remote);

  let from: string | undefined;
  if (opts.base) {
    from = (await repo.resolve(opts.base)) ?? (hasRemote && (await repo.fetchRef(remote, opts.base, 1)) ? await repo.resolve(opts.base) : undefined);
    if (!from) throw new Error(`base ${opts.base} is not a commit here or on ${remote}`);
  } else if (!opts.full) {
    if (hasRemote && !(await repo.fetchRef(remote, CONVERGED_REF))) log(`no ${CONVERGED_REF} on ${remote} yet`);
    from = await repo.resolve(CONVERGED_REF);
  }
  if (!from) {
    const mode = opts.full ? 'full' : 'first-run';
    return computeChangeSet({ to, mode, note: opts.full ? 'full comparison requested' : undefined, commits: [], newManifest, projectKeyChanges: [], secretKeyChanges: {} });
  }

  if (!(await repo.isAncestor(from, to)) && hasRemote && (await repo.isShallow())) {
    for (const step of DEEPEN_STEPS) {
      log(`shallow clone: deepening by ${step} commits to reach ${from.slice(0, 7)}`);
      await repo.deepen(remote, step);
      if (await repo.isAncestor(from, to)) break;
    }
  }
  const oldManifest = parseManifest(await repo.show(from, `${prefix}rendered/manifest.json`));
  if (!(await repo.isAncestor(from, to))) {
    const note = `the last converged commit ${from.slice(0, 7)} is not an ancestor of HEAD (history rewritten by a force-push?); comparing everything`;
    log(note);
    return computeChangeSet({ from, to, mode: 'full', note, commits: [], oldManifest, newManifest, projectKeyChanges: [], secretKeyChanges: {} });
  }

  const commits = stripPrefix(await repo.commitsBetween(from, to), prefix);
  if (onlyConvergeCommits(commits)) return skippedChangeSet(from, to, commits);
  if (!oldManifest) {
    const note = `no rendered/manifest.json at ${from.slice(0, 7)}; comparing everything`;
    return computeChangeSet({ from, to, mode: 'full', note, commits, newManifest, projectKeyChanges: [], secretKeyChanges: {} });
  }

  const touched = new Set(commits.flatMap((c) => c.files.map((f) => f.path)));
  const projectKeyChanges = touched.has('project.yml')
    ? changedProjectKeys(parseYaml(await repo.show(from, `${prefix}project.yml`)), parseYaml(await repo.show(to, `${prefix}project.yml`)))
    : [];
  const secretKeyChanges: Record<string, string[]> = {};
  for (const path of [...touched].filter((p) => p.startsWith('secrets/'))) {
    const [a, b] = [await repo.show(from, prefix + path), await repo.show(to, prefix + path)];
    try {
      secretKeyChanges[path] = changedSopsKeys(a ?? null, b ?? null, sopsFormatFromPath(path), path).map((c) => c.key);
    } catch {
      // An unreadable secrets file at either end: treat every key its apps use as changed.
      secretKeyChanges[path] = newManifest.apps.flatMap((x) => x.secrets);
    }
  }
  return computeChangeSet({ from, to, mode: 'incremental', commits, oldManifest, newManifest, projectKeyChanges, secretKeyChanges });
}

function stripPrefix(commits: CommitInfo[], prefix: string): CommitInfo[] {
  if (!prefix) return commits;
  return commits.map((c) => ({ ...c, files: c.files.filter((f) => f.path.startsWith(prefix)).map((f) => ({ ...f, path: f.path.slice(prefix.length) })) }));
}

function parseManifest(text: string | undefined): Manifest | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Manifest;
  } catch {
    return undefined;
  }
}

function parseYaml(text: string | undefined): unknown {
  try {
    return text ? parse(text) : undefined;
  } catch {
    return undefined;
  }
}
