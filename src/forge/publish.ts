import type { RunRecord } from '../converge/run-record';
import { fitComment, FORGEJO_COMMENT_LIMIT } from '../report/comment-body';
import { notify, type NotifyFormat } from '../report/notify';
import { commitState, runMarkdown, worthNotifying } from '../report/run-markdown';
import { planMarkdown, summaryLine } from '../plan/markdown';
import { failureMarkdown, failureSummary, type StageFailure } from '../report/stage-failure';
import type { Plan } from '../plan/types';
import { ForgeClient, stickyMarker } from './client';

export interface PublishOptions {
  token?: string;
  env: NodeJS.ProcessEnv;
  statusContext: string;
  pullRequest?: number; // set on pull_request events: the plan goes into the sticky comment
  sha?: string; // commit for the status; default the record's / plan's commit
  alsoSha?: string; // the commit the run was for, when the run converged a later one (a re-render it committed)
  webhookUrl?: string;
  webhookFormat?: NotifyFormat;
  redact: (text: string) => string;
  log: (line: string) => void;
}

export interface Published {
  markdown: string;
  state: 'success' | 'failure';
  commentId?: number;
  notified: boolean;
}

/**
 * RunRecord (converge), Plan (pull requests), or the failure of a stage that
 * ran before either existed -> commit status, sticky comment, webhook.
 */
export async function publish(input: { record?: RunRecord; plan?: Plan; failure?: StageFailure }, o: PublishOptions): Promise<Published> {
  const { record, plan, failure } = input;
  if (!record && !plan && !failure) throw new Error('nothing to report: give the run-record or the plan input');
  const markdown = o.redact(record ? runMarkdown(record) : plan ? planMarkdown(plan) : failureMarkdown(failure!));
  const planErrors = plan ? plan.targets.filter((t) => t.status === 'unknown').length : 0;
  const state = record ? commitState(record) : plan && !planErrors ? 'success' : 'failure';
  const description = o.redact(record ? record.summary : plan ? summaryLine(plan) : failureSummary(failure!));
  const sha = o.sha ?? record?.commit ?? plan?.commit ?? failure?.commit;
  const project = record?.project ?? plan?.project ?? failure?.project ?? '';
  let commentId: number | undefined;

  const client = o.token && hasForge(o.env) ? ForgeClient.fromEnv(o.token, o.env) : undefined;
  if (!client) o.log('no token or no Forgejo API in the environment: commit status and comment skipped');
  if (client && !sha) o.log('no commit known: commit status skipped');
  if (client && sha) {
    await client.setCommitStatus(sha, { state, context: o.statusContext, description, targetUrl: runUrl(o.env) });
    o.log(`commit status ${o.statusContext}=${state} on ${sha.slice(0, 7)}`);
    if (o.alsoSha && o.alsoSha !== sha) {
      await client.setCommitStatus(o.alsoSha, { state, context: o.statusContext, description, targetUrl: runUrl(o.env) });
      o.log(`commit status ${o.statusContext}=${state} on ${o.alsoSha.slice(0, 7)} too`);
    }
    // The comment is keyed by the project's name; a project.yml too broken to
    // name it leaves the comment as it was and the status says what failed.
    if (o.pullRequest && !project) o.log('project name unknown (project.yml unreadable): plan comment left as it was');
    if (o.pullRequest && project) {
      // The marker line is added by the client: leave room for it.
      const body = fitComment(markdown, { limit: FORGEJO_COMMENT_LIMIT - stickyMarker(project).length - 1 });
      const r = await client.upsertStickyComment(o.pullRequest, project, body);
      commentId = r.id;
      o.log(`plan comment ${r.action} on #${o.pullRequest} (id ${r.id})`);
    }
  }

  let notified = false;
  if (o.webhookUrl && (!record || worthNotifying(record))) {
    const title = o.redact(record ? `Steward ${record.project}: ${record.result}` : plan ? `Steward plan ${plan.project}` : `Steward ${project || 'project'}: ${failure!.stage} failed`);
    await notify(o.webhookUrl, { title, text: description, priority: state === 'failure' ? 4 : 3, url: runUrl(o.env) }, { format: o.webhookFormat ?? 'ntfy' });
    notified = true;
  }
  return { markdown, state, commentId, notified };
}

function hasForge(env: NodeJS.ProcessEnv): boolean {
  return !!(env.FORGEJO_API_URL || env.GITHUB_API_URL || env.GITHUB_SERVER_URL || env.FORGEJO_SERVER_URL) && !!(env.GITHUB_REPOSITORY || env.FORGEJO_REPOSITORY);
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const server = env.FORGEJO_SERVER_URL || env.GITHUB_SERVER_URL;
  const repo = env.FORGEJO_REPOSITORY || env.GITHUB_REPOSITORY;
  const run = env.GITHUB_RUN_NUMBER || env.GITHUB_RUN_ID;
  return server && repo && run ? `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${run}` : undefined;
}
