import { isIP } from 'node:net';
import type { App, AppPort } from './model';
import { isLoopback } from './values';
import type { KeyPath } from './yaml-source';

/** The host port publishing container `port` over TCP where another container can reach it (not on loopback). */
export function publishedPort(app: App, port: number): AppPort | undefined {
  return app.ports.find((x) => x.container === port && x.host !== undefined && x.protocol === 'tcp' && !(x.bind && isLoopback(x.bind)));
}

export interface PortProblem {
  path: KeyPath; // inside the compose file
  message: string;
}

/**
 * The ports an adopted compose file publishes, from the short syntax
 * `[HOST_IP:][HOST:]CONTAINER[/PROTO]` (ranges, `[v6]` hosts) and the long one.
 * A port the engine picks itself (no host, or a host range for one container
 * port) is listed without `host`.
 */
export function adoptedPorts(compose: Record<string, unknown>): { ports: AppPort[]; problems: PortProblem[] } {
  const ports: AppPort[] = [];
  const problems: PortProblem[] = [];
  const services = (compose.services ?? {}) as Record<string, { ports?: unknown }>;
  for (const [name, svc] of Object.entries(services)) {
    const list = svc && typeof svc === 'object' && Array.isArray(svc.ports) ? svc.ports : [];
    list.forEach((entry, i) => {
      const key: KeyPath = ['services', name, 'ports', i];
      const r = typeof entry === 'object' && entry !== null ? parseLong(entry as Record<string, unknown>) : parseShort(String(entry));
      if (typeof r === 'string') problems.push({ path: key, message: r });
      else for (const p of r) ports.push({ ...p, key });
    });
  }
  return { ports, problems };
}

type Parsed = Omit<AppPort, 'key'>[] | string;

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

export function parseShort(raw: string): Parsed {
  const bad = (why: string) => `port ${JSON.stringify(raw)} ${why}; Compose writes it as [HOST_IP:][HOST:]CONTAINER[/tcp|udp], e.g. "3000:80"`;
  if (raw.includes('$')) return `port ${JSON.stringify(raw)} uses variable interpolation, which steward does not resolve: write the port numbers`;
  let rest = raw;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!PROTOCOLS.has(protocol)) return bad(`has protocol "${protocol}" (tcp, udp or sctp)`);
  }
  let bind: string | undefined;
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (v6) {
    bind = v6[1];
    rest = v6[2];
  }
  const parts = rest.split(':');
  if (!bind && parts.length > 3) {
    // Unbracketed IPv6 as Docker reads it: everything before the last two parts.
    bind = parts.slice(0, -2).join(':');
    parts.splice(0, parts.length - 2);
  } else if (!bind && parts.length === 3) bind = parts.shift();
  if (parts.length > 2 || (v6 && parts.length !== 2)) return bad('has too many ":"');
  if (bind !== undefined && bind !== '' && isIP(bind) === 0) return bad(`binds "${bind}", which is no IP address`);
  const [hostPart, containerPart] = parts.length === 2 ? parts : [undefined, parts[0]];
  const container = range(containerPart);
  if (!container) return bad(`has container port "${containerPart}", not a port or range within 1-65535`);
  const host = hostPart === undefined || hostPart === '' ? undefined : range(hostPart);
  if (hostPart && !host) return bad(`has host port "${hostPart}", not a port or range within 1-65535`);
  return pairs(container, host, protocol as AppPort['protocol'], bind || undefined, bad);
}

function parseLong(o: Record<string, unknown>): Parsed {
  const show = JSON.stringify(o);
  const target = range(String(o.target ?? ''));
  if (!target || target[0] !== target[1]) return `port ${show} needs "target": one container port within 1-65535`;
  const protocol = String(o.protocol ?? 'tcp');
  if (!PROTOCOLS.has(protocol)) return `port ${show} has protocol "${protocol}" (tcp, udp or sctp)`;
  const bind = o.host_ip === undefined || o.host_ip === '' ? undefined : String(o.host_ip);
  if (bind !== undefined && isIP(bind) === 0) return `port ${show} has host_ip "${bind}", which is no IP address`;
  if (o.published === undefined || o.published === '') return [{ container: target[0], protocol: protocol as AppPort['protocol'], bind }];
  const published = String(o.published);
  if (published.includes('$')) return `port ${show} uses variable interpolation, which steward does not resolve: write the port numbers`;
  const host = range(published);
  if (!host) return `port ${show} has "published" ${JSON.stringify(published)}, not a port or range within 1-65535`;
  return pairs(target, host, protocol as AppPort['protocol'], bind, (why) => `port ${show} ${why}`);
}

function pairs(container: [number, number], host: [number, number] | undefined, protocol: AppPort['protocol'], bind: string | undefined, bad: (why: string) => string): Parsed {
  const n = container[1] - container[0];
  if (!host) return span(container).map((c) => ({ container: c, protocol, bind }));
  if (n === 0 && host[1] > host[0]) return [{ container: container[0], protocol, bind }];
  if (host[1] - host[0] !== n) return bad('maps ranges of different lengths');
  return span(container).map((c, i) => ({ container: c, host: host[0] + i, protocol, bind }));
}

function range(s: string | undefined): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s ?? '');
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

function span([a, b]: [number, number]): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
