import { request } from 'node:http';
import type { ContainerInspect } from './engine-api';
import { run } from './process';

/** What an HTTP health check found: code 0 passed; otherwise the HTTP status, or -1 for no answer. */
export interface HttpProbe {
  code: number;
  url: string;
  detail?: string;
}

/**
 * The address to check: a running container of the app's compose project,
 * the app's own service first; its first network address (127.0.0.1 for a
 * container on the host network). undefined when none runs.
 */
export function probeAddress(containers: ContainerInspect[], composeProject: string, service: string): string | undefined {
  let any: string | undefined;
  for (const c of containers) {
    const labels = c.Config.Labels ?? {};
    if (labels['com.docker.compose.project'] !== composeProject || !c.State.Running) continue;
    const ip = Object.values(c.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress ?? '').find((a) => a !== '') ?? '127.0.0.1';
    if (labels['com.docker.compose.service'] === service) return ip;
    any ??= ip;
  }
  return any;
}

export function probeUrl(address: string, port: number, path: string): string {
  const p = path.startsWith('/') ? path : `/${path}`;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}${p.replace(/[^A-Za-z0-9/._~?&=%+-]/g, '')}`;
}

/** 2xx and 3xx pass, as with `curl -f` and wget. */
export function probeResult(url: string, status: number | undefined, failure?: string): HttpProbe {
  if (status === undefined) return { code: -1, url, detail: failure ?? 'no answer' };
  if (status >= 200 && status < 400) return { code: 0, url };
  return { code: status, url, detail: `HTTP ${status}` };
}

/** The status code of an HTTP response's first line. */
export function statusOf(head: string): number | undefined {
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
  return m ? Number(m[1]) : undefined;
}

/** Checks from this machine: the local engine's container networks are reachable here. */
export function probeDirect(url: string, timeoutMs: number): Promise<HttpProbe> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, headers: { Connection: 'close', 'User-Agent': 'steward' } }, (res) => {
      resolve(probeResult(url, res.statusCode));
      res.destroy();
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(probeResult(url, undefined, e.code ?? e.message)));
    req.end();
  });
}

/**
 * Checks from the target host through the SSH connection (`ssh -W`, a
 * direct-tcpip channel): no process on the host, no port published, no tool
 * needed in the image. Done at the status line.
 */
export async function probeOverSsh(sshArgs: string[], url: string, hostHeader: string, path: string, timeoutMs: number): Promise<HttpProbe> {
  const request = `GET ${path} HTTP/1.0\r\nHost: ${hostHeader}\r\nUser-Agent: steward\r\nConnection: close\r\n\r\n`;
  const r = await run('ssh', sshArgs, { input: request, timeoutMs, doneWhen: (out) => out.includes('\n') });
  if (r.stdout) return probeResult(url, statusOf(r.stdout), 'not an HTTP answer');
  if (r.timedOut) return probeResult(url, undefined, `no answer within ${Math.round(timeoutMs / 1000)} s`);
  const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `ssh exit ${r.code}`;
  return probeResult(url, undefined, /refused by peer|open failed/i.test(why) ? 'connection refused or closed' : why);
}
