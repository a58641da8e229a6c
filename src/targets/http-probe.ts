import { spawn } from 'node:child_process';
import { request } from 'node:http';
import type { ContainerInspect } from './engine-api';

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
 * needed in the image. stdin stays open until the status line arrives, as
 * some servers drop a request whose client has already half-closed.
 */
export function probeOverSsh(sshArgs: string[], url: string, hostHeader: string, path: string, timeoutMs: number): Promise<HttpProbe> {
  return new Promise((resolve) => {
    const child = spawn('ssh', sshArgs, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (r: HttpProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve(r);
    };
    const answer = () => probeResult(url, statusOf(out), 'not an HTTP answer');
    const timer = setTimeout(
      () => finish(out ? answer() : probeResult(url, undefined, `no answer within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (out.includes('\n')) finish(answer());
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => finish(probeResult(url, undefined, e.message)));
    child.on('close', (code) => {
      if (out !== '') return finish(answer());
      const why = err.trim().split('\n').filter(Boolean).pop() ?? `ssh exit ${code}`;
      finish(probeResult(url, undefined, /refused by peer|open failed/i.test(why) ? 'connection refused or closed' : why));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(`GET ${path} HTTP/1.0\r\nHost: ${hostHeader}\r\nUser-Agent: steward\r\nConnection: close\r\n\r\n`);
  });
}
