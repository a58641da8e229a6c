import { test, after, before, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startForgejoDouble, DOUBLE_TOKEN, type ForgejoDouble } from "../../support/forgejo-double";
import { ForgeClient, ForgeError, forgeEnv, STATUS_DESCRIPTION_LIMIT } from "../../../src/forge/client";

const REPO = "alice/homelab";
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
let d: ForgejoDouble;

before(async () => {
  d = await startForgejoDouble({ tokens: { [DOUBLE_TOKEN]: { login: "steward-bot" }, readonly: { login: "viewer", readOnly: true } } });
  d.addRepo(REPO);
});
after(() => d.close());
afterEach(() => d.assertNoViolations());

const client = (token = DOUBLE_TOKEN, repository = REPO) =>
  new ForgeClient({ token, repository, apiUrl: d.apiUrl, retry: fast });

test("the API URL comes from the runner's environment", () => {
  assert.deepEqual(forgeEnv({ GITHUB_SERVER_URL: "https://git.example.org/", GITHUB_REPOSITORY: "a/b" }), {
    apiUrl: "https://git.example.org/api/v1",
    repository: "a/b",
  });
  assert.equal(forgeEnv({ GITHUB_API_URL: "http://x/api/v1", FORGEJO_API_URL: "http://y/api/v1", GITHUB_REPOSITORY: "a/b" }).apiUrl, "http://y/api/v1");
  assert.throws(() => forgeEnv({ GITHUB_REPOSITORY: "a/b" }), /no Forgejo API URL/);
  const c = ForgeClient.fromEnv(DOUBLE_TOKEN, { GITHUB_API_URL: d.apiUrl, GITHUB_REPOSITORY: REPO });
  assert.equal(c.owner, "alice");
});

test("sticky comment: create then update leaves one comment", async () => {
  const pr = d.addPullRequest(REPO, { headRef: "f1", headSha: "1".repeat(40) });
  const c = client();
  const first = await c.upsertStickyComment(pr, "homelab", "## Plan\n2 to add");
  assert.equal(first.action, "created");
  const second = await c.upsertStickyComment(pr, "homelab", "## Plan\n1 to add");
  assert.deepEqual(second, { id: first.id, action: "updated" });
  const all = d.listComments(REPO, pr);
  assert.equal(all.length, 1);
  assert.equal(all[0]!.body, "<!-- steward:plan:homelab -->\n## Plan\n1 to add");
  // a different marker is a different sticky comment
  await c.upsertStickyComment(pr, "other", "x");
  assert.equal(d.listComments(REPO, pr).length, 2);
});

test("sticky comment is found among 60 other comments", async () => {
  const pr = d.addPullRequest(REPO, { headRef: "f2", headSha: "2".repeat(40) });
  const c = client();
  for (let i = 0; i < 30; i++) d.seedComment(REPO, pr, `comment ${i} mentioning steward:plan:homelab`);
  const first = await c.upsertStickyComment(pr, "homelab", "v1");
  for (let i = 30; i < 60; i++) d.seedComment(REPO, pr, `comment ${i}`);
  const again = await c.upsertStickyComment(pr, "homelab", "v2");
  assert.deepEqual(again, { id: first.id, action: "updated" });
  assert.equal(d.listComments(REPO, pr).filter((x) => x.body.includes("<!-- steward:plan:homelab -->")).length, 1);
});

test("a server that caps the issue's comment list is paged through the repository listing", async () => {
  const capped = await startForgejoDouble({ issueCommentsCap: 30 });
  try {
    capped.addRepo(REPO);
    const other = capped.addPullRequest(REPO, { headRef: "o", headSha: "3".repeat(40) });
    const pr = capped.addPullRequest(REPO, { headRef: "p", headSha: "4".repeat(40) });
    const c = new ForgeClient({ token: DOUBLE_TOKEN, repository: REPO, apiUrl: capped.apiUrl, retry: fast });
    for (let i = 0; i < 35; i++) capped.seedComment(REPO, pr, `noise ${i}`);
    for (let i = 0; i < 40; i++) capped.seedComment(REPO, other, `elsewhere ${i}`);
    const first = await c.upsertStickyComment(pr, "homelab", "v1");
    assert.equal(first.action, "created");
    for (let i = 0; i < 25; i++) capped.seedComment(REPO, pr, `more ${i}`);
    const second = await c.upsertStickyComment(pr, "homelab", "v2");
    assert.deepEqual(second, { id: first.id, action: "updated" });
    assert.ok(capped.requests.some((r) => r.operationId === "issueGetRepoComments" && r.query.includes("page=3")));
    capped.assertNoViolations();
  } finally {
    await capped.close();
  }
});

test("a 500 once, then success; a create that failed is not duplicated", async () => {
  const pr = d.addPullRequest(REPO, { headRef: "f3", headSha: "5".repeat(40) });
  const c = client();
  d.injectFailure({ status: 500, operationId: "issueGetComments" });
  d.injectFailure({ status: 502, operationId: "issueCreateComment", afterEffect: true });
  const r = await c.upsertStickyComment(pr, "homelab", "v1");
  // the lost create was stored, so the retry finds it instead of posting again
  assert.equal(r.action, "updated");
  assert.equal(d.listComments(REPO, pr).length, 1);
  d.injectFailure({ status: 429, operationId: "repoCreateStatus", headers: { "retry-after": "0" } });
  await c.setCommitStatus("5".repeat(40), { state: "success", context: "steward/converge", description: "ok" });
  assert.equal(d.listStatuses(REPO, "5".repeat(40)).length, 1);
});

test("retries are bounded", async () => {
  const c = client();
  d.injectFailure({ status: 503, operationId: "repoGetPullRequest", times: 3 });
  await assert.rejects(c.getPullRequest(1), (e: ForgeError) => e.status === 503 && /after 3 tries/.test(e.message));
  assert.equal(d.requests.filter((r) => r.operationId === "repoGetPullRequest" && r.status === 503).length, 3);
});

test("duplicates left by a race are cleaned up", async () => {
  const pr = d.addPullRequest(REPO, { headRef: "f4", headSha: "6".repeat(40) });
  const a = d.seedComment(REPO, pr, "<!-- steward:plan:homelab -->\nold", "steward-bot");
  d.seedComment(REPO, pr, "<!-- steward:plan:homelab -->\nolder twin", "steward-bot");
  const r = await client().upsertStickyComment(pr, "homelab", "new");
  assert.deepEqual(r, { id: a.id, action: "updated" });
  assert.equal(d.listComments(REPO, pr).length, 1);
});

test("commit status: states and a description cut to the limit", async () => {
  const sha = "7".repeat(40);
  const c = client();
  for (const state of ["pending", "success", "failure", "error"] as const) {
    await c.setCommitStatus(sha, { state, context: "steward/converge", description: "x".repeat(500), targetUrl: "https://ci/run/1" });
  }
  const list = d.listStatuses(REPO, sha);
  assert.equal(list.length, 4);
  assert.equal([...list[0]!.description].length, STATUS_DESCRIPTION_LIMIT);
  assert.equal(list[3]!.state, "error");
});

test("getPullRequest returns head and base", async () => {
  const pr = d.addPullRequest(REPO, { headRef: "feat", headSha: "8".repeat(40), baseRef: "main", baseSha: "9".repeat(40) });
  const info = await client().getPullRequest(pr);
  assert.equal(info.headSha, "8".repeat(40));
  assert.equal(info.baseRef, "main");
  assert.equal(info.number, pr);
});

test("401, 403 and 404 say what to check, without the token", async () => {
  const pr = d.addPullRequest(REPO, { headRef: "f5", headSha: "a".repeat(40) });
  await assert.rejects(client("wrong-token-value").getPullRequest(pr), (e: ForgeError) => {
    assert.equal(e.status, 401);
    assert.match(e.message, /token/);
    assert.doesNotMatch(e.message, /wrong-token-value/);
    return true;
  });
  await assert.rejects(client("readonly").upsertStickyComment(pr, "m", "x"), (e: ForgeError) => {
    assert.equal(e.status, 403);
    assert.match(e.message, /write:issue/);
    return true;
  });
  await assert.rejects(client(DOUBLE_TOKEN, "alice/nope").getPullRequest(1), (e: ForgeError) => {
    assert.equal(e.status, 404);
    assert.match(e.message, /repository name "alice\/nope"/);
    return true;
  });
  d.injectFailure({ status: 403, operationId: "repoCreateStatus" });
  await assert.rejects(client().setCommitStatus("a".repeat(40), { state: "success", context: "c" }), /403/);
});
