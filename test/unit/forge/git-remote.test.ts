import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGitRemote } from "../../support/git-remote";

// async on purpose: the remote's server runs in this process, a sync call would block it
const git = async (cwd: string, ...args: string[]) =>
  (await promisify(execFile)("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } })).stdout.trim();

test("init, push, clone back, push and fetch a custom ref", async () => {
  const remote = await startGitRemote();
  const work = mkdtempSync(path.join(os.tmpdir(), "steward-git-work-"));
  try {
    remote.createBareRepo("alice/homelab");
    const a = path.join(work, "a");
    await git(work, "init", "--quiet", "--initial-branch=main", a);
    writeFileSync(path.join(a, "project.yml"), "name: homelab\n");
    await git(a, "add", ".");
    await git(a, "commit", "--quiet", "-m", "first");
    await git(a, "remote", "add", "origin", remote.url("alice/homelab"));
    await git(a, "push", "--quiet", "origin", "main");
    const head = await git(a, "rev-parse", "HEAD");

    const b = path.join(work, "b");
    await git(work, "clone", "--quiet", remote.url("alice/homelab"), b);
    assert.equal(readFileSync(path.join(b, "project.yml"), "utf8"), "name: homelab\n");
    assert.equal(await git(b, "rev-parse", "HEAD"), head);

    await git(a, "push", "--quiet", "origin", "HEAD:refs/steward/converged");
    assert.match(await git(b, "ls-remote", "origin", "refs/steward/*"), new RegExp(`^${head}\\trefs/steward/converged$`));
    await git(b, "fetch", "--quiet", "origin", "refs/steward/*:refs/steward/*");
    assert.equal(await git(b, "rev-parse", "refs/steward/converged"), head);
  } finally {
    rmSync(work, { recursive: true, force: true });
    await remote.stop();
  }
});
