import type { Diagnostic } from './diagnostics';
import { DNS_LABEL, type App, type Project } from './model';
import type { KeyPath, YamlSource } from './yaml-source';
import { keyName } from './yaml-source';
import { isIP } from 'node:net';
import { publishedPort } from './adopted';
import { checkSwarm } from './swarm-checks';
import { cidrContains, isTargetAddress, parseCidr, urlProblem } from './values';
import { conventionAppNames } from '../conventions/monitoring';

/** Cross-file checks: everything a single file's schema cannot see. */
export function checkProject(p: Project, sources: Map<string, YamlSource>, diags: Diagnostic[]): void {
  const at = (file: string, path: KeyPath, message: string) => {
    const src = sources.get(file);
    const pos = src ? src.locate(path) : { line: 1, column: 1 };
    diags.push({ file, ...pos, key: keyName(path), message });
  };
  const targetNames = Object.keys(p.network.targets);
  const byName = new Map(p.apps.map((a) => [a.name, a]));
  const present = p.apps.filter((a) => a.state === 'present');

  for (const t of targetNames) {
    if (!DNS_LABEL.test(t)) at('network.yml', ['targets', t], `target name "${t}" must be a DNS label: lowercase letters, digits and "-"`);
    const address = p.network.targets[t].address;
    if (!isTargetAddress(address)) at('network.yml', ['targets', t, 'address'], `must be "local", an IPv4 or IPv6 address or a DNS name (got ${JSON.stringify(address)})`);
  }
  const locals = targetNames.filter((t) => p.network.targets[t].address === 'local');
  if (locals.length > 1) at('network.yml', ['targets', locals[1]], `only one target can be "address: local" (already: ${locals[0]})`);
  if (p.network.edge !== undefined && !p.network.targets[p.network.edge]) {
    at('network.yml', ['edge'], `unknown target "${p.network.edge}"; targets: ${targetNames.join(', ')}`);
  }
  const subnet = p.network.subnet === undefined ? undefined : parseCidr(p.network.subnet);
  if (p.network.subnet !== undefined && !subnet) {
    at('network.yml', ['subnet'], `must be a CIDR such as 10.10.0.0/24 or fd00:10::/64: an IP address, "/" and a prefix length up to 32 (IPv4) or 128 (IPv6) (got ${JSON.stringify(p.network.subnet)})`);
  }
  if (p.network.gateway !== undefined && isIP(p.network.gateway) === 0) {
    at('network.yml', ['gateway'], `must be an IP address (got ${JSON.stringify(p.network.gateway)})`);
  } else if (subnet && p.network.gateway !== undefined && !cidrContains(subnet, p.network.gateway)) {
    at('network.yml', ['gateway'], `gateway ${p.network.gateway} is outside subnet ${p.network.subnet}`);
  }
  if (p.conventions.sso) {
    const why = urlProblem(p.conventions.sso.url);
    if (why) at('project.yml', ['conventions', 'sso', 'url'], `${why} (got ${JSON.stringify(p.conventions.sso.url)})`);
  }
  const routed = present.filter((a) => a.route);
  if (routed.length && !p.conventions.routing) {
    at(routed[0].sourceFile, ['route'], 'a route needs a reverse proxy: add `conventions: { routing: { provider: caddy } }` to project.yml');
  }
  if (routed.length && p.conventions.routing && !p.network.edge) {
    at('network.yml', [], 'routes need an edge target: add `edge: <target>` (the target that runs the reverse proxy)');
  }
  if (p.conventions.routing && byName.has('caddy')) {
    at(byName.get('caddy')!.sourceFile, [], 'the app name "caddy" is reserved for the edge proxy while conventions.routing is set: rename the folder');
  }

  for (const a of p.apps) {
    if (!p.network.targets[a.target]) at(a.sourceFile, ['target'], `unknown target "${a.target}"; targets in network.yml: ${targetNames.join(', ')}`);
    a.secrets.forEach((k, i) => {
      if (!p.secretFiles.some((f) => f.keys.includes(k))) {
        at(a.sourceFile, ['secrets', i], `secret "${k}" is defined in no secrets file; add it with \`steward secrets set secrets/<file>.sops.yaml ${k}\``);
      }
    });
    a.dependsOn.forEach((d, i) => {
      const dep = byName.get(d);
      if (!dep && conventionAppNames(p).includes(d)) return;
      if (!dep) at(a.sourceFile, ['depends_on', i], `unknown app "${d}"; apps: ${[...byName.keys()].join(', ')}`);
      else if (d === a.name) at(a.sourceFile, ['depends_on', i], 'an app cannot depend on itself');
      else if (a.state === 'present' && dep.state === 'absent') at(a.sourceFile, ['depends_on', i], `depends on "${d}", which is state: absent`);
    });
    if (a.route?.sso && !p.conventions.sso) at(a.sourceFile, ['route', 'sso'], 'sso: true needs `conventions.sso` in project.yml');
    if (a.kind === 'service') {
      a.ports.forEach((x, i) => {
        if (x.bind !== undefined && isIP(x.bind) === 0) at(a.sourceFile, ['ports', i, 'bind'], `must be an IP address of the host (got ${JSON.stringify(x.bind)})`);
      });
    }
    if (a.state === 'present' && a.route && p.network.edge && !publishedPort(a, a.route.port)) {
      const port = a.route.port;
      if (a.kind === 'adopted') {
        at(a.sourceFile, ['route', 'port'], `container port ${port} is not published over TCP by ${a.composeFile}; the edge (${p.network.edge}) reaches adopted apps through a host port: add e.g. ports: ["${port}:${port}"] to the service listening on ${port}`);
      } else if (a.target !== p.network.edge) {
        at(a.sourceFile, ['route', 'port'], `the edge (${p.network.edge}) reaches this app on target ${a.target} over the network: publish the port, e.g. ports: [{ container: ${port}, host: ${port} }]`);
      }
    }
  }

  checkSwarm(p, at, (file, path) => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), sources.get(file)?.value));

  checkCycles(p.apps, (a, i, msg) => at(a.sourceFile, ['depends_on', i], msg));

  // Host ports: one publisher per (target, bind, port, protocol).
  const taken = new Map<string, { app: App; i: number }>();
  for (const a of present) {
    a.ports.forEach((port, i) => {
      if (!port.host) return;
      const id = `${a.target}|${port.host}/${port.protocol}`;
      const prev = taken.get(id);
      const edgePorts = p.conventions.routing && a.target === p.network.edge ? [p.conventions.routing.httpPort, p.conventions.routing.httpsPort] : [];
      const [file, path]: [string, KeyPath] = a.kind === 'adopted' && a.composeFile && port.key ? [a.composeFile, port.key] : [a.sourceFile, ['ports', i, 'host']];
      if (edgePorts.includes(port.host) && port.protocol === 'tcp') {
        at(file, path, `host port ${port.host}/tcp on target ${a.target} is taken by the edge proxy; pick another`);
      } else if (prev) {
        at(file, path, `host port ${port.host}/${port.protocol} on target ${a.target} is already published by app "${prev.app.name}"; pick another host port`);
      } else taken.set(id, { app: a, i });
    });
  }

  const hosts = new Map<string, App>();
  for (const a of present) {
    if (!a.route) continue;
    const host = a.route.subdomain === '@' ? p.domain : `${a.route.subdomain}.${p.domain}`;
    const prev = hosts.get(host);
    if (prev) at(a.sourceFile, ['route', 'subdomain'], `hostname ${host} is already routed to app "${prev.name}"; pick another subdomain`);
    else hosts.set(host, a);
  }
}

function checkCycles(apps: App[], report: (a: App, i: number, msg: string) => void): void {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (a: App, stack: string[]) => {
    state.set(a.name, 'visiting');
    a.dependsOn.forEach((d, i) => {
      const dep = byName.get(d);
      if (!dep || d === a.name) return;
      if (state.get(d) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(d)), a.name, d];
        const id = [...cycle].slice(0, -1).sort().join(',');
        if (!reported.has(id)) {
          reported.add(id);
          report(a, i, `dependency cycle: ${cycle.join(' -> ')}; remove one of these depends_on entries`);
        }
      } else if (!state.has(d)) visit(dep, [...stack, a.name]);
    });
    state.set(a.name, 'done');
  };
  for (const a of apps) if (!state.has(a.name)) visit(a, []);
}
