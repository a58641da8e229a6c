import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { notify, redactUrl, NotifyError } from "../../../src/report/notify";

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let base = "";
let server: http.Server;

before(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({ url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    if (req.url?.startsWith("/slow")) return; // never answers
    res.writeHead(req.url?.startsWith("/refuse") ? 403 : 200).end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test("ntfy: plain POST with a title header", async () => {
  await notify(`${base}/steward-alerts`, { title: "converge failed: homelab", text: "2 apps failed", priority: 4, tags: ["warning"] });
  const s = seen.at(-1)!;
  assert.equal(s.url, "/steward-alerts");
  assert.equal(s.headers.title, "converge failed: homelab");
  assert.equal(s.headers.priority, "4");
  assert.equal(s.headers.tags, "warning");
  assert.equal(s.body, "2 apps failed");
});

test("json: a JSON body; credentials in the URL go as Basic auth", async () => {
  await notify(`http://bot:s3cret@127.0.0.1:${new URL(base).port}/hook`, { title: "ok ✓", text: "all converged", url: "https://git/run/1" }, { format: "json" });
  const s = seen.at(-1)!;
  assert.equal(s.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(s.body), { title: "ok ✓", text: "all converged", url: "https://git/run/1" });
  assert.equal(s.headers.authorization, `Basic ${Buffer.from("bot:s3cret").toString("base64")}`);
});

test("errors never show secret parts of the URL", async () => {
  const secretUrl = `http://user:hunter2@127.0.0.1:${new URL(base).port}/refuse/AbCdEf0123456789xyz?token=t0psecret`;
  await assert.rejects(notify(secretUrl, { title: "t", text: "x" }), (e: NotifyError) => {
    assert.equal(e.status, 403);
    for (const s of ["hunter2", "user", "AbCdEf0123456789xyz", "t0psecret"]) assert.ok(!e.message.includes(s), e.message);
    assert.match(e.message, /HTTP 403/);
    return true;
  });
  await assert.rejects(notify(`${base}/slow/AbCdEf0123456789xyz`, { title: "t", text: "x" }, { timeoutMs: 100 }), (e: Error) => {
    assert.match(e.message, /no answer within 100 ms/);
    assert.ok(!e.message.includes("AbCdEf0123456789xyz"));
    return true;
  });
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await assert.rejects(notify(`http://127.0.0.1:${closedPort}/x?k=secretvalue`, { title: "t", text: "x" }), (e: Error) => {
    assert.match(e.message, /ECONNREFUSED/);
    assert.ok(!e.message.includes("secretvalue"));
    return true;
  });
  assert.equal(redactUrl("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"), "https://hooks.slack.com/services/T000/B000/***");
  assert.equal(redactUrl("https://ntfy.sh/mytopic"), "https://ntfy.sh/mytopic");
});
