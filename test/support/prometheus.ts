// Prometheus' own HTTP API, as the monitoring e2e tests ask it.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface ActiveTarget {
  labels: Record<string, string>;
  health: string;
  scrapeUrl: string;
}

/** Prometheus on 127.0.0.1:<port> (its `port:` in conventions.monitoring); undefined while it does not answer. */
export function prometheusApi(port: number) {
  async function api<T>(path: string): Promise<T | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) return undefined;
      const body = (await res.json()) as { status: string; data: T };
      return body.status === 'success' ? body.data : undefined;
    } catch {
      return undefined;
    }
  }
  return {
    api,
    /** `query` per app: the value of its one sample, absent when there is none. */
    async byApp(query: string): Promise<Record<string, string>> {
      const data = await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(query)}`);
      return Object.fromEntries((data?.result ?? []).map((s) => [s.metric.app, s.value[1]]));
    },
    async activeTargets(): Promise<ActiveTarget[]> {
      return (await api<{ activeTargets: ActiveTarget[] }>('/api/v1/targets?state=active'))?.activeTargets ?? [];
    },
    /** The configuration Prometheus runs now (after a reload: the new one). */
    async config(): Promise<string> {
      return (await api<{ yaml: string }>('/api/v1/status/config'))?.yaml ?? '';
    },
  };
}

/** Polls until `ok` holds (a few scrape intervals), then returns the last value; the caller asserts it. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await sleep(500);
  }
}

/** The container ids of one app, by its compose project. */
export function containerOf(host: string, project: string, app: string): string {
  return execFileSync('docker', ['-H', host, 'ps', '-aq', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}-${app}`], { encoding: 'utf8' }).trim();
}

