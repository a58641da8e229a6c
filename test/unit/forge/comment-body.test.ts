import { test } from "node:test";
import assert from "node:assert/strict";
import { fitComment, FORGEJO_COMMENT_LIMIT } from "../../../src/report/comment-body";

function bigPlan(): string {
  const summary = ["## Steward plan for `homelab` @ abc1234", "", "**Plan: 3 to deploy, 2 to update, 1 to remove.**", ""];
  const steps: string[] = ["```diff"];
  let i = 0;
  while (steps.join("\n").length < 200_000) steps.push(`+ services/app-${i}/compose.yaml: image jellyfin/jellyfin:10.9.${i++} → changed env TZ`);
  steps.push("```");
  const errors = ["## Errors", "", "- target `media`: ssh: connect to host 10.10.0.11 port 22: Connection refused", "- app `db`: health check timed out after 120s"];
  return [...summary, ...steps, ...errors].join("\n");
}

test("a short body is returned unchanged", () => {
  const body = "## Plan\n\nNothing to do.\n";
  assert.equal(fitComment(body), body);
});

test("a 200 KB plan is cut from the middle, keeping summary and errors", () => {
  const plan = bigPlan();
  assert.ok(plan.length > 200_000);
  const out = fitComment(plan);
  assert.ok(out.length <= FORGEJO_COMMENT_LIMIT, `length ${out.length}`);
  assert.ok(out.length > FORGEJO_COMMENT_LIMIT - 500, "uses the room it has");
  assert.ok(out.startsWith("## Steward plan for `homelab` @ abc1234\n\n**Plan: 3 to deploy, 2 to update, 1 to remove.**"));
  assert.ok(out.endsWith(plan.slice(plan.indexOf("## Errors"))));
  const m = /> ✂️ \*\*([\d,]+) lines \(([\d,]+) bytes\) were cut from the middle/.exec(out);
  assert.ok(m, "note present");
  const cutLines = Number(m[1]!.replace(/,/g, ""));
  const cutBytes = Number(m[2]!.replace(/,/g, ""));
  const kept = out.split("\n").length;
  // every original line is either kept or counted as cut (the note adds 3-5 lines)
  assert.ok(Math.abs(plan.split("\n").length - cutLines - (kept - 5)) <= 2);
  assert.ok(cutBytes > 130_000 && cutBytes < 200_000);
  // the code fence open at the cut is closed before the note and reopened after it
  const noteAt = out.indexOf("> ✂️");
  assert.equal(out.slice(0, noteAt).split("```").length % 2, 1);
  assert.match(out.slice(noteAt), /\n```\n\+ services/);
});

test("keepHead, keepTail and limit are honoured", () => {
  const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
  const out = fitComment(lines.join("\n"), { limit: 2000, keepHead: 5, keepTail: 5 });
  assert.ok(out.length <= 2000);
  assert.ok(out.startsWith("line 0\nline 1\nline 2\nline 3\nline 4\n"));
  assert.ok(out.endsWith("line 995\nline 996\nline 997\nline 998\nline 999"));
  assert.match(out, /were cut from the middle/);
});

test("a single huge line is still cut below the limit", () => {
  const out = fitComment("x".repeat(100_000), { limit: 1000 });
  assert.ok(out.length <= 1000);
  assert.match(out, /characters were cut/);
});
