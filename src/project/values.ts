import { isIP, isIPv4 } from 'node:net';

// Values that end up in an ssh argv, a Caddyfile, a Prometheus file or an HTTP
// request line are checked here, so writers can trust the model they get.

const DNS_NAME_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;

/** A DNS host name (RFC 1123 labels, at most 253 characters); no trailing dot. */
export function isDnsName(s: string): boolean {
  const labels = s.split('.');
  // An all-digit last label would make a mistyped IP such as 10.0.0.256 pass as a name.
  return s.length <= 253 && labels.every((l) => DNS_NAME_LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** `local`, an IPv4, an IPv6 or a DNS name. */
export function isTargetAddress(s: string): boolean {
  return s === 'local' || isIP(s) !== 0 || isDnsName(s);
}

/** `host:port` for a dialer or a Caddy upstream; IPv6 goes in brackets. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface Cidr {
  family: 4 | 6;
  bits: bigint; // the address as an integer
  prefix: number;
}

/** Parses `a.b.c.d/n` or `x::y/n`; undefined when it is no CIDR. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const family = isIP(m[1]);
  const prefix = Number(m[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { family: family as 4 | 6, bits: ipBits(m[1]), prefix };
}

/** Whether `ip` lies inside `cidr` (same family). */
export function cidrContains(cidr: Cidr, ip: string): boolean {
  const family = isIP(ip);
  if (family !== cidr.family) return false;
  const width = BigInt(family === 4 ? 32 : 128);
  const shift = width - BigInt(cidr.prefix);
  return ipBits(ip) >> shift === cidr.bits >> shift;
}

function ipBits(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipBits(v4[1]);
    s = s.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

export function isLoopback(ip: string): boolean {
  return (isIPv4(ip) && ip.startsWith('127.')) || (isIP(ip) === 6 && ipBits(ip) === 1n);
}

/**
 * A URL a person can mean: http(s), a DNS name or IP for host, no credentials.
 * Returns why not, or undefined when it is fine.
 */
export function urlProblem(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must start with https:// or http://';
  if (u.username || u.password) return 'must not carry a user name or password';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!(isIP(host) !== 0 || isDnsName(host))) return 'must name a DNS host name or an IP address';
  return undefined;
}
