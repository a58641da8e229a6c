import { request } from 'node:http';

/** The part of `GET /containers/{id}/json` Steward reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Config: { Image: string; Labels: Record<string, string> | null };
  State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } | null };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null };
}

/** The engine's socket could not be reached at all (as opposed to an API error). */
export class EngineConnectError extends Error {
  constructor(readonly socketPath: string, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'EngineConnectError';
  }
}

/**
 * A minimal Docker Engine API client over a Unix socket: the engine's own, or
 * a target's forwarded through the SSH connection. Health polls read the
 * engine in-process instead of starting a docker CLI (and an ssh session) per
 * poll, which is most of what a poll used to cost.
 */
export class EngineApi {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 10_000,
  ) {}

  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = request({ socketPath: this.socketPath, path, method: 'GET', headers: { Host: 'docker', Connection: 'close' }, timeout: this.timeoutMs }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`the Docker engine did not answer ${path} within ${Math.round(this.timeoutMs / 1000)} s`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A forward whose SSH connection has gone accepts and then drops, or refuses.
        if (!answered && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
          reject(new EngineConnectError(this.socketPath, e.code, `cannot reach the Docker engine at ${this.socketPath}: ${e.code}`));
        } else {
          reject(e);
        }
      });
      req.end();
    });
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.get('/_ping');
      return r.status === 200;
    } catch {
      return false;
    }
  }

  /** IDs of every container (running or not) carrying all of these labels (`key=value`). */
  async containerIds(labels: string[]): Promise<string[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: labels }));
    const r = await this.get(`/containers/json?all=1&filters=${filters}`);
    if (r.status !== 200) throw new Error(`listing containers failed: HTTP ${r.status} ${r.body.trim()}`);
    return (JSON.parse(r.body) as { Id: string }[]).map((c) => c.Id);
  }

  /** A swarm manager's `/services`, `/tasks` or `/nodes`: each object as the CLI's inspect prints it. */
  async swarmList<T>(kind: 'services' | 'tasks' | 'nodes', filters: Record<string, string[]> = {}): Promise<T[]> {
    const q = Object.keys(filters).length ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
    const r = await this.get(`/${kind}${q}`);
    if (r.status !== 200) throw new Error(`listing swarm ${kind} failed: HTTP ${r.status} ${r.body.trim()}`);
    return JSON.parse(r.body) as T[];
  }

  /** undefined when the container is gone (removed between listing and inspecting). */
  async inspect(id: string): Promise<ContainerInspect | undefined> {
    const r = await this.get(`/containers/${encodeURIComponent(id)}/json`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`inspecting container ${id} failed: HTTP ${r.status} ${r.body.trim()}`);
    return JSON.parse(r.body) as ContainerInspect;
  }
}

/** The Unix socket path of a docker host URL, or undefined when it is not a Unix socket. */
export function unixSocketPath(dockerHost: string | undefined): string | undefined {
  if (!dockerHost) return undefined;
  const m = /^unix:\/\/(\/.+)$/.exec(dockerHost.trim());
  return m ? m[1] : undefined;
}
