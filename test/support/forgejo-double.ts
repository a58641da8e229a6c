// An in-memory Forgejo that serves the slice of /api/v1 Steward uses, checking
// every request and response against Forgejo's OpenAPI contract.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { OpenApiValidator, type Violation } from "./openapi-validator";

export interface DoubleUser {
  id: number;
  login: string;
}

export interface DoubleComment {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: DoubleUser;
  created: Date;
  updated: Date;
}

export interface DoubleStatus {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string;
  target_url: string;
  creator: DoubleUser;
  created: Date;
}

export interface DoublePullRequest {
  number: number;
  title: string;
  body: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  state: "open" | "closed";
  merged: boolean;
}

interface DoubleRepo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  issues: Map<number, { isPull: boolean }>;
  pulls: Map<number, DoublePullRequest>;
  statuses: DoubleStatus[];
  nextIndex: number;
}

export interface InjectedFailure {
  status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  method?: string;
  operationId?: string;
  path?: string | RegExp;
  body?: unknown;
  headers?: Record<string, string>;
  /** Apply the request first, then answer with the failure (a lost response). */
  afterEffect?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  operationId?: string;
  status: number;
}

export interface ForgejoDoubleOptions {
  /** token → user; every other token (or none) gets 401. */
  tokens?: Record<string, { login: string; readOnly?: boolean }>;
  specPath?: string;
  /**
   * Forgejo 11 returns every comment of an issue in one response (issueGetComments
   * has no paging). Set this to imitate a server that caps that list, so that the
   * client's fallback over the paged repo-wide listing is exercised.
   */
  issueCommentsCap?: number;
}

export const DOUBLE_TOKEN = "double-test-token";
const VERSION = "11.0.1+gitea-1.22.0";
const MAX_PAGE = 50;
const DEFAULT_PAGE = 30;
const STATUS_STATES = ["pending", "success", "error", "failure", "warning"];
// Forgejo's ranking for the combined state: lower is worse.
const STATE_RANK: Record<string, number> = { error: 0, failure: 1, warning: 2, pending: 3, success: 4 };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ForgejoDouble {
  readonly violations: Violation[] = [];
  readonly requests: RecordedRequest[] = [];
  private readonly repos = new Map<string, DoubleRepo>();
  private readonly comments = new Map<number, DoubleComment>();
  private readonly users = new Map<string, DoubleUser>();
  private readonly failures: (InjectedFailure & { left: number })[] = [];
  private readonly tokens: Record<string, { login: string; readOnly?: boolean }>;
  private nextId = 1;
  private server!: http.Server;
  url = "";

  constructor(
    private readonly validator: OpenApiValidator,
    private readonly opts: ForgejoDoubleOptions,
  ) {
    this.tokens = opts.tokens ?? { [DOUBLE_TOKEN]: { login: "steward-bot" } };
  }

  get apiUrl(): string {
    return `${this.url}/api/v1`;
  }

  async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- test set-up -------------------------------------------------------

  addRepo(fullName: string, opts: { defaultBranch?: string } = {}): void {
    const [owner, name] = splitRepo(fullName);
    this.repos.set(fullName.toLowerCase(), {
      id: this.nextId++,
      owner,
      name,
      defaultBranch: opts.defaultBranch ?? "main",
      issues: new Map(),
      pulls: new Map(),
      statuses: [],
      nextIndex: 1,
    });
  }

  addIssue(fullName: string): number {
    const repo = this.repo(fullName);
    const index = repo.nextIndex++;
    repo.issues.set(index, { isPull: false });
    return index;
  }

  addPullRequest(
    fullName: string,
    pr: { title?: string; body?: string; headRef: string; headSha: string; baseRef?: string; baseSha?: string },
  ): number {
    const repo = this.repo(fullName);
    const number = repo.nextIndex++;
    repo.issues.set(number, { isPull: true });
    repo.pulls.set(number, {
      number,
      title: pr.title ?? `PR ${number}`,
      body: pr.body ?? "",
      headRef: pr.headRef,
      headSha: pr.headSha,
      baseRef: pr.baseRef ?? repo.defaultBranch,
      baseSha: pr.baseSha ?? "0".repeat(40),
      state: "open",
      merged: false,
    });
    return number;
  }

  /** Adds a comment as if someone else wrote it. */
  seedComment(fullName: string, issue: number, body: string, login = "someone-else"): DoubleComment {
    const repo = this.repo(fullName);
    if (!repo.issues.has(issue)) throw new Error(`no issue #${issue} in ${fullName}`);
    return this.createComment(repo, issue, body, this.user(login));
  }

  listComments(fullName: string, issue: number): DoubleComment[] {
    const key = fullName.toLowerCase();
    return [...this.comments.values()].filter((c) => c.repo === key && c.issue === issue);
  }

  listStatuses(fullName: string, sha: string): DoubleStatus[] {
    return this.repo(fullName).statuses.filter((s) => s.sha === sha);
  }

  /** Makes the next matching request(s) fail with `status` (a 500 once, a 403, a 429...). */
  injectFailure(f: InjectedFailure): void {
    this.failures.push({ ...f, left: f.times ?? 1 });
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.map(
      (v) => `  [${v.phase}] ${v.method} ${v.path}${v.operationId ? ` (${v.operationId})` : ""}: ${v.message}`,
    );
    throw new Error(`Forgejo double saw ${this.violations.length} contract violation(s):\n${lines.join("\n")}`);
  }

  // ---- HTTP --------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const u = new URL(req.url ?? "/", "http://double");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString("utf8");
    const record: RecordedRequest = { method, path: u.pathname, query: u.search, status: 0 };
    this.requests.push(record);

    const send = (status: number, body: unknown, template?: string, implicit: number[] = [], headers: Record<string, string> = {}) => {
      record.status = status;
      if (template) {
        this.violations.push(
          ...this.validator.checkResponse({ method, path: u.pathname, template, status, body, implicitStatuses: implicit }),
        );
      }
      const payload = body === undefined ? "" : JSON.stringify(body);
      res.writeHead(status, {
        ...(payload ? { "content-type": "application/json;charset=utf-8" } : {}),
        ...headers,
      });
      res.end(payload);
    };

    const basePath = this.validator.doc.basePath;
    if (!u.pathname.startsWith(`${basePath}/`)) {
      this.violations.push({ phase: "request", method, path: u.pathname, message: `outside the API base path ${basePath}` });
      return send(404, { message: "not found" });
    }
    const apiPath = u.pathname.slice(basePath.length);
    const checked = this.validator.checkRequest({
      method,
      path: apiPath,
      query: u.searchParams,
      contentType: req.headers["content-type"],
      body: bodyText,
    });
    this.violations.push(...checked.violations);
    if (!checked.ok) {
      return send(checked.status, { message: checked.status === 404 ? "not found" : "method not allowed", url: this.url });
    }
    const { op } = checked;
    record.operationId = op.operationId;
    const errorBody = (message: string) => ({ message, url: `${this.url}/api/swagger` });

    // Forgejo answers a missing or bad token with 401 on every operation; the spec
    // implies it through its global security definitions rather than per operation.
    const user = this.authenticate(req.headers.authorization, u.searchParams);
    if (!user && op.operationId !== "getVersion") {
      return send(401, errorBody("token is required"), op.template, [401]);
    }

    const failure = this.takeFailure(method, apiPath, op.operationId);
    if (failure) {
      // An injected fault is deliberately off-contract in its status (a proxy's 502,
      // a 429), so only its body shape is checked, not whether the status is declared.
      const body = failure.body ?? errorBody(`injected failure ${failure.status}`);
      if (failure.afterEffect) {
        try {
          this.route(op.operationId, op.pathParams, u.searchParams, checked.body, user);
        } catch {
          // the caller only sees the injected failure either way
        }
      }
      return send(failure.status, body, op.template, [failure.status], failure.headers);
    }

    try {
      if (!checked.violations.length || checked.violations.every((x) => x.message.includes("not declared"))) {
        const result = this.route(op.operationId, op.pathParams, u.searchParams, checked.body, user);
        return send(result.status, result.body, op.template, [], result.headers);
      }
      return send(422, errorBody(checked.violations.map((x) => x.message).join("; ")), op.template, [422]);
    } catch (e) {
      if (e instanceof HttpError) return send(e.status, errorBody(e.message), op.template);
      this.violations.push({ phase: "response", method, path: u.pathname, message: `double crashed: ${String(e)}` });
      return send(500, errorBody("internal error"), op.template, [500]);
    }
  }

  private authenticate(header: string | undefined, query: URLSearchParams): (DoubleUser & { readOnly: boolean }) | undefined {
    let token: string | undefined;
    const m = /^(token|bearer)\s+(\S+)$/i.exec(header ?? "");
    if (m) token = m[2];
    else token = query.get("token") ?? query.get("access_token") ?? undefined;
    const entry = token !== undefined ? this.tokens[token] : undefined;
    return entry ? { ...this.user(entry.login), readOnly: entry.readOnly ?? false } : undefined;
  }

  private takeFailure(method: string, apiPath: string, operationId: string): InjectedFailure | undefined {
    const i = this.failures.findIndex(
      (f) =>
        f.left > 0 &&
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.operationId || f.operationId === operationId) &&
        (!f.path || (typeof f.path === "string" ? apiPath === f.path : f.path.test(apiPath))),
    );
    if (i < 0) return undefined;
    const f = this.failures[i]!;
    f.left -= 1;
    if (f.left === 0) this.failures.splice(i, 1);
    return f;
  }

  private route(
    operationId: string,
    p: Record<string, string>,
    q: URLSearchParams,
    body: unknown,
    user: (DoubleUser & { readOnly: boolean }) | undefined,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const write = () => {
      if (user?.readOnly) throw new HttpError(403, "token does not have at least one of required scope(s): [write:issue write:repository]");
    };
    if (operationId === "getVersion") return { status: 200, body: { version: VERSION } };
    const repo = this.repos.get(`${p.owner}/${p.repo}`.toLowerCase());
    if (!repo) throw new HttpError(404, "The target couldn't be found.");

    switch (operationId) {
      case "issueGetComments": {
        const issue = this.issue(repo, p.index!);
        let list = this.listComments(repoKey(repo), issue);
        const total = list.length;
        if (this.opts.issueCommentsCap !== undefined) list = list.slice(0, this.opts.issueCommentsCap);
        return { status: 200, body: list.map((c) => this.commentJson(repo, c)), headers: totalCount(total) };
      }
      case "issueGetRepoComments": {
        const all = [...this.comments.values()].filter((c) => c.repo === repoKey(repo));
        const { page, limit } = paging(q);
        const slice = all.slice((page - 1) * limit, page * limit);
        return { status: 200, body: slice.map((c) => this.commentJson(repo, c)), headers: totalCount(all.length) };
      }
      case "issueCreateComment": {
        write();
        const issue = this.issue(repo, p.index!);
        const c = this.createComment(repo, issue, (body as { body: string }).body, user!);
        return { status: 201, body: this.commentJson(repo, c) };
      }
      case "issueGetComment": {
        return { status: 200, body: this.commentJson(repo, this.comment(repo, p.id!)) };
      }
      case "issueEditComment": {
        const c = this.comment(repo, p.id!);
        write();
        c.body = (body as { body: string }).body;
        c.updated = new Date();
        return { status: 200, body: this.commentJson(repo, c) };
      }
      case "issueDeleteComment": {
        const c = this.comment(repo, p.id!);
        write();
        this.comments.delete(c.id);
        return { status: 204 };
      }
      case "repoCreateStatus": {
        write();
        if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(p.sha!)) throw new HttpError(400, `invalid sha: ${p.sha}`);
        const b = (body ?? {}) as { state?: string; context?: string; description?: string; target_url?: string };
        if (!b.state || !STATUS_STATES.includes(b.state)) throw new HttpError(400, `invalid state: ${b.state}`);
        const s: DoubleStatus = {
          id: this.nextId++,
          sha: p.sha!,
          state: b.state,
          context: (b.context ?? "").trim(),
          description: (b.description ?? "").trim(),
          target_url: (b.target_url ?? "").trim(),
          creator: user!,
          created: new Date(),
        };
        repo.statuses.push(s);
        return { status: 201, body: this.statusJson(repo, s) };
      }
      case "repoListStatuses":
      case "repoListStatusesByRef": {
        const sha = operationId === "repoListStatuses" ? p.sha! : this.resolveRef(repo, p.ref!);
        let list = repo.statuses.filter((s) => s.sha === sha).reverse();
        const state = q.get("state");
        if (state) list = list.filter((s) => s.state === state);
        const { page, limit } = paging(q);
        return {
          status: 200,
          body: list.slice((page - 1) * limit, page * limit).map((s) => this.statusJson(repo, s)),
          headers: totalCount(list.length),
        };
      }
      case "repoGetCombinedStatusByRef": {
        const sha = this.resolveRef(repo, p.ref!);
        const latest = new Map<string, DoubleStatus>();
        for (const s of repo.statuses.filter((x) => x.sha === sha)) latest.set(s.context, s);
        const list = [...latest.values()].reverse();
        const body: Record<string, unknown> = {
          sha,
          total_count: list.length,
          statuses: list.map((s) => this.statusJson(repo, s)),
          repository: this.repoJson(repo),
          commit_url: `${this.apiUrl}/repos/${repoKey(repo)}/commits/${sha}`,
          url: `${this.apiUrl}/repos/${repoKey(repo)}/commits/${sha}/status`,
        };
        if (list.length) {
          body.state = list.reduce((w, s) => ((STATE_RANK[s.state] ?? 9) <= (STATE_RANK[w] ?? 9) ? s.state : w), "success");
        }
        return { status: 200, body };
      }
      case "repoGetPullRequest": {
        const pr = repo.pulls.get(Number(p.index));
        if (!pr) throw new HttpError(404, "pull request does not exist");
        return { status: 200, body: this.prJson(repo, pr) };
      }
      default:
        this.violations.push({
          phase: "request",
          method: "?",
          path: operationId,
          operationId,
          message: `operation ${operationId} is in the spec but not implemented by the double`,
        });
        throw new HttpError(404, `not implemented by the double: ${operationId}`);
    }
  }

  // ---- state helpers -----------------------------------------------------

  private repo(fullName: string): DoubleRepo {
    const r = this.repos.get(fullName.toLowerCase());
    if (!r) throw new Error(`double has no repo ${fullName}; call addRepo first`);
    return r;
  }

  private user(login: string): DoubleUser {
    let u = this.users.get(login);
    if (!u) {
      u = { id: this.nextId++, login };
      this.users.set(login, u);
    }
    return u;
  }

  private issue(repo: DoubleRepo, index: string): number {
    const n = Number(index);
    if (!repo.issues.has(n)) throw new HttpError(404, "issue does not exist");
    return n;
  }

  private comment(repo: DoubleRepo, id: string): DoubleComment {
    const c = this.comments.get(Number(id));
    if (!c || c.repo !== repoKey(repo)) throw new HttpError(404, "comment does not exist");
    return c;
  }

  private createComment(repo: DoubleRepo, issue: number, body: string, user: DoubleUser): DoubleComment {
    const now = new Date();
    const c: DoubleComment = { id: this.nextId++, repo: repoKey(repo), issue, body, user: { id: user.id, login: user.login }, created: now, updated: now };
    this.comments.set(c.id, c);
    return c;
  }

  private resolveRef(repo: DoubleRepo, ref: string): string {
    if (/^[0-9a-f]{40}$/.test(ref)) return ref;
    for (const pr of repo.pulls.values()) if (pr.headRef === ref) return pr.headSha;
    throw new HttpError(404, `ref ${ref} not found`);
  }

  // ---- JSON shapes, as Forgejo's convert package produces them -----------

  private userJson(u: DoubleUser): Record<string, unknown> {
    return {
      id: u.id,
      login: u.login,
      login_name: "",
      source_id: 0,
      full_name: "",
      email: `${u.login}@noreply.localhost`,
      avatar_url: `${this.url}/avatars/${u.id}`,
      html_url: `${this.url}/${u.login}`,
      language: "",
      is_admin: false,
      restricted: false,
      active: true,
      prohibit_login: false,
      location: "",
      pronouns: "",
      website: "",
      description: "",
      visibility: "public",
      followers_count: 0,
      following_count: 0,
      starred_repos_count: 0,
      username: u.login,
    };
  }

  private repoJson(repo: DoubleRepo): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: repo.id,
      owner: this.userJson(this.user(repo.owner)),
      name: repo.name,
      full_name: full,
      description: "",
      empty: false,
      private: false,
      fork: false,
      html_url: `${this.url}/${full}`,
      clone_url: `${this.url}/${full}.git`,
      default_branch: repo.defaultBranch,
    };
  }

  private commentJson(repo: DoubleRepo, c: DoubleComment): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    const isPull = repo.issues.get(c.issue)?.isPull ?? false;
    return {
      id: c.id,
      html_url: `${this.url}/${full}/${isPull ? "pulls" : "issues"}/${c.issue}#issuecomment-${c.id}`,
      pull_request_url: isPull ? `${this.url}/${full}/pulls/${c.issue}` : "",
      issue_url: `${this.url}/${full}/issues/${c.issue}`,
      user: this.userJson(c.user),
      original_author: "",
      original_author_id: 0,
      body: c.body,
      assets: [],
      created_at: c.created.toISOString(),
      updated_at: c.updated.toISOString(),
    };
  }

  private statusJson(repo: DoubleRepo, s: DoubleStatus): Record<string, unknown> {
    return {
      id: s.id,
      status: s.state,
      target_url: s.target_url,
      description: s.description,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
      context: s.context,
      creator: this.userJson(s.creator),
      created_at: s.created.toISOString(),
      updated_at: s.created.toISOString(),
    };
  }

  private prJson(repo: DoubleRepo, pr: DoublePullRequest): Record<string, unknown> {
    const full = `${repo.owner}/${repo.name}`;
    const branch = (ref: string, sha: string) => ({ label: ref, ref, sha, repo_id: repo.id, repo: this.repoJson(repo) });
    return {
      id: repo.id * 1000 + pr.number,
      url: `${this.url}/${full}/pulls/${pr.number}`,
      number: pr.number,
      user: this.userJson(this.user(repo.owner)),
      title: pr.title,
      body: pr.body,
      labels: [],
      assignees: [],
      requested_reviewers: [],
      requested_reviewers_teams: [],
      state: pr.state,
      draft: false,
      is_locked: false,
      comments: this.listComments(full, pr.number).length,
      html_url: `${this.url}/${full}/pulls/${pr.number}`,
      diff_url: `${this.url}/${full}/pulls/${pr.number}.diff`,
      patch_url: `${this.url}/${full}/pulls/${pr.number}.patch`,
      mergeable: true,
      merged: pr.merged,
      base: branch(pr.baseRef, pr.baseSha),
      head: branch(pr.headRef, pr.headSha),
      merge_base: pr.baseSha,
      created_at: new Date(0).toISOString(),
      updated_at: new Date(0).toISOString(),
      flow: 0,
    };
  }
}

function splitRepo(fullName: string): [string, string] {
  const [owner, name, extra] = fullName.split("/");
  if (!owner || !name || extra !== undefined) throw new Error(`repository must be owner/name, got ${fullName}`);
  return [owner, name];
}

function repoKey(repo: DoubleRepo): string {
  return `${repo.owner}/${repo.name}`.toLowerCase();
}

function paging(q: URLSearchParams): { page: number; limit: number } {
  const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
  const raw = Number(q.get("limit") ?? DEFAULT_PAGE) || DEFAULT_PAGE;
  return { page, limit: Math.min(Math.max(1, raw), MAX_PAGE) };
}

function totalCount(n: number): Record<string, string> {
  return { "x-total-count": String(n), "access-control-expose-headers": "X-Total-Count" };
}

let sharedValidator: OpenApiValidator | undefined;

/** Starts a double on 127.0.0.1 with a random port. The spec is parsed once per process. */
export async function startForgejoDouble(opts: ForgejoDoubleOptions = {}): Promise<ForgejoDouble> {
  const validator = opts.specPath ? new OpenApiValidator(opts.specPath) : (sharedValidator ??= new OpenApiValidator());
  const d = new ForgejoDouble(validator, opts);
  await d.listen();
  return d;
}
