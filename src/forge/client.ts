// The one way Steward talks to Forgejo: Octokit from @actions/github pointed at
// Forgejo's /api/v1, with bounded retries and errors that say what to fix.
import { getOctokit } from "@actions/github";

export type CommitState = "success" | "failure" | "pending" | "error";

export interface CommitStatusInput {
  state: CommitState;
  context: string;
  description?: string;
  targetUrl?: string;
}

export interface RetryOptions {
  /** Total tries per request, first one included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface ForgeClientOptions {
  token: string;
  /** `owner/name` */
  repository: string;
  /** Forgejo's API root, ending in /api/v1. */
  apiUrl: string;
  retry?: RetryOptions;
}

export interface PullRequestInfo {
  number: number;
  title: string;
  state: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  htmlUrl: string;
}

export interface StickyResult {
  id: number;
  action: "created" | "updated";
}

/**
 * Forgejo stores the description as TEXT and sets no limit, but shows it on one
 * line in the commit list; GitHub's 140 keeps it readable there and portable.
 */
export const STATUS_DESCRIPTION_LIMIT = 140;
const REPO_COMMENTS_PAGE = 50;
const MAX_PAGES = 1000;

export class ForgeError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly operation: string,
  ) {
    super(message);
    this.name = "ForgeError";
  }
}

/** Reads the API URL and repository the runner sets (Forgejo twins first). */
export function forgeEnv(env: NodeJS.ProcessEnv = process.env): { apiUrl: string; repository: string } {
  const server = env.FORGEJO_SERVER_URL || env.GITHUB_SERVER_URL;
  const apiUrl = env.FORGEJO_API_URL || env.GITHUB_API_URL || (server ? `${server.replace(/\/+$/, "")}/api/v1` : "");
  const repository = env.FORGEJO_REPOSITORY || env.GITHUB_REPOSITORY || "";
  if (!apiUrl) {
    throw new Error("no Forgejo API URL: set GITHUB_API_URL (or FORGEJO_API_URL, or GITHUB_SERVER_URL); the runner sets them in a workflow");
  }
  if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) {
    throw new Error(`GITHUB_REPOSITORY must be owner/name, got "${repository}"`);
  }
  return { apiUrl: apiUrl.replace(/\/+$/, ""), repository };
}

export function stickyMarker(marker: string): string {
  if (!/^[A-Za-z0-9._:/-]+$/.test(marker)) {
    throw new Error(`sticky comment marker may hold only letters, digits and . _ : / -, got "${marker}"`);
  }
  return `<!-- steward:plan:${marker} -->`;
}

export function cutDescription(text: string, limit = STATUS_DESCRIPTION_LIMIT): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  const chars = [...oneLine];
  return chars.length <= limit ? oneLine : `${chars.slice(0, limit - 1).join("")}…`;
}

interface RawComment {
  id: number;
  body?: string;
  issue_url?: string;
  pull_request_url?: string;
}

type Octokit = ReturnType<typeof getOctokit>;
type Params = Record<string, unknown>;

export class ForgeClient {
  readonly owner: string;
  readonly repo: string;
  private readonly octokit: Octokit;
  private readonly retry: Required<RetryOptions>;

  constructor(private readonly opts: ForgeClientOptions) {
    if (!opts.token) throw new Error("no Forgejo token: pass the `token` input (e.g. ${{ secrets.GITHUB_TOKEN }})");
    const [owner, repo] = opts.repository.split("/");
    if (!owner || !repo) throw new Error(`repository must be owner/name, got "${opts.repository}"`);
    this.owner = owner;
    this.repo = repo;
    this.octokit = getOctokit(opts.token, { baseUrl: opts.apiUrl });
    this.retry = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, ...opts.retry };
  }

  static fromEnv(token: string, env: NodeJS.ProcessEnv = process.env, retry?: RetryOptions): ForgeClient {
    return new ForgeClient({ token, ...forgeEnv(env), retry });
  }

  async setCommitStatus(sha: string, s: CommitStatusInput): Promise<{ id: number }> {
    const res = await this.call<{ id: number }>("set the commit status", "POST /repos/{owner}/{repo}/statuses/{sha}", {
      sha,
      state: s.state,
      context: s.context,
      description: cutDescription(s.description ?? ""),
      target_url: s.targetUrl ?? "",
    });
    return { id: res.data.id };
  }

  async getPullRequest(n: number): Promise<PullRequestInfo> {
    const { data } = await this.call<{
      number: number;
      title: string;
      state: string;
      html_url: string;
      head: { ref: string; sha: string };
      base: { ref: string; sha: string };
    }>(`read pull request #${n}`, "GET /repos/{owner}/{repo}/pulls/{index}", { index: n });
    return {
      number: data.number,
      title: data.title,
      state: data.state,
      headRef: data.head.ref,
      headSha: data.head.sha,
      baseRef: data.base.ref,
      baseSha: data.base.sha,
      htmlUrl: data.html_url,
    };
  }

  /**
   * Creates or updates the one comment carrying `marker`. Duplicates (from a
   * race between two runs) are removed, keeping the oldest so links stay valid.
   */
  async upsertStickyComment(prNumber: number, marker: string, body: string): Promise<StickyResult> {
    const tag = stickyMarker(marker);
    const full = body.includes(tag) ? body : `${tag}\n${body}`;
    // A create that failed with 5xx may still have been stored, so a retry starts
    // over from the listing instead of posting again: that is what keeps it single.
    let lastError: unknown;
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) await sleep(this.backoff(attempt - 1));
      try {
        const ours = (await this.listIssueComments(prNumber)).filter((c) => (c.body ?? "").includes(tag));
        ours.sort((a, b) => a.id - b.id);
        const [keep, ...extra] = ours;
        for (const dup of extra) {
          await this.call(`delete duplicate comment ${dup.id}`, "DELETE /repos/{owner}/{repo}/issues/comments/{id}", { id: dup.id });
        }
        if (keep) {
          if (keep.body !== full) {
            await this.call(`update comment ${keep.id} on #${prNumber}`, "PATCH /repos/{owner}/{repo}/issues/comments/{id}", {
              id: keep.id,
              body: full,
            });
          }
          return { id: keep.id, action: "updated" };
        }
        const { data } = await this.call<{ id: number }>(
          `comment on #${prNumber}`,
          "POST /repos/{owner}/{repo}/issues/{index}/comments",
          { index: prNumber, body: full },
          false,
        );
        return { id: data.id, action: "created" };
      } catch (e) {
        if (!(e instanceof ForgeError) || !isRetryable(e.status)) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  /**
   * Forgejo 11 returns all comments of an issue at once (the operation has no
   * page/limit). If a server caps that list (X-Total-Count says more), fall back
   * to the repository-wide listing, which pages, and keep this issue's comments.
   */
  async listIssueComments(index: number): Promise<RawComment[]> {
    const res = await this.call<RawComment[]>(
      `list comments of #${index}`,
      "GET /repos/{owner}/{repo}/issues/{index}/comments",
      { index },
    );
    const total = Number(res.headers["x-total-count"] ?? NaN);
    if (!Number.isFinite(total) || res.data.length >= total) return res.data;

    const found = new Map<number, RawComment>();
    const seen = new Set<number>();
    const suffix = new RegExp(`/(issues|pulls)/${index}$`);
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data } = await this.call<RawComment[]>(
        `list repository comments (page ${page})`,
        "GET /repos/{owner}/{repo}/issues/comments",
        { page, limit: REPO_COMMENTS_PAGE },
      );
      let fresh = 0;
      for (const c of data) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        fresh++;
        if (suffix.test(c.issue_url ?? "") || suffix.test(c.pull_request_url ?? "")) found.set(c.id, c);
      }
      // A short page is the last one; a page with nothing new means the server ignores paging.
      if (data.length < REPO_COMMENTS_PAGE || fresh === 0) break;
    }
    return [...found.values()];
  }

  private backoff(n: number, retryAfter?: string): number {
    const hinted = retryAfter !== undefined ? Number(retryAfter) * 1000 : NaN;
    const d = Number.isFinite(hinted) && hinted >= 0 ? hinted : this.retry.baseDelayMs * 2 ** n;
    return Math.min(d, this.retry.maxDelayMs);
  }

  private async call<T = unknown>(
    what: string,
    route: string,
    params: Params,
    retry = true,
  ): Promise<{ data: T; headers: Record<string, string | number | undefined> }> {
    const attempts = retry ? this.retry.attempts : 1;
    for (let n = 0; ; n++) {
      try {
        const res = await this.octokit.request(route, { owner: this.owner, repo: this.repo, ...params });
        return { data: res.data as T, headers: res.headers as Record<string, string | number | undefined> };
      } catch (e) {
        const status = statusOf(e);
        if (isRetryable(status) && n + 1 < attempts) {
          await sleep(this.backoff(n, retryAfterOf(e)));
          continue;
        }
        throw this.explain(what, status, e);
      }
    }
  }

  private explain(what: string, status: number | undefined, cause: unknown): ForgeError {
    const where = `${this.owner}/${this.repo} at ${this.opts.apiUrl}`;
    const detail = messageOf(cause);
    let msg: string;
    switch (status) {
      case 401:
        msg = `Forgejo refused the token (401) when trying to ${what} in ${where}. Check that the action's \`token\` input is set (\${{ secrets.GITHUB_TOKEN }} or a personal access token) and has not expired or been revoked.`;
        break;
      case 403:
        msg = `Forgejo denied permission (403) to ${what} in ${where}. The token needs write access to the repository: scopes write:repository (commit statuses) and write:issue (comments); the workflow token of a pull request from a fork is read-only.`;
        break;
      case 404:
        msg = `Forgejo answered 404 Not Found when trying to ${what}. Check the repository name "${this.owner}/${this.repo}" (GITHUB_REPOSITORY), the API URL ${this.opts.apiUrl} (it must end in /api/v1), the number or id asked for, and that the token can read this repository (Forgejo hides private repositories with 404).`;
        break;
      case undefined:
        msg = `could not reach Forgejo to ${what} at ${this.opts.apiUrl}: ${detail}. Check GITHUB_SERVER_URL / GITHUB_API_URL and the network from the runner.`;
        break;
      default:
        msg = `Forgejo failed to ${what} in ${where}: HTTP ${status}${detail ? ` (${detail})` : ""}${
          isRetryable(status) ? `, still failing after ${this.retry.attempts} tries` : ""
        }.`;
    }
    return new ForgeError(redactToken(msg, this.opts.token), status, what);
  }
}

function isRetryable(status: number | undefined): boolean {
  return status !== undefined && (status >= 500 || status === 429);
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown })?.status;
  return typeof s === "number" && s > 0 ? s : undefined;
}

function retryAfterOf(e: unknown): string | undefined {
  const h = (e as { response?: { headers?: Record<string, string> } })?.response?.headers?.["retry-after"];
  return h === undefined ? undefined : String(h);
}

function messageOf(e: unknown): string {
  const data = (e as { response?: { data?: { message?: unknown } } })?.response?.data;
  if (data && typeof data.message === "string") return data.message;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

function redactToken(text: string, token: string): string {
  return token.length >= 4 ? text.split(token).join("***") : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
