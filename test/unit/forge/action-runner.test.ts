import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runNodeAction, runWorkflow, inputEnvName, parseFileCommands, evaluate } from "../../support/action-runner";
import { pushEvent, pullRequestEvent, workflowDispatchEvent, scheduleEvent } from "../../support/events";
import { scratchDir } from "../../support/cleanup";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/forge");
const repo = { fullName: "alice/homelab", serverUrl: "http://127.0.0.1:3000" };
const sha = "c".repeat(40);
const base = () => ({ workspace: scratchDir("steward-ws-"), repository: repo.fullName, serverUrl: repo.serverUrl, token: "tok-123456" });

test("input names follow the runner's rule", () => {
  assert.equal(inputEnvName("plan-file"), "INPUT_PLAN-FILE");
  assert.equal(inputEnvName("Greeting Text"), "INPUT_GREETING_TEXT");
  assert.equal(inputEnvName("a.b"), "INPUT_A_B");
});

test("file commands: key=value and heredoc", () => {
  assert.deepEqual(parseFileCommands("a=1\nb<<EOF_X\nx\ny\nEOF_X\nc=\n"), { a: "1", b: "x\ny", c: "" });
});

test("a node action runs with the runner's env, files and commands", async () => {
  const r = await runNodeAction({ ...base(), event: pushEvent(repo, { before: "0".repeat(40), after: sha }) }, {
    actionDir: path.join(fixtures, "echo-action"),
    inputs: { "plan-file": "plan.json", token: "tok-123456" },
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.outputs["summary-line"], "hello plan.json on push");
  assert.equal(r.outputs.multi, "line one\nline two");
  assert.equal(r.outputs["event-ref"], "refs/heads/main");
  assert.match(r.summary, /<h1>Echo<\/h1>/);
  assert.ok(r.summary.includes(sha));
  assert.deepEqual(r.masks, ["tok-123456"]);
  assert.deepEqual(r.exportedEnv, { STEWARD_SEEN: "yes" });
  assert.deepEqual(r.addedPath, ["/opt/steward-test-bin"]);
  for (const k of ["GITHUB_ACTIONS", "FORGEJO_ACTIONS", "CI"]) assert.equal(r.env[k], "true");
  assert.equal(r.env.GITHUB_API_URL, "http://127.0.0.1:3000/api/v1");
  assert.equal(r.env.GITHUB_REPOSITORY_OWNER, "alice");
  assert.equal(r.env.GITHUB_REF_NAME, "main");
  assert.equal(r.env["INPUT_GREETING_TEXT"], "hello");
  assert.equal(r.env.RUNNER_OS, "Linux");
  assert.equal(r.env.FORGEJO_OUTPUT, r.env.GITHUB_OUTPUT);
});

test("a workflow runs its steps in order with if:, with: and outputs", async () => {
  const run = await runWorkflow({
    ...base(),
    event: pushEvent(repo, { before: "0".repeat(40), after: sha }),
    workflowFile: path.join(fixtures, "workflows", "echo.yml"),
    resolveAction: (uses) => path.resolve(fixtures, uses),
  });
  const by = Object.fromEntries(run.steps.map((s) => [s.id, s]));
  assert.equal(by.first!.outcome, "success");
  assert.equal(by.second!.outputs["summary-line"], "hi line one\nline two on push");
  assert.equal(by["pr-only"]!.outcome, "skipped");
  assert.equal(by.shell!.outputs.seen, "yes wf=wf");
  assert.equal(by.boom!.outcome, "failure");
  assert.equal(by["after-failure"]!.outcome, "skipped");
  assert.equal(by.report!.outcome, "success");
  assert.equal(run.success, false);
  assert.ok(run.masks.includes("tok-123456"));
});

test("events: shapes and the ref/sha the runner derives", () => {
  const pr = pullRequestEvent(repo, { number: 7, headRef: "feat", headSha: sha, baseSha: "d".repeat(40) });
  assert.equal(pr.ref, "refs/pull/7/head");
  assert.equal((pr.payload.pull_request as { head: { sha: string } }).head.sha, sha);
  const wd = workflowDispatchEvent(repo, { sha, inputs: { app: "jellyfin", "dry-run": false } });
  assert.equal(evaluate("github.event.inputs.app", { github: { event: wd.payload } }), "jellyfin");
  assert.equal(scheduleEvent(repo, { sha }).eventName, "schedule");
  assert.equal(evaluate("inputs.x || 'd'", { inputs: {} }), "d");
  assert.equal(evaluate("!contains('abc', 'B') || 1 == '1'", {}), true);
});
