import { EDGE_APP } from '../conventions/caddy';
import { DASHBOARD_DIR, DASHBOARD_FILE, dashboardHost, publicUrl, renderDashboard, type AppChange } from '../conventions/dashboard';
import type { GitRepo } from '../git/repo';
import type { Project } from '../project/model';
import type { Manifest } from '../render/manifest';
import { RENDERED_DIR } from '../render/render';
import type { TargetObservation } from '../status/status';
import type { Target } from '../targets/target';
import type { RunError, RunRecord } from './run-record';

export interface PublishInput {
  project: Project;
  manifest: Manifest;
  record: RunRecord;
  observed: Record<string, TargetObservation>;
  repo: GitRepo;
  /** Where the project sits in the repository ('' at the top, else with a trailing slash). */
  prefix: string;
  targetFor: (name: string) => Target;
  redact: (s: string) => string;
}

/** Per app, the last commit that changed its rendered files: what "changed" on the page says. */
async function lastChanges(repo: GitRepo, rev: string, prefix: string, manifest: Manifest): Promise<Record<string, AppChange>> {
  const found = await Promise.all(manifest.apps.map(async (a) => [a.name, await repo.lastCommitOf(rev, `${prefix}${RENDERED_DIR}/${a.target}/${a.name}/`)] as const));
  return Object.fromEntries(found.filter((f): f is readonly [string, AppChange] => f[1] !== undefined));
}

/**
 * Writes the status page into the edge app's site dir. A page that cannot be
 * written never fails the run: it comes back as an error of stage `record`.
 */
export async function publishDashboard(i: PublishInput): Promise<RunError | undefined> {
  const { project } = i;
  if (!dashboardHost(project)) return undefined;
  const edge = project.network.edge!;
  try {
    const changes = await lastChanges(i.repo, i.record.commit, i.prefix, i.manifest);
    const urls = Object.fromEntries(i.manifest.apps.filter((a) => a.route).map((a) => [a.route!.host, publicUrl(project, a.route!.host)]));
    // The page is for people: it passes the same mask as every log, plan and report.
    // The manifest has no image for the proxy (its compose file is Steward's): the page shows the one it runs.
    const manifest = { ...i.manifest, apps: i.manifest.apps.map((a) => (a.kind === 'edge' ? { ...a, image: a.image ?? project.conventions.routing!.image } : a)) };
    const html = i.redact(renderDashboard({ manifest, record: i.record, observed: i.observed, changes, urls }));
    await i.targetFor(edge).syncFiles({ project: project.name, app: EDGE_APP }, DASHBOARD_DIR, [{ path: DASHBOARD_FILE, content: Buffer.from(html) }]);
    return undefined;
  } catch (e) {
    return { stage: 'record', target: edge, app: EDGE_APP, message: i.redact(`the status page was not written: ${(e as Error).message.split('\n')[0]}`) };
  }
}
