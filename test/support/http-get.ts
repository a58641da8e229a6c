// One GET to the edge proxy on loopback with a Host header, and a bounded wait
// for an answer: Caddy may still be loading its config right after a converge.
import { request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  error?: string;
}

export function getVia(port: number, host: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { Host: host, ...headers }, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: '', error: e.message }));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

export async function whenAnswers(port: number, host: string, ok: (r: Reply) => boolean, headers: Record<string, string> = {}): Promise<Reply> {
  const end = Date.now() + 20_000;
  for (;;) {
    const r = await getVia(port, host, headers);
    if (ok(r) || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** The status page's cards: app name -> its target, data-health and inner HTML, from the DOM a browser built. */
export function statusCards(dom: string): Record<string, { target: string; health: string; card: string }> {
  const out: Record<string, { target: string; health: string; card: string }> = {};
  for (const section of dom.split('<section class="target" ').slice(1)) {
    const target = /data-target="([^"]+)"/.exec(section)![1];
    for (const m of section.matchAll(/<li class="app [a-z]+" data-app="([^"]+)" data-health="([a-z]+)">([\s\S]*?)<\/li>/g)) out[m[1]] = { target, health: m[2], card: m[3] };
  }
  return out;
}
