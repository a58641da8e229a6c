import type { App } from './model';

type Port = { container: number; host?: number; protocol: 'tcp' | 'udp' };

/** Host ports published by an adopted compose file (short and long syntax). */
export function adoptedPorts(app: App): Port[] {
  const out: Port[] = [];
  const services = (app.compose.services ?? {}) as Record<string, { ports?: unknown[] }>;
  for (const svc of Object.values(services)) {
    for (const p of svc?.ports ?? []) {
      if (typeof p === 'object' && p) {
        const o = p as { target?: number; published?: string | number; protocol?: string };
        if (o.target) out.push({ container: Number(o.target), host: o.published ? Number(o.published) : undefined, protocol: o.protocol === 'udp' ? 'udp' : 'tcp' });
        continue;
      }
      // [ip:]host:container[/proto]; a bare container port publishes nothing fixed
      const m = /^(?:[\d.]+:)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(String(p));
      if (m) out.push({ container: Number(m[2]), host: m[1] ? Number(m[1]) : undefined, protocol: m[3] === 'udp' ? 'udp' : 'tcp' });
    }
  }
  return out;
}
