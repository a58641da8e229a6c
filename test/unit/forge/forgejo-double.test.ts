import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { startForgejoDouble, DOUBLE_TOKEN, type ForgejoDouble } from "../../support/forgejo-double";

let d: ForgejoDouble;
let pr: number;
const auth = { authorization: `token ${DOUBLE_TOKEN}` };

before(async () => {
  d = await startForgejoDouble();
  d.addRepo("alice/homelab");
  pr = d.addPullRequest("alice/homelab", { headRef: "feature", headSha: "a".repeat(40) });
});
after(() => d.close());

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  return fetch(`${d.apiUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

function takeViolations(): string[] {
  const v = d.violations.splice(0).map((x) => x.message);
  return v;
}

test("a valid request passes and its response validates", async () => {
  const res = await call("POST", `/repos/alice/homelab/issues/${pr}/comments`, { body: "hello" });
  assert.equal(res.status, 201);
  const c = (await res.json()) as { id: number; body: string };
  assert.equal(c.body, "hello");
  const list = await call("GET", `/repos/alice/homelab/issues/${pr}/comments`);
  assert.equal(list.status, 200);
  assert.equal(list.headers.get("x-total-count"), "1");
  const v = await call("GET", "/version");
  assert.deepEqual(await v.json(), { version: "11.0.1+gitea-1.22.0" });
  d.assertNoViolations();
});

test("an unknown path gets a 404 and a violation", async () => {
  const res = await call("GET", "/repos/alice/homelab/no-such-thing/1");
  assert.equal(res.status, 404);
  const v = takeViolations();
  assert.equal(v.length, 1);
  assert.match(v[0]!, /unknown path/);
  assert.throws(() => {
    d.violations.push({ phase: "request", method: "GET", path: "/x", message: "unknown path" });
    d.assertNoViolations();
  }, /contract violation/);
  d.violations.splice(0);
});

test("a method the spec does not allow is caught", async () => {
  const res = await call("PUT", `/repos/alice/homelab/issues/${pr}/comments`, { body: "x" });
  assert.equal(res.status, 405);
  assert.match(takeViolations()[0]!, /method PUT not allowed/);
});

test("a body field of the wrong type is caught", async () => {
  const res = await call("POST", `/repos/alice/homelab/issues/${pr}/comments`, { body: 42 });
  assert.equal(res.status, 422);
  assert.match(takeViolations().join("\n"), /\/body must be string/);
});

test("a missing required field is caught", async () => {
  await call("POST", `/repos/alice/homelab/issues/${pr}/comments`, { updated_at: "2024-01-01T00:00:00Z" });
  assert.match(takeViolations().join("\n"), /must have required property 'body'/);
});

test("path and query parameter types and undeclared query parameters are caught", async () => {
  await call("GET", `/repos/alice/homelab/issues/abc/comments`);
  assert.match(takeViolations().join("\n"), /path parameter index: "abc" must be integer/);
  await call("GET", `/repos/alice/homelab/statuses/${"a".repeat(40)}?limit=ten`);
  assert.match(takeViolations().join("\n"), /query parameter limit: "ten" must be integer/);
  await call("GET", `/repos/alice/homelab/statuses/${"a".repeat(40)}?state=bogus`);
  assert.match(takeViolations().join("\n"), /must be equal to one of the allowed values/);
  await call("GET", `/repos/alice/homelab/issues/${pr}/comments?page=2`);
  assert.match(takeViolations().join("\n"), /query parameter page is not declared for issueGetComments/);
});

test("a token is required; injected failures are served once", async () => {
  const noAuth = await call("GET", `/repos/alice/homelab/pulls/${pr}`, undefined, {});
  assert.equal(noAuth.status, 401);
  const bad = await call("GET", `/repos/alice/homelab/pulls/${pr}`, undefined, { authorization: "token nope" });
  assert.equal(bad.status, 401);
  d.injectFailure({ status: 500, operationId: "repoGetPullRequest" });
  assert.equal((await call("GET", `/repos/alice/homelab/pulls/${pr}`)).status, 500);
  const ok = await call("GET", `/repos/alice/homelab/pulls/${pr}`);
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { head: { sha: string } }).head.sha, "a".repeat(40));
  d.injectFailure({ status: 403, method: "POST", path: /statuses/ });
  const st = await call("POST", `/repos/alice/homelab/statuses/${"a".repeat(40)}`, { state: "success", context: "c" });
  assert.equal(st.status, 403);
  d.assertNoViolations();
});

test("commit statuses: create, list, combined", async () => {
  const sha = "b".repeat(40);
  for (const state of ["pending", "success"]) {
    const r = await call("POST", `/repos/alice/homelab/statuses/${sha}`, { state, context: "steward/converge", description: state });
    assert.equal(r.status, 201);
  }
  await call("POST", `/repos/alice/homelab/statuses/${sha}`, { state: "failure", context: "other" });
  const list = (await (await call("GET", `/repos/alice/homelab/statuses/${sha}`)).json()) as unknown[];
  assert.equal(list.length, 3);
  const combined = (await (await call("GET", `/repos/alice/homelab/commits/${sha}/status`)).json()) as {
    state: string;
    total_count: number;
  };
  assert.equal(combined.total_count, 2);
  assert.equal(combined.state, "failure");
  const bad = await call("POST", `/repos/alice/homelab/statuses/${sha}`, { state: "great" });
  assert.equal(bad.status, 400);
  d.assertNoViolations();
});

test("a response that breaks the contract is recorded", () => {
  const v = d["validator"].checkResponse({
    method: "GET",
    path: "/version",
    template: "/version",
    status: 200,
    body: { version: 11 },
  });
  assert.match(v[0]!.message, /\/version must be string/);
  const v2 = d["validator"].checkResponse({ method: "GET", path: "/version", template: "/version", status: 201, body: {} });
  assert.match(v2[0]!.message, /status 201 is not declared/);
});
