// A real git remote over smart HTTP: git http-backend run as CGI behind a tiny
// Node server on 127.0.0.1, so tests clone, push and fetch any ref for real.
// The server lives in the test's process: call git asynchronously (execFile,
// simple-git), never execFileSync, or the server cannot answer and git hangs.
import http from "node:http";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";

export interface GitRemote {
  /** Clone URL of `repo` (a name given to createBareRepo). */
  url(repo: string): string;
  /** Creates an empty bare repository and returns its path on disk. */
  createBareRepo(name: string): string;
  /** Directory holding the bare repositories. */
  root: string;
  stop(): Promise<void>;
}

/**
 * pushTokens: pushes must carry exactly one `Authorization: Basic` header whose
 * password is one of these (as Forgejo takes a token); a second Authorization
 * header is refused, as strict servers do. Without it, anyone may push.
 */
export async function startGitRemote(opts: { defaultBranch?: string; pushTokens?: string[] } = {}): Promise<GitRemote> {
  const root = mkdtempSync(path.join(os.tmpdir(), "steward-git-remote-"));
  const backend = path.join(execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim(), "git-http-backend");

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://remote");
    const isPush = u.searchParams.get("service") === "git-receive-pack" || u.pathname.endsWith("/git-receive-pack");
    if (isPush && opts.pushTokens) {
      const denied = pushDenied(req.rawHeaders, opts.pushTokens);
      if (denied) {
        res.writeHead(denied.status, denied.status === 401 ? { "WWW-Authenticate": 'Basic realm="steward-test"' } : {}).end(denied.message);
        return;
      }
    }
    const child = spawn(backend, [], {
      env: {
        PATH: process.env.PATH ?? "",
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        // allows push without REMOTE_USER; scoped to this process, not any repo config
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.receivepack",
        GIT_CONFIG_VALUE_0: "true",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
        REMOTE_ADDR: "127.0.0.1",
        REMOTE_USER: "steward-test",
        SERVER_PROTOCOL: "HTTP/1.1",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const sep = head.indexOf("\r\n\r\n") >= 0 ? head.indexOf("\r\n\r\n") : head.indexOf("\n\n");
      if (sep < 0) return;
      const sepLen = head[sep] === 0x0d ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      headersDone = true;
      res.write(head.subarray(sep + sepLen));
    });
    child.on("close", (code) => {
      if (!headersDone) res.writeHead(500).end(`git http-backend exited ${code}: ${stderr}`);
      else res.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const port = (server.address() as AddressInfo).port;

  return {
    root,
    url: (repo) => `http://127.0.0.1:${port}/${repo.replace(/\.git$/, "")}.git`,
    createBareRepo(name) {
      const dir = path.join(root, `${name.replace(/\.git$/, "")}.git`);
      execFileSync("git", ["init", "--quiet", "--bare", `--initial-branch=${opts.defaultBranch ?? "main"}`, dir]);
      return dir;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function pushDenied(rawHeaders: string[], tokens: string[]): { status: number; message: string } | undefined {
  const auth: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === "authorization") auth.push(rawHeaders[i + 1]!);
  if (auth.length > 1) return { status: 400, message: "duplicate Authorization header" };
  if (auth.length === 0) return { status: 401, message: "authentication required to push" };
  const m = /^basic\s+(\S+)$/i.exec(auth[0]!);
  const password = m ? Buffer.from(m[1]!, "base64").toString("utf8").split(":").slice(1).join(":") : "";
  return tokens.includes(password) ? undefined : { status: 403, message: "token refused" };
}
