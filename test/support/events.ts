// Event payloads shaped as Forgejo sends them to Actions (GITHUB_EVENT_PATH),
// plus the ref/sha context the runner derives from each.

export interface RepoRef {
  /** owner/name */
  fullName: string;
  serverUrl: string;
  defaultBranch?: string;
}

export interface EventContext {
  eventName: "push" | "pull_request" | "schedule" | "workflow_dispatch";
  payload: Record<string, unknown>;
  ref: string;
  sha: string;
  baseRef?: string;
  headRef?: string;
}

function user(login: string, serverUrl: string): Record<string, unknown> {
  return { id: 1, login, username: login, full_name: "", email: `${login}@noreply.localhost`, avatar_url: "", html_url: `${serverUrl}/${login}` };
}

function repository(r: RepoRef): Record<string, unknown> {
  const [owner, name] = r.fullName.split("/");
  return {
    id: 1,
    owner: user(owner!, r.serverUrl),
    name,
    full_name: r.fullName,
    private: false,
    fork: false,
    html_url: `${r.serverUrl}/${r.fullName}`,
    clone_url: `${r.serverUrl}/${r.fullName}.git`,
    default_branch: r.defaultBranch ?? "main",
  };
}

export interface CommitInfo {
  id: string;
  message: string;
  added?: string[];
  removed?: string[];
  modified?: string[];
}

export function pushEvent(r: RepoRef, p: { ref?: string; before: string; after: string; commits?: CommitInfo[]; pusher?: string }): EventContext {
  const ref = p.ref ?? `refs/heads/${r.defaultBranch ?? "main"}`;
  const pusher = user(p.pusher ?? "alice", r.serverUrl);
  const commits = (p.commits ?? [{ id: p.after, message: "update" }]).map((c) => ({
    id: c.id,
    message: c.message,
    url: `${r.serverUrl}/${r.fullName}/commit/${c.id}`,
    author: { name: "alice", email: "alice@example.org", username: "alice" },
    committer: { name: "alice", email: "alice@example.org", username: "alice" },
    verification: null,
    timestamp: "2025-01-01T00:00:00Z",
    added: c.added ?? [],
    removed: c.removed ?? [],
    modified: c.modified ?? [],
  }));
  return {
    eventName: "push",
    ref,
    sha: p.after,
    payload: {
      ref,
      before: p.before,
      after: p.after,
      compare_url: `${r.serverUrl}/${r.fullName}/compare/${p.before}...${p.after}`,
      commits,
      total_commits: commits.length,
      head_commit: commits.at(-1) ?? null,
      repository: repository(r),
      pusher,
      sender: pusher,
    },
  };
}

export function pullRequestEvent(
  r: RepoRef,
  p: { number: number; action?: "opened" | "synchronized" | "reopened" | "closed"; headRef: string; headSha: string; baseRef?: string; baseSha: string; title?: string },
): EventContext {
  const baseRef = p.baseRef ?? r.defaultBranch ?? "main";
  const repo = repository(r);
  const sender = user("alice", r.serverUrl);
  const branch = (ref: string, sha: string) => ({ label: ref, ref, sha, repo_id: 1, repo });
  return {
    eventName: "pull_request",
    // Forgejo runs pull_request workflows on the PR's head ref, as GitHub does
    ref: `refs/pull/${p.number}/head`,
    sha: p.headSha,
    baseRef,
    headRef: p.headRef,
    payload: {
      action: p.action ?? "opened",
      number: p.number,
      pull_request: {
        id: p.number,
        url: `${r.serverUrl}/${r.fullName}/pulls/${p.number}`,
        number: p.number,
        user: sender,
        title: p.title ?? `PR ${p.number}`,
        body: "",
        labels: [],
        state: "open",
        draft: false,
        html_url: `${r.serverUrl}/${r.fullName}/pulls/${p.number}`,
        diff_url: `${r.serverUrl}/${r.fullName}/pulls/${p.number}.diff`,
        merged: false,
        base: branch(baseRef, p.baseSha),
        head: branch(p.headRef, p.headSha),
        merge_base: p.baseSha,
      },
      requested_reviewer: null,
      repository: repo,
      sender,
      commit_id: "",
      review: null,
    },
  };
}

/**
 * Forgejo gives a scheduled run the payload of the push that registered the
 * schedule; what tells it apart is the event name, and it runs on the default branch.
 */
export function scheduleEvent(r: RepoRef, p: { sha: string; cron?: string }): EventContext {
  const push = pushEvent(r, { before: "0".repeat(40), after: p.sha });
  return { ...push, eventName: "schedule", payload: { ...push.payload, schedule: p.cron ?? "*/5 * * * *" } };
}

export function workflowDispatchEvent(
  r: RepoRef,
  p: { sha: string; ref?: string; inputs?: Record<string, string | boolean>; workflow?: string },
): EventContext {
  const ref = p.ref ?? `refs/heads/${r.defaultBranch ?? "main"}`;
  return {
    eventName: "workflow_dispatch",
    ref,
    sha: p.sha,
    payload: {
      inputs: p.inputs ?? {},
      ref,
      repository: repository(r),
      sender: user("alice", r.serverUrl),
      workflow: p.workflow ?? ".forgejo/workflows/converge.yml",
    },
  };
}
