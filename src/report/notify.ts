// Optional webhook notification after a run: ntfy-style plain text, or JSON.

export type NotifyFormat = "ntfy" | "json";

export interface Notification {
  title: string;
  text: string;
  /** ntfy priority 1..5 (e.g. 4 on failure); also sent in the JSON body. */
  priority?: number;
  tags?: string[];
  /** A link to the run, sent as ntfy's Click header and as `url` in JSON. */
  url?: string;
}

export interface NotifyOptions {
  format?: NotifyFormat;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export class NotifyError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "NotifyError";
  }
}

/** Sends one notification; throws NotifyError whose message never shows the URL's secrets. */
export async function notify(webhookUrl: string, n: Notification, opts: NotifyOptions = {}): Promise<void> {
  const safe = redactUrl(webhookUrl);
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    throw new NotifyError(`notification URL is not a valid URL: ${safe}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NotifyError(`notification URL must be http(s), got ${url.protocol} (${safe})`);
  }
  const { init, target } = buildRequest(url, n, opts);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let res: Response;
  try {
    res = await fetch(target, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  } catch (e) {
    const reason =
      (e as Error)?.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : causeOf(e, webhookUrl, target);
    throw new NotifyError(`notification to ${safe} failed: ${reason}`);
  }
  // drain the body so the socket is released; its content is not needed
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new NotifyError(`notification to ${safe} was refused: HTTP ${res.status}`, res.status);
}

function buildRequest(url: URL, n: Notification, opts: NotifyOptions): { target: string; init: RequestInit } {
  const headers: Record<string, string> = { ...opts.headers };
  // fetch refuses URLs with credentials; send them as Basic auth, as curl would.
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  if ((opts.format ?? "ntfy") === "json") {
    headers["content-type"] = "application/json";
    const body = { title: n.title, text: n.text, priority: n.priority, tags: n.tags, url: n.url };
    return { target: url.toString(), init: { method: "POST", headers, body: JSON.stringify(body) } };
  }
  headers["content-type"] = "text/plain; charset=utf-8";
  headers.title = headerSafe(n.title);
  if (n.priority !== undefined) headers.priority = String(n.priority);
  if (n.tags?.length) headers.tags = headerSafe(n.tags.join(","));
  if (n.url) headers.click = headerSafe(n.url);
  return { target: url.toString(), init: { method: "POST", headers, body: n.text } };
}

/**
 * A webhook URL often is the secret (ntfy topic, Slack/Discord hook path), so an
 * error shows only scheme, host and the shape of the path.
 */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "<invalid URL>";
  }
  const path = u.pathname
    .split("/")
    .map((seg) => (looksSecret(seg) ? "***" : seg))
    .join("/");
  const userinfo = u.username || u.password ? "***@" : "";
  const query = u.search ? "?***" : "";
  return `${u.protocol}//${userinfo}${u.host}${path}${query}`;
}

function looksSecret(seg: string): boolean {
  return seg.length >= 16 || (seg.length >= 8 && /\d/.test(seg) && /[a-z]/i.test(seg));
}

// Header values cannot hold newlines or non-Latin-1; ntfy reads UTF-8 titles as RFC 2047.
function headerSafe(v: string): string {
  const line = v.replace(/[\r\n]+/g, " ");
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line, "utf8").toString("base64")}?=`;
}

function causeOf(e: unknown, ...urls: string[]): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === "string") return cause.code;
  const msg = typeof cause?.message === "string" ? cause.message : "request failed";
  // a message may echo the URL; never let it through
  return urls.reduce((m, u) => m.split(u).join("<url>"), msg).replace(/https?:\/\/\S+/g, "<url>");
}
